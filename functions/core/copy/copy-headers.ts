import type { Dispatcher } from 'undici';

/** What a faithful copy of a Swarm object keeps of its source's headers (core/copy/object-copy.ts). */

/**
 * Whether a header travels with a faithful copy: content type, disposition, encoding and
 * language, Content-MD5, lifepoints, Castor-* (never Castor-System-*), X-*-Meta-* and X-*-Meta
 * (the two custom-metadata forms Swarm keeps).
 */
export function keepsHeader(name: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('castor-system-')) return false;
  return (
    n === 'content-type' ||
    n === 'content-disposition' ||
    n === 'content-encoding' ||
    n === 'content-language' ||
    n === 'content-md5' ||
    n === 'lifepoint' ||
    n.startsWith('castor-') ||
    /^x-.+-meta(?:-|$)/.test(n)
  );
}

/** The headers of a source GET that the PUT carries (every value of a repeated header, e.g. lifepoints). */
export function copiedHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && keepsHeader(name)) out[name] = value;
  return out;
}
