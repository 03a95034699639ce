import { compareIdentity, describeVersion, type CopyIdentity } from '../core/copy/content-identity.js';
import type { Versions } from '../core/outcome/outcome.js';
import type { Credentials } from '../core/transport/digest-auth.js';
import type { ObjectRef } from '../core/message/message.js';
import type { HeadResult } from '../core/send/observation.js';
import { parseTime } from '../core/listing/listing.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import type { SendPort } from './ports.js';

/** What a HEAD answer says about a copy's identity. */
export function identityOfHead(
  h: Pick<HeadResult, 'etag' | 'contentLength' | 'version' | 'contentMd5' | 'lastModified'>,
): CopyIdentity {
  return {
    bytes: h.contentLength,
    etag: h.etag,
    contentMd5: h.contentMd5 ?? null,
    versionTime: parseTime(h.version) ?? parseTime(h.lastModified ?? null),
  };
}

/** Both copies' versions, for the record and the DLQ. */
export function versionsOf(source: CopyIdentity, copy: CopyIdentity): Versions {
  return { source: describeVersion(source), destination: describeVersion(copy) };
}

/** What verify found. */
export type VerifyFinding =
  | { readonly kind: 'same' }
  /** No copy, or a HEAD that could not answer: `verify-mismatch`, retried. */
  | { readonly kind: 'problem'; readonly detail: string }
  | { readonly kind: 'unproven'; readonly detail: string; readonly versions: Versions }
  /** DR holds another version (different content). */
  | {
      readonly kind: 'different';
      readonly detail: string;
      readonly versions: Versions;
      /** The source object's size, when its HEAD said. */
      readonly bytes: number | null;
    };

/**
 * The route's `verify`, after a 201 or a 409: is the DR copy the source's object, by content
 * identity (core/copy/content-identity.ts)? HEAD on the destination; an ETag equal to the one the
 * SEND answer reported for the source proves it at once; otherwise a HEAD on the source gives
 * its size, Content-MD5 and version time, and the rule decides.
 */
export async function verifyCopy(
  client: SendPort,
  route: ResolvedRoute,
  object: ObjectRef,
  credentials: { readonly source: Credentials; readonly destination: Credentials },
  sent: { readonly etag: string | null; readonly version: string | null },
  signal: AbortSignal,
): Promise<VerifyFinding> {
  const copyHead = await client.head(route.destination, object, credentials.destination, signal);
  if (copyHead.status !== 200)
    return { kind: 'problem', detail: `destination HEAD answered ${copyHead.status ?? copyHead.error}` };
  const copy = identityOfHead(copyHead);
  const sentIdentity: CopyIdentity = {
    bytes: null,
    etag: sent.etag,
    contentMd5: null,
    versionTime: parseTime(sent.version),
  };
  if (compareIdentity(sentIdentity, copy).kind === 'same') return { kind: 'same' };
  const sourceHead = await client.head(route.source, object, credentials.source, signal);
  if (sourceHead.status !== 200)
    return {
      kind: 'problem',
      detail: `ETag differs and the source HEAD answered ${sourceHead.status ?? sourceHead.error}`,
    };
  const source = identityOfHead(sourceHead);
  const identity = compareIdentity(source, copy);
  const versions = versionsOf(source, copy);
  switch (identity.kind) {
    case 'same':
      return { kind: 'same' };
    case 'unproven':
      return { kind: 'unproven', detail: identity.detail, versions };
    case 'different': {
      const newer =
        identity.sourceNewer === null ? 'version times unknown' : identity.sourceNewer ? 'source newer' : 'DR newer';
      return {
        kind: 'different',
        detail: `${identity.differences.join(', ')} (${newer})`,
        versions,
        bytes: source.bytes,
      };
    }
  }
}
