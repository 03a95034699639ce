import { isNodeHint } from '../message/message.js';

/**
 * Turns the answer to a Swarm write into a `nodeHint` (swarm-scsp.md 2.3): for an erasure-coded
 * write (`Manifest: ec`) the host of the first `Location`, otherwise the host of the last one.
 * That node started the object's feed work first, so a SEND there finishes soonest.
 */
export function nodeHintFromWrite(
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | Headers,
): string | null {
  const get = (name: string): string[] => {
    if (headers instanceof Headers) return splitLocations(headers.get(name));
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    const v = key ? headers[key] : undefined;
    if (v === undefined) return [];
    return typeof v === 'string' ? splitLocations(v) : v.flatMap((x) => splitLocations(x));
  };
  const locations = get('location');
  const ec = get('manifest').some((m) => m.trim().toLowerCase() === 'ec');
  const chosen = ec ? locations[0] : locations.at(-1);
  return chosen ? hintFromLocation(chosen) : null;
}

/**
 * `host:port` of an absolute http(s) Location, or null when it has none (a path-only Location,
 * another scheme, credentials in the URL, a zone id...). Only a value the message schema
 * accepts (`isNodeHint`) comes out, so a hint from here is never dropped as malformed.
 */
function hintFromLocation(location: string): string | null {
  if (!/^https?:\/\//i.test(location)) return null;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  // A Location without a port means the scheme's default (URL leaves `port` empty for it).
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hint = `${url.hostname}:${port}`;
  return isNodeHint(hint) ? hint : null;
}

/** Several Location headers may arrive folded into one comma-separated value. */
function splitLocations(value: string | null): string[] {
  if (!value) return [];
  return value.split(/,\s*(?=https?:\/\/)/i).map((s) => s.trim());
}

/**
 * The message's `size` (docs/large-objects.md) from the write that stored the object: the
 * `Content-Length` the producer sent with it, as a number of bytes. Null when the write had none
 * (a chunked write: pass the count of bytes written instead) or the value is not a whole number
 * of bytes, so a route's policy asks the source instead of trusting a guess.
 */
export function sizeFromWrite(
  requestHeaders: Readonly<Record<string, string | number | readonly string[] | undefined>> | Headers,
): number | null {
  let value: string | number | readonly string[] | null | undefined;
  if (requestHeaders instanceof Headers) value = requestHeaders.get('content-length');
  else {
    const key = Object.keys(requestHeaders).find((k) => k.toLowerCase() === 'content-length');
    value = key === undefined ? undefined : requestHeaders[key];
  }
  const text = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : null;
  if (typeof text !== 'string' || !/^\s*\d{1,16}\s*$/.test(text)) return null;
  const size = Number(text.trim());
  return Number.isSafeInteger(size) ? size : null;
}
