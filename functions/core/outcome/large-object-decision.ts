import { waitOutSeconds, type TransferBudget } from '../copy/transfer-budget.js';
import { sendVerdict, withAttempts, type Attempts, type SendAttempt } from './decide.js';
import { OUTCOME, type Decision, type Reason } from './outcome.js';

/*
 * What a message on a route with a large-object policy comes to (docs/large-objects.md). The
 * worker finds the object's size, plans where its copy runs (here, a background feed SEND, or
 * the long-running tier) and reports what happened; this file alone turns that into an outcome.
 * Pure.
 */

/** How a large object's message went, before its verdict. */
export type LargeObjectObserved =
  /** The message carries no size and the source HEAD gave no usable Content-Length: nothing was sent. */
  | { readonly step: 'size-unknown'; readonly detail: string }
  /** A re-attempt found DR's copy to be the source's object (content identity): nothing was sent. */
  | { readonly step: 'landed'; readonly detail: string }
  /** The object does not fit: its message went to the large-object queue (`moved`), or that queue refused it. */
  | { readonly step: 'moved' | 'move-failed'; readonly detail: string }
  /**
   * A re-attempt of a large object that fits, DR without the copy, while an earlier copy may still
   * run (its start plus its expected duration is ahead): nothing was sent, it waits that out.
   */
  | {
      readonly step: 'held';
      readonly budget: TransferBudget;
      /** The copy's start (`copyStartedAtOf`: a renewal's attribute, else the first receive), ms. */
      readonly startedAtMs: number;
      readonly nowMs: number;
      readonly minWaitSeconds: number;
    }
  /** A SEND was made: the usual one here, or a feed SEND with the policy's short timeout (`feed`). */
  | {
      readonly step: 'sent';
      readonly via: 'here' | 'feed';
      readonly sent: SendAttempt;
      readonly budget: TransferBudget;
      /**
       * When the copy is taken to have started, ms: the SEND's start (`here`), or the message's
       * first receive (`feed`: the feed holds the copy across deliveries).
       */
      readonly startedAtMs: number;
      readonly nowMs: number;
      /** The shortest wait before asking again, seconds (the backoff here, the feed's timeout for a feed). */
      readonly minWaitSeconds: number;
    };

/**
 * Reasons of a SEND that ended on the client's side: the copy it asked for may go on (or be
 * abandoned) on the source node, so a large object is not simply sent again.
 */
export const ENDED_ON_CLIENT_SIDE: ReadonlySet<Reason> = new Set([
  'deadline-exceeded',
  'idle-timeout',
  'connection-reset',
  'result-unknown',
  'handed-back',
]);

const retryIn = (reason: Reason, detail: string, seconds: number): Decision => ({
  outcome: OUTCOME.RETRY,
  reason,
  detail: `${detail}; back in ${seconds} s`,
  retryAfterSeconds: seconds,
});

const said = (v: Decision): string => (v.detail ? `${v.reason}: ${v.detail}` : v.reason);

function sentVerdict(o: Extract<LargeObjectObserved, { step: 'sent' }>, attempts: Attempts): Decision {
  const v = sendVerdict(o.sent);
  const wait = () => waitOutSeconds(o.startedAtMs, o.budget.expectedMs, o.nowMs, o.minWaitSeconds);
  // Status 1 of the feed SEND: the feed copies in the background. Never counted as a failure.
  if (o.via === 'feed' && v.reason === 'feed-timeout')
    return retryIn('copying-in-background', 'the feed copies the object in the background', wait());
  if (o.via === 'here' && o.budget.large && v.outcome === OUTCOME.RETRY && ENDED_ON_CLIENT_SIDE.has(v.reason))
    return withAttempts(
      retryIn('awaiting-copy', `the SEND ended on the client's side (${said(v)}); its copy may go on`, wait()),
      attempts,
    );
  return withAttempts(v, attempts);
}

/**
 * The earliest attempt a wait is renewed on, whatever maxAttempts (named choice): a message's
 * first receive, a renewed one's included, always waits with a visibility change, so a FIFO
 * renewal (which SQS cannot delay) never comes straight back to be renewed again. The queue's
 * redrive (maxReceiveCount, at least 3) is still far.
 */
export const MIN_RENEWAL_ATTEMPT = 2;

/**
 * Whether a retry is a large object's wait that is not a failure, on attempt maxAttempts or later
 * (`MIN_RENEWAL_ATTEMPT` at the earliest): its message is renewed (put again on its queue,
 * `QueueOps.renew`) instead of given a visibility change, so the queue's redrive
 * (maxReceiveCount) never dead-letters it. Those waits are `copying-in-background` and the hold
 * of `awaiting-copy`: a counted `awaiting-copy` on that attempt is already `failed`
 * (`withAttempts`), so a retry `awaiting-copy` there is a hold.
 */
export function renewsInsteadOfWaiting(
  o: { readonly outcome: string; readonly reason: Reason; readonly attempt: number },
  maxAttempts: number,
): boolean {
  return (
    o.outcome === OUTCOME.RETRY &&
    (o.reason === 'copying-in-background' || o.reason === 'awaiting-copy') &&
    o.attempt >= Math.max(MIN_RENEWAL_ATTEMPT, maxAttempts)
  );
}

/**
 * Decides the outcome of a message on a route with a large-object policy. A retry on the last
 * allowed attempt becomes `failed` with `retriesExhausted`, except `copying-in-background` (a
 * copy the feed holds) and the hold of `awaiting-copy` (a copy that may still run): neither is
 * ever a failure (like a delete's grace).
 */
export function decideLargeObject(o: LargeObjectObserved, attempts: Attempts): Decision {
  switch (o.step) {
    case 'size-unknown':
      return withAttempts({ outcome: OUTCOME.RETRY, reason: 'size-unknown', detail: o.detail }, attempts);
    case 'landed':
      return { outcome: OUTCOME.REPLICATED, reason: 'copy-landed', detail: o.detail };
    case 'moved':
      return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'moved-to-long-running-tier', detail: o.detail };
    case 'move-failed':
      return withAttempts(
        { outcome: OUTCOME.RETRY, reason: 'long-running-tier-unavailable', detail: o.detail },
        attempts,
      );
    case 'held':
      return retryIn(
        'awaiting-copy',
        `DR has no copy yet and an earlier copy may still run (expected to end ${Math.ceil((o.startedAtMs + o.budget.expectedMs - o.nowMs) / 1000)} s from now): held, nothing sent`,
        waitOutSeconds(o.startedAtMs, o.budget.expectedMs, o.nowMs, o.minWaitSeconds),
      );
    case 'sent':
      return sentVerdict(o, attempts);
  }
}
