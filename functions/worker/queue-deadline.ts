import type { DeadlineContext } from './ports.js';

/**
 * Time kept back, at the very end of an invocation, for building the batch response after the
 * last queue call gave up.
 */
export const QUEUE_CALL_RESERVE_MS = 250;

/**
 * An abort signal for one DLQ, outcomes or visibility call: it fires when the invocation has
 * `QUEUE_CALL_RESERVE_MS` left. The SDK's own request timeout does not end a call whose
 * endpoint accepts the connection and never answers; this signal (passed as the SDK's
 * `abortSignal`) does, so the batch response always goes back before the function times out.
 * Made per call, from the time remaining when the call starts.
 */
export function queueCallSignal(context: DeadlineContext): AbortSignal {
  return AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - QUEUE_CALL_RESERVE_MS));
}
