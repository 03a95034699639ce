import { failed, PERMANENT_CLIENT_ERRORS, retry, withAttempts, type Attempts } from './decide.js';
import { type Decision, OUTCOME, type Reason } from './outcome.js';
import type { ObjectAnswer } from '../send/object-request.js';

/*
 * What a delete message (`op: "delete"`) comes to (docs/deletes.md). The worker walks the proof
 * steps and reports how far it got; this file alone turns that into an outcome. Pure.
 *
 * The four outcome kinds keep their contract: `replicated` = this message changed DR to match the
 * source (`deleted`), `already-present` = DR already was as the route wants it, nothing changed
 * (`already-absent`, `source-present`, `delete-ignored`), `retry`, `failed` (`delete-refused`).
 */

/** How far a delete got, with the answers that stopped it or ended it. */
export type DeleteObserved =
  /** The route's `deletes` is "ignore": nothing was asked of either cluster. */
  | { readonly step: 'ignored' }
  /** The message is younger than the route's grace: nothing asked yet, back after `remainingSeconds`. */
  | { readonly step: 'grace'; readonly remainingSeconds: number }
  /** The source HEAD did not answer 404: no proof the object is gone. */
  | { readonly step: 'source'; readonly source: ObjectAnswer }
  /** The source answered 404; DR's DELETE answered neither 200, 204 nor 404. */
  | { readonly step: 'delete'; readonly delete: ObjectAnswer }
  /** DR's DELETE answered 200, 204 or 404; `confirm` is the HEAD on DR after it. */
  | { readonly step: 'confirm'; readonly delete: ObjectAnswer; readonly confirm: ObjectAnswer };

/** A delete's verdict: a retry inside the grace says how long to wait (`retryAfterSeconds`). */
export type DeleteVerdict = Decision;

/** The source's HEAD status that proves the object gone. */
export const GONE = 404;
/** DR's DELETE statuses after which the object should be absent (then a HEAD confirms it). */
export const DELETE_DONE: ReadonlySet<number> = new Set([200, 204, GONE]);

/** A source HEAD that did not answer 404 (200: the object exists again). */
function sourceVerdict(a: ObjectAnswer): Decision {
  if (a.status === null) {
    const error = a.error ?? 'network-error';
    return PERMANENT_CLIENT_ERRORS.has(error) ? failed(error) : retry(error);
  }
  if (a.status === 200) return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'source-present' };
  if (a.status === 401) return failed('auth-rejected');
  if (a.status === 403) return failed('forbidden');
  if (a.status === 400) return failed('bad-request');
  if (a.status === 405 || a.status === 501) return failed('method-not-supported');
  if (a.status === 412) return retry('context-missing');
  if (a.status === 503) return retry('source-unavailable');
  if (a.status === 507) return retry('insufficient-storage');
  if (a.status >= 500) return retry('source-error');
  if (a.status >= 400) return failed('client-error');
  return retry('remote-unexpected');
}

/** DR's answer to the DELETE, when it was not 200, 204 or 404. */
function drVerdict(a: ObjectAnswer): Decision {
  if (a.status === null) {
    const error = a.error ?? 'network-error';
    if (error === 'auth-rejected') return failed('remote-auth-rejected');
    if (PERMANENT_CLIENT_ERRORS.has(error)) return failed(error);
    return error === 'deadline-exceeded' ? retry(error) : retry('remote-unavailable');
  }
  if (a.status === 403) return failed('delete-refused');
  if (a.status === 401) return failed('remote-auth-rejected');
  if (a.status === 412) return retry('remote-context-missing');
  if (a.status === 507) return retry('remote-insufficient-storage');
  if (a.status >= 500) return retry('remote-unavailable');
  if (a.status >= 400) return failed('remote-rejected');
  return retry('remote-unexpected');
}

const answered = (a: ObjectAnswer): string => (a.status === null ? (a.error ?? 'no answer') : String(a.status));
const withDetail = (text: string, a: ObjectAnswer): string => (a.detail ? `${text}: ${a.detail}` : text);

function verdictOf(o: DeleteObserved): DeleteVerdict {
  switch (o.step) {
    case 'ignored':
      return {
        outcome: OUTCOME.ALREADY_PRESENT,
        reason: 'delete-ignored',
        detail: 'the route\'s deletes is "ignore": DR keeps its copy',
      };
    case 'grace':
      return {
        outcome: OUTCOME.RETRY,
        reason: 'delete-grace',
        detail: `inside the route's delete grace; back in ${o.remainingSeconds} s`,
        retryAfterSeconds: o.remainingSeconds,
      };
    case 'source':
      return { ...sourceVerdict(o.source), detail: withDetail(`source HEAD answered ${answered(o.source)}`, o.source) };
    case 'delete':
      return { ...drVerdict(o.delete), detail: withDetail(`DR DELETE answered ${answered(o.delete)}`, o.delete) };
    case 'confirm': {
      const what = `DR DELETE answered ${answered(o.delete)}, HEAD after it ${answered(o.confirm)}`;
      if (o.confirm.status !== GONE) return { ...retry('delete-unconfirmed'), detail: withDetail(what, o.confirm) };
      const reason: Reason = o.delete.status === GONE ? 'already-absent' : 'deleted';
      const outcome = reason === 'deleted' ? OUTCOME.REPLICATED : OUTCOME.ALREADY_PRESENT;
      return { outcome, reason, detail: what };
    }
  }
}

/**
 * Decides a delete message's outcome. A retry on the last allowed attempt becomes `failed` with
 * `retriesExhausted`, except a wait inside the grace: that is never a failure.
 */
export function decideDelete(o: DeleteObserved, attempts: Attempts): DeleteVerdict {
  const v = verdictOf(o);
  return v.reason === 'delete-grace' ? v : withAttempts(v, attempts);
}

/**
 * Seconds left of a delete's grace: 0 once the message (enqueued at `sentAtMs`) is older than
 * `graceSeconds`. A message without an enqueue time waits the whole grace on its first
 * delivery; on a later one it has waited at least that long already.
 */
export function graceRemainingSeconds(
  sentAtMs: number | null,
  nowMs: number,
  graceSeconds: number,
  attempt: number,
): number {
  if (sentAtMs === null) return attempt > 1 ? 0 : graceSeconds;
  return Math.max(0, Math.ceil(graceSeconds - (nowMs - sentAtMs) / 1000));
}
