import { normalizeHash, parseTime } from '../listing/listing.js';

/**
 * Content identity (docs/changed-objects.md): the one rule that says whether two copies of an
 * object are the same object, used by the worker's verify, reconcile's verdict and `check`.
 *
 * - Sizes that differ prove a different object.
 * - Equal ETags prove the same object (the ETag names one version): a fast path.
 * - Otherwise a content digest both clusters report decides: `Content-MD5`, which Swarm keeps
 *   and returns on HEAD when the writer stored one (a client `Content-MD5`, `gencontentmd5`, or
 *   the cluster's automatic computation).
 * - Unequal ETags alone prove nothing: re-encoding a copy (replicas to erasure coding) gives it
 *   a new ETag and Castor-System-Version with the same bytes. With no digest on both sides the
 *   answer is `unproven`, never a guess; the route decides what that means (`unprovenIdentity`).
 *
 * Which copy is newer comes from the version times (Castor-System-Version, else Last-Modified),
 * never from an ETag. Pure.
 */

/** What one copy reports about itself (a HEAD, a SEND's HEAD-like headers); null where it did not say. */
export interface CopyIdentity {
  readonly bytes: number | null;
  /** ETag as received (quotes and `W/` are ignored when compared). */
  readonly etag: string | null;
  /** The stored `Content-MD5` (base64), when the writer stored one. */
  readonly contentMd5: string | null;
  /** Version time, ms since the epoch (Castor-System-Version, else Last-Modified). */
  readonly versionTime: number | null;
}

/** The verdict on two copies. */
export type Identity =
  | { readonly kind: 'same'; readonly by: 'etag' | 'content-md5' }
  | {
      readonly kind: 'different';
      readonly differences: readonly string[];
      /** Whether the source's version time is later than the copy's; null when either is unknown. */
      readonly sourceNewer: boolean | null;
    }
  | { readonly kind: 'unproven'; readonly detail: string };

/** What the route does with an `unproven` identity. */
export const UNPROVEN_IDENTITY_CHOICES = ['accept', 'retry', 'fail'] as const;
export type UnprovenIdentity = (typeof UNPROVEN_IDENTITY_CHOICES)[number];
/** The default: dead-letter at once, with the reason, for an operator to judge (docs/changed-objects.md). */
export const DEFAULT_UNPROVEN_IDENTITY: UnprovenIdentity = 'fail';

/** Base64 digests compare exactly; a hex spelling (some writers) is folded to base64 first. */
function normalizeMd5(value: string | null): string | null {
  if (value === null) return null;
  const v = value.trim();
  if (v === '') return null;
  return /^[0-9a-fA-F]{32}$/.test(v) ? Buffer.from(v, 'hex').toString('base64') : v;
}

/** Whether two Content-MD5 values (base64 or hex) name the same digest; false when either is missing. */
export function sameDigest(a: string | null, b: string | null): boolean {
  const x = normalizeMd5(a);
  return x !== null && x === normalizeMd5(b);
}

/** Whether the source is the later version: null when either time is unknown. */
export function sourceIsNewer(source: CopyIdentity, copy: CopyIdentity): boolean | null {
  if (source.versionTime === null || copy.versionTime === null) return null;
  return source.versionTime > copy.versionTime;
}

/** Compares a source copy with a destination copy by the rule above. */
export function compareIdentity(source: CopyIdentity, copy: CopyIdentity): Identity {
  const sourceNewer = sourceIsNewer(source, copy);
  if (source.bytes !== null && copy.bytes !== null && source.bytes !== copy.bytes)
    return { kind: 'different', differences: [`bytes ${source.bytes} != ${copy.bytes}`], sourceNewer };
  const etagA = normalizeHash(source.etag);
  const etagB = normalizeHash(copy.etag);
  if (etagA !== null && etagA === etagB) return { kind: 'same', by: 'etag' };
  const md5A = normalizeMd5(source.contentMd5);
  const md5B = normalizeMd5(copy.contentMd5);
  if (md5A !== null && md5B !== null) {
    if (md5A === md5B && source.bytes !== null && copy.bytes !== null) return { kind: 'same', by: 'content-md5' };
    if (md5A !== md5B) return { kind: 'different', differences: [`Content-MD5 ${md5A} != ${md5B}`], sourceNewer };
  }
  const sizes = source.bytes === null || copy.bytes === null ? 'a size unknown' : 'sizes equal';
  const digests =
    md5A !== null && md5B !== null
      ? 'both report the same Content-MD5'
      : md5A === null && md5B === null
        ? 'neither reports Content-MD5'
        : `only ${md5A === null ? 'DR' : 'the source'} reports Content-MD5`;
  return { kind: 'unproven', detail: `${sizes}, ETags differ, ${digests}` };
}

/** Headers as undici and the transport give them. */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

function first(headers: Headers, name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** The identity a 200 HEAD (or GET) answer reports: Content-Length, ETag, Content-MD5, version time. */
export function identityOfHeaders(headers: Headers): CopyIdentity {
  const length = first(headers, 'content-length');
  return {
    bytes: length !== null && /^\d+$/.test(length) ? Number(length) : null,
    etag: first(headers, 'etag'),
    contentMd5: first(headers, 'content-md5'),
    versionTime: parseTime(first(headers, 'castor-system-version')) ?? parseTime(first(headers, 'last-modified')),
  };
}

/** One line naming a copy's version for records and the DLQ: its Castor-System-Version time, or its ETag. */
export function describeVersion(c: CopyIdentity): string | null {
  if (c.versionTime !== null) return new Date(c.versionTime).toISOString();
  return c.etag;
}
