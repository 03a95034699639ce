import { OUTCOME, type Decision } from './outcome.js';
import { withAttempts, type Attempts } from './decide.js';

/**
 * What splitting a multi-destination message comes to (docs/fan-out.md). Split: it ends
 * `already-present` / `fanned-out` (acknowledged: nothing is left for it to do; each destination's
 * own message carries the copy and its outcome). Not split: `retry` / `fan-out-unavailable`, the
 * message stays and is split again (a duplicate part is a harmless 409), dead-lettered with
 * `retriesExhausted` once its attempts run out. No SEND is ever made for the message itself.
 */
export function decideFanOut(
  split: { readonly enqueued: true } | { readonly enqueued: false; readonly detail: string },
  destinations: readonly string[],
  attempts: Attempts,
): Decision {
  if (split.enqueued)
    return {
      outcome: OUTCOME.ALREADY_PRESENT,
      reason: 'fanned-out',
      detail: `one message per destination: ${destinations.join(', ')}`,
    };
  return withAttempts({ outcome: OUTCOME.RETRY, reason: 'fan-out-unavailable', detail: split.detail }, attempts);
}
