import type { DeadlineContext } from './ports.js';

/** A SEND that did not start, or whose credentials did not arrive, before the batch deadline. */
export class DeadlineError extends Error {}

/**
 * The batch deadline: aborts `marginMs` before the invocation's end, so every record is settled
 * and the response goes back in time. With no time left at all it is aborted at once, so not one
 * SEND starts (a timer would fire too late).
 */
export function batchDeadline(context: DeadlineContext, marginMs: number): AbortSignal {
  const budget = Math.max(0, context.getRemainingTimeInMillis() - marginMs);
  return budget > 0 ? AbortSignal.timeout(budget) : AbortSignal.abort();
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
