import type { Credentials } from '../core/transport/digest-auth.js';
import type { ObjectRef } from '../core/message/message.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import type { SendPort } from './ports.js';

/** What identifies one version of an object; null where an answer did not say. */
export interface CopyFacts {
  readonly etag: string | null;
  readonly contentLength: number | null;
  readonly version: string | null;
}

/**
 * Why the DR copy is not the source's version, or null when it is. Every field the source
 * reports (ETag, Content-Length, Castor-System-Version) must be on the copy with the same value;
 * a source that reports none of them proves nothing, so that is a mismatch too.
 */
export function copyMismatch(source: CopyFacts, copy: CopyFacts): string | null {
  const fields = [
    ['ETag', source.etag, copy.etag],
    ['Content-Length', source.contentLength, copy.contentLength],
    ['Castor-System-Version', source.version, copy.version],
  ] as const;
  const known = fields.filter(([, s]) => s !== null);
  if (known.length === 0) return 'the source reported no ETag, Content-Length or Castor-System-Version to compare';
  const differ = known.filter(([, s, c]) => s !== c);
  if (differ.length === 0) return null;
  return differ.map(([name, s, c]) => `${name} ${c ?? 'missing'} (source ${s})`).join(', ');
}

/**
 * The route's `verify`, after a 201 or a 409: HEAD the object on the destination and compare it
 * with the source's version. The SEND answer's HEAD-like headers describe the source (`sent`);
 * an answer without them (an outer 409 is an error page) is completed by a HEAD on the source.
 * Returns why the copy is missing or differs, or null when it is the source's version
 * (`core/outcome/decide.ts` turns a problem into `retry` / `verify-mismatch`).
 */
export async function copyProblem(
  client: SendPort,
  route: ResolvedRoute,
  object: ObjectRef,
  credentials: { readonly source: Credentials; readonly destination: Credentials },
  sent: { readonly etag: string | null; readonly version: string | null },
  signal: AbortSignal,
): Promise<string | null> {
  const copy = await client.head(route.destination, object, credentials.destination, signal);
  if (copy.status !== 200) return `destination HEAD answered ${copy.status ?? copy.error}`;
  let source: CopyFacts = { etag: sent.etag, contentLength: null, version: sent.version };
  if (source.etag === null && source.version === null) {
    const head = await client.head(route.source, object, credentials.source, signal);
    if (head.status === 200) source = head;
  }
  return copyMismatch(source, copy);
}
