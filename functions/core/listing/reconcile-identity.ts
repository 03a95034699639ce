import { compareIdentity, type CopyIdentity, type UnprovenIdentity } from '../copy/content-identity.js';

/**
 * Reconcile's and `check`'s use of content identity (core/copy/content-identity.ts): the verdict on
 * an object both clusters' HEADs answered 200 for. Pure.
 */

/** What a HEAD said about one copy (a `HeadEvidence` of core/listing/reconcile-diff.ts). */
export interface HeadIdentity {
  readonly bytes: number | null;
  /** The ETag, without quotes. */
  readonly hash: string | null;
  /** Version time, ms. */
  readonly lastModified: number | null;
  readonly contentMd5?: string | null | undefined;
}

/** The verdict: in sync or different, with its reasons. */
export interface IdentityVerdict {
  readonly category: 'in-sync' | 'different';
  readonly reasons: string[];
}

const identityOf = (h: HeadIdentity): CopyIdentity => ({
  bytes: h.bytes,
  etag: h.hash,
  contentMd5: h.contentMd5 ?? null,
  versionTime: h.lastModified,
});

const iso = (ms: number | null): string => (ms === null ? 'unknown' : new Date(ms).toISOString());

/**
 * The same object (equal ETags, or sizes and Content-MD5 equal) is in sync whatever its version
 * times; a different one is `different`, with which side is newer; an unproven identity is in
 * sync when the route accepts it, else `different`.
 */
export function compareHeads(src: HeadIdentity, dr: HeadIdentity, unproven: UnprovenIdentity): IdentityVerdict {
  const identity = compareIdentity(identityOf(src), identityOf(dr));
  switch (identity.kind) {
    case 'same':
      return {
        category: 'in-sync',
        reasons: identity.by === 'etag' ? [] : ['same size and Content-MD5 (ETags differ)'],
      };
    case 'unproven':
      return unproven === 'accept'
        ? { category: 'in-sync', reasons: [`identity unproven, accepted by the route: ${identity.detail}`] }
        : { category: 'different', reasons: [`identity unproven: ${identity.detail}`] };
    case 'different': {
      const newer =
        identity.sourceNewer === true
          ? `source newer (${iso(src.lastModified)} > ${iso(dr.lastModified)})`
          : `source not newer (${iso(src.lastModified)}, DR ${iso(dr.lastModified)})`;
      return { category: 'different', reasons: [...identity.differences, newer] };
    }
  }
}
