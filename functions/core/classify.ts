/** The SCSP answer table: what one observed SEND means (swarm-scsp.md section 4; section A wins where they differ). */
import type { ClientErrorCode, SendObservation } from './observation.js';
import { OUTCOME, type OutcomeKind, type Reason } from './outcome.js';

export type { ClientErrorCode, SendObservation } from './observation.js';

export interface Classification {
  readonly outcome: OutcomeKind;
  readonly reason: Reason;
}

const retry = (reason: Reason): Classification => ({ outcome: OUTCOME.RETRY, reason });
const failed = (reason: Reason): Classification => ({ outcome: OUTCOME.FAILED, reason });

const PERMANENT_CLIENT_ERRORS: ReadonlySet<ClientErrorCode> = new Set([
  'auth-rejected',
  'redirect-refused',
  'tls-rejected',
  'credentials-invalid',
]);

/** The destination's answer, as carried on the `Remote cluster returned:` line (row L3). */
function classifyRemote(remote: number): Classification {
  if (remote === 201) return { outcome: OUTCOME.REPLICATED, reason: 'created' };
  if (remote === 409) return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'already-present' };
  if (remote === 507) return retry('remote-insufficient-storage');
  if (remote >= 500) return retry('remote-unavailable');
  if (remote === 412) return retry('remote-context-missing');
  if (remote === 404) return retry('remote-not-found');
  if (remote === 401 || remote === 403) return failed('remote-auth-rejected');
  if (remote >= 400) return failed('remote-rejected');
  // A 2xx other than 201 or a 3xx does not prove the object arrived: ask again (a repeat is safe).
  return retry('remote-unexpected');
}

/**
 * Feed SEND (rows N1-N4): every requested feed must report, every report must be 0, and one of
 * the route's replication feeds must be among the zeros (a search or backup feed's 0 proves no
 * DR copy).
 */
function classifyFeeds(o: SendObservation): Classification {
  // Never guess which feed replicates: without the route's replication feed ids, refuse.
  if (o.replicationFeedIds.length === 0) return failed('invalid-message');
  const ids = Object.keys(o.feeds);
  if (o.requestedFeedIds.some((id) => o.feeds[String(id)]?.status == null)) return failed('not-in-feed-scope');
  // A selection by type or `all` that reported no feed: the trailers may have been lost on the
  // way (row T4), so ask again; the attempts limit dead-letters it if it never reports.
  if (ids.length === 0) return retry('result-unknown');
  const statuses = ids.map((id) => o.feeds[id]?.status);
  if (statuses.some((s) => s == null)) return retry('result-unknown');
  if (statuses.some((s) => (s as number) >= 2)) return retry('feed-failed');
  if (statuses.some((s) => s === 1)) return retry('feed-timeout');
  // Other feeds reported, none of the replication feeds did: the object is outside their scope.
  if (!o.replicationFeedIds.some((id) => o.feeds[String(id)]?.status === 0)) return failed('not-in-feed-scope');
  return { outcome: OUTCOME.REPLICATED, reason: 'feed-complete' };
}

/** Outer status of the (final) response (rows S1-S9, A3, L5, N5). */
function classifyStatus(status: number): Classification | null {
  switch (status) {
    case 400:
      return failed('bad-request');
    case 401:
      return failed('auth-rejected');
    case 403:
      return failed('forbidden');
    case 404:
      return retry('not-found-at-source');
    case 405:
    case 501:
      return failed('method-not-supported');
    case 409:
      return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'already-present' };
    case 411:
      return failed('length-required');
    case 412:
      return retry('context-missing');
    case 503:
      return retry('source-unavailable');
    case 505:
      return failed('http-version-not-supported');
    case 507:
      return retry('insufficient-storage');
  }
  if (status >= 500) return retry('source-error');
  if (status >= 400) return failed('client-error');
  if (status >= 300) return retry('remote-unexpected');
  return null;
}

/**
 * Classifies one SEND. Pure and total: every observation maps to exactly one outcome.
 * When in doubt the answer is `retry`, because a repeated SEND is safe (409 / status 0).
 */
export function classify(o: SendObservation): Classification {
  if (o.error) {
    // An error after a 2xx status line means the body was cut: the result is unknown (T2, T4).
    if (PERMANENT_CLIENT_ERRORS.has(o.error)) return failed(o.error as Reason);
    return retry(o.error as Reason);
  }
  if (o.httpStatus === null) return retry('result-unknown');
  const byStatus = classifyStatus(o.httpStatus);
  if (byStatus) return byStatus;
  // 2xx: the body decides, and only a body read to its end counts (section A).
  if (!o.complete) return retry('connection-reset');
  if (o.mode === 'feed') return classifyFeeds(o);
  if (o.remoteStatus !== null) return classifyRemote(o.remoteStatus);
  // An outer 201 with no body line is taken as the result (section A, row T4); a 200 is unknown.
  if (o.httpStatus === 201) return { outcome: OUTCOME.REPLICATED, reason: 'created' };
  return retry('result-unknown');
}
