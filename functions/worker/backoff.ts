import { SQS_MAX_VISIBILITY_SECONDS as MAX_VISIBILITY_SECONDS } from '../env.js';

/** SQS caps a message's visibility timeout at 12 hours (functions/env.ts). */
export { MAX_VISIBILITY_SECONDS };

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a uniform delay in [0, min(cap, base * 2^(attempt-1))], whole seconds.
 */
export function backoffSeconds(
  attempt: number,
  baseSeconds: number,
  capSeconds: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1), MAX_VISIBILITY_SECONDS);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(random() * ceiling));
}
