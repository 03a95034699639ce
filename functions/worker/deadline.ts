import { SwarmSendError } from '../core/errors.js';
import type { DeadlineContext } from './ports.js';

/** A SEND that did not start, or whose credentials did not arrive, before the batch deadline. */
export class DeadlineError extends SwarmSendError {
  constructor() {
    super('batch-deadline', '');
    this.name = 'DeadlineError';
  }
}

/**
 * The batch deadline: aborts `marginMs` before the invocation's end, so every record is settled
 * and the response goes back in time. With no time left at all it is aborted at once, so not one
 * SEND starts (a timer would fire too late).
 */
export function batchDeadline(context: DeadlineContext, marginMs: number): AbortSignal {
  const budget = Math.max(0, context.getRemainingTimeInMillis() - marginMs);
  return budget > 0 ? AbortSignal.timeout(budget) : AbortSignal.abort();
}

/**
 * The time a SEND started now has before the batch deadline, ms, as a large object's transfer
 * budget reads it: the invocation's remaining time minus `marginMs`. Null for a long-running
 * worker (`SWARM_SEND_LONG_RUNNING`): no cap, every object fits.
 */
export function sendTimeLeft(context: DeadlineContext, marginMs: number, longRunning: boolean): () => number | null {
  return () => (longRunning ? null : Math.max(0, context.getRemainingTimeInMillis() - marginMs));
}

/** Settles with `work`, or rejects with DeadlineError once `signal` aborts, whichever is first. */
export function untilDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DeadlineError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/**
 * The least time kept back, at the very end of an invocation, for building the batch response
 * after the last queue call gave up.
 */
export const QUEUE_CALL_RESERVE_MS = 250;

/**
 * Time kept back for the batch response: a quarter of the deadline margin (the time after the
 * SEND deadline), at least QUEUE_CALL_RESERVE_MS. A timer fires late on a starved CPU (a 256 MB
 * function has a fraction of a vCPU), and a response that misses the function's timeout
 * returns the whole batch; so the reserve grows with the margin an operator gives.
 */
export function queueCallReserveMs(deadlineMarginMs: number): number {
  return Math.max(QUEUE_CALL_RESERVE_MS, Math.floor(deadlineMarginMs / 4));
}

/**
 * An abort signal for one DLQ, outcomes or visibility call: it fires when the invocation has
 * `queueCallReserveMs(deadlineMarginMs)` left. The SDK's own request timeout does not end a call
 * whose endpoint accepts the connection and never answers; this signal (passed as the SDK's
 * `abortSignal`) does, so the batch response always goes back before the function times out.
 * Made per call, from the time remaining when the call starts.
 */
export function queueCallSignal(context: DeadlineContext, deadlineMarginMs: number): AbortSignal {
  return AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - queueCallReserveMs(deadlineMarginMs)));
}
