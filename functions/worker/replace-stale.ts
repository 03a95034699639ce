import type { ChangeFinding } from '../core/outcome/changed-object.js';
import type { Versions } from '../core/outcome/outcome.js';
import { describeVersion, sameDigest } from '../core/copy/content-identity.js';
import { sendDecision } from '../core/outcome/decide.js';
import type { Credentials } from '../core/transport/digest-auth.js';
import { isNamed, type ObjectRef } from '../core/message/message.js';
import { isSuccess } from '../core/outcome/outcome.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import type { SendPort } from './ports.js';
import { identityOfHead, verifyCopy } from './verify.js';

/** How long a forced feed SEND waits for the replication to finish, seconds (as reconcile does). */
export const FORCE_TIMEOUT_SECONDS = 60;

interface Stale {
  readonly detail: string;
  readonly versions: Versions;
  /** The source object's size (what a forced feed SEND moves), when known. */
  readonly bytes: number | null;
}

interface ReplaceArgs {
  readonly client: SendPort;
  readonly route: ResolvedRoute;
  readonly object: ObjectRef;
  readonly credentials: { readonly source: Credentials; readonly destination: Credentials };
  readonly signal: AbortSignal;
}

/** After a repair: is the DR copy now the source's object (content identity)? */
async function confirmed(a: ReplaceArgs, sent: { etag: string | null; version: string | null }) {
  return verifyCopy(a.client, a.route, a.object, a.credentials, sent, a.signal);
}

/** The repair through the route's replication feeds: a feed SEND with `force`, as reconcile makes. */
async function forceFeed(a: ReplaceArgs, stale: Stale): Promise<ChangeFinding> {
  const feeds = [...a.route.replicationFeeds];
  const send = await a.client.observe({
    source: a.route.source,
    destination: a.route.destination,
    credentials: a.credentials.source,
    destinationCredentials: a.credentials.destination,
    object: a.object,
    feeds: { ids: feeds, force: true, timeout: FORCE_TIMEOUT_SECONDS },
    replicationFeeds: feeds,
    signal: a.signal,
  });
  const answer = sendDecision(send);
  if (!isSuccess(answer.outcome))
    return {
      kind: 'stale',
      transient: true,
      versions: stale.versions,
      detail: `${stale.detail}; forced feed SEND ${answer.outcome}/${answer.reason}${send.detail ? `: ${send.detail}` : ''}`,
    };
  const after = await confirmed(a, send);
  if (after.kind !== 'same')
    return {
      kind: 'stale',
      transient: true,
      versions: stale.versions,
      detail: `${stale.detail}; after a forced feed SEND the DR copy is still not the source's (${after.detail})`,
    };
  return {
    kind: 'replaced',
    versions: stale.versions,
    detail: `${stale.detail}; replaced by a forced feed SEND`,
    replaced: { by: 'feed-force', requests: send.requests, bytes: stale.bytes ?? 0 },
  };
}

/**
 * Whether DR's copy has the size and the Content-MD5 of the bytes the copy read from the source:
 * proof when the source stores no digest (the copy asked DR to compute one).
 */
async function holdsWhatWasCopied(a: ReplaceArgs, copied: { size: number; md5: string }): Promise<boolean> {
  const head = await a.client.head(a.route.destination, a.object, a.credentials.destination, a.signal);
  const dr = identityOfHead(head);
  return head.status === 200 && dr.bytes === copied.size && sameDigest(dr.contentMd5, copied.md5);
}

/** The repair by the worker's own copy (`replaceStale: "copy"`). */
async function copyObject(a: ReplaceArgs, stale: Stale): Promise<ChangeFinding> {
  const result = await a.client.copy({
    source: a.route.source,
    destination: a.route.destination,
    sourceCredentials: a.credentials.source,
    destinationCredentials: a.credentials.destination,
    object: a.object,
    signal: a.signal,
  });
  switch (result.kind) {
    case 'failed': {
      const transient = result.permanent !== true;
      return { kind: 'stale', transient, versions: stale.versions, detail: `${stale.detail}; ${result.detail}` };
    }
    case 'source-changed':
      return {
        kind: 'source-changed',
        versions: { source: describeVersion(result.now), destination: describeVersion(result.read) },
        detail: `the source changed during the copy (read ${describeVersion(result.read)}, now ${describeVersion(result.now)})`,
      };
    case 'copied': {
      const after = await confirmed(a, { etag: null, version: null });
      if (after.kind !== 'same' && !(after.kind === 'unproven' && (await holdsWhatWasCopied(a, result))))
        return {
          kind: 'stale',
          transient: true,
          versions: stale.versions,
          detail: `${stale.detail}; after the copy the DR copy is not proven the source's: ${after.detail}`,
        };
      return {
        kind: 'replaced',
        versions: stale.versions,
        detail: `${stale.detail}; replaced by the worker's copy (${result.bytes} bytes)`,
        replaced: { by: 'copy', requests: result.requests, bytes: result.bytes },
      };
    }
  }
}

/**
 * A DR copy of another version, found by verify: replaced through the route's replication feeds
 * (a forced feed SEND) when it has any; else by the worker's own copy when the route says
 * `replaceStale: "copy"` (a named or alias object: no write replaces an immutable one); else
 * `stale-at-destination`, failed at once.
 */
export function replaceStale(a: ReplaceArgs, stale: Stale): Promise<ChangeFinding> {
  if (a.route.replicationFeeds.length > 0) return forceFeed(a, stale);
  if (a.route.replaceStale === 'copy' && (isNamed(a.object) || a.object.alias)) return copyObject(a, stale);
  if (a.route.replaceStale === 'copy')
    return Promise.resolve({
      kind: 'stale',
      transient: false,
      versions: stale.versions,
      detail: `${stale.detail}; the message names an immutable unnamed object (no "alias": true), which no write can replace: replace the DR copy by hand`,
    });
  return Promise.resolve({
    kind: 'stale',
    transient: false,
    versions: stale.versions,
    detail: `${stale.detail}; the route has no replication feed and replaceStale is "never"`,
  });
}
