import type { LargeObjectPolicy } from '../registry/route-large-objects.js';

/**
 * The transfer budget (docs/large-objects.md): how long a SEND of an object is expected to take
 * on a route's link, and whether it fits the time an invocation has left. The link's rate starts
 * at the route's configured bandwidth and is refined by what the route's completed copies
 * measured (a moving estimate with its sample count).
 */

/** A link's rate: bytes per second, and how many measured copies refined it (0: the configured rate). */
export interface LinkRate {
  readonly bytesPerSecond: number;
  readonly samples: number;
}

/** Copies smaller than this say more about round trips than bandwidth, and are not measured. */
export const MIN_SAMPLE_BYTES = 8 * 1024 * 1024;
/** Weight of the newest measurement in the moving estimate. */
export const ESTIMATE_WEIGHT = 0.2;

/** The configured bandwidth in bytes per second. */
export function configuredRate(linkMbps: number): LinkRate {
  return { bytesPerSecond: (linkMbps * 1_000_000) / 8, samples: 0 };
}

/**
 * A moving estimate of one route's rate: an exponentially weighted mean of measured copies,
 * started at the configured bandwidth. Measurements of copies under MIN_SAMPLE_BYTES, or that
 * took no time, are ignored.
 */
export class LinkEstimate {
  #rate: LinkRate;

  constructor(linkMbps: number) {
    this.#rate = configuredRate(linkMbps);
  }

  get rate(): LinkRate {
    return this.#rate;
  }

  /** Takes one completed copy of `bytes` that took `ms` into the estimate. */
  record(bytes: number, ms: number): void {
    if (!(bytes >= MIN_SAMPLE_BYTES) || !(ms > 0)) return;
    this.#take(bytes / (ms / 1000));
  }

  /**
   * Takes a copy of `bytes` that ran `ms` without finishing (cut at the deadline, reset, timed
   * out): the link was slower than `bytes` in `ms`. It counts only when the estimate is faster
   * than that bound, and then moves towards the bound: an estimate that let a copy start which
   * could not finish learns from it, one that was already slow is left alone.
   */
  recordUnfinished(bytes: number, ms: number): void {
    if (!(bytes >= MIN_SAMPLE_BYTES) || !(ms > 0)) return;
    const bound = bytes / (ms / 1000);
    if (bound < this.#rate.bytesPerSecond) this.#take(bound);
  }

  #take(measured: number): void {
    const { bytesPerSecond, samples } = this.#rate;
    this.#rate = {
      bytesPerSecond: bytesPerSecond + ESTIMATE_WEIGHT * (measured - bytesPerSecond),
      samples: samples + 1,
    };
  }
}

/**
 * The rate one more copy gets on a link already carrying `copiesInFlight` copies of the same
 * route from this worker: an even share (TCP shares a bottleneck about evenly between flows).
 * Copies other workers make are not known here; the safety factor covers them.
 */
export function sharedRate(rate: LinkRate, copiesInFlight: number): LinkRate {
  return { ...rate, bytesPerSecond: rate.bytesPerSecond / (Math.max(0, copiesInFlight) + 1) };
}

/** The expected duration of a SEND that copies `sizeBytes` at `rate`, ms. */
export function expectedDurationMs(sizeBytes: number, rate: LinkRate): number {
  return (sizeBytes / rate.bytesPerSecond) * 1000;
}

/**
 * Where one SEND of a sized object on a route with a policy belongs: `fits` this worker (always,
 * with `remainingMs` null: no cap, the long-running tier), or not (the policy's `via`). Under a
 * cap it fits when its expected duration times the safety factor is within the remaining time
 * and, for a large object, only when the policy's `largeInInvocation` is `when-it-fits`.
 * `large` (expected to take `largeAfterSeconds` or more) also says whether a SEND that ended on
 * the client's side is checked on DR before another.
 */
export interface TransferBudget {
  readonly expectedMs: number;
  readonly large: boolean;
  readonly fits: boolean;
}

export function transferBudget(
  sizeBytes: number,
  rate: LinkRate,
  policy: Pick<LargeObjectPolicy, 'safetyFactor' | 'largeAfterSeconds' | 'largeInInvocation'>,
  remainingMs: number | null,
): TransferBudget {
  const expectedMs = expectedDurationMs(sizeBytes, rate);
  const large = expectedMs >= policy.largeAfterSeconds * 1000;
  const underCap =
    expectedMs * policy.safetyFactor <= (remainingMs ?? 0) && (!large || policy.largeInInvocation === 'when-it-fits');
  return { expectedMs, large, fits: remainingMs === null || underCap };
}

/** The longest an SQS message can be hidden, seconds (ChangeMessageVisibility's limit). */
export const MAX_WAIT_SECONDS = 43_200;

/**
 * Seconds to wait before asking again about a copy that started at `startedAtMs` and is expected
 * to take `expectedMs`: the rest of its expected duration, at least `minSeconds`, at most 12 hours.
 * Past its expected end (a slower link than estimated) the wait is `minSeconds`.
 */
export function waitOutSeconds(startedAtMs: number, expectedMs: number, nowMs: number, minSeconds: number): number {
  const rest = Math.ceil((startedAtMs + expectedMs - nowMs) / 1000);
  return Math.min(MAX_WAIT_SECONDS, Math.max(minSeconds, rest));
}

/**
 * The shortest wait before a background feed copy is asked about again, seconds: the feed's
 * timeout, or half the time the copy has run so far, whichever is longer. Past its expected end
 * (a slower link than estimated) the asks thin out geometrically, so the queue's redrive
 * (maxReceiveCount) is reached only by a copy running many times longer than expected.
 */
export function feedAskAgainSeconds(feedTimeoutSeconds: number, startedAtMs: number, nowMs: number): number {
  return Math.max(feedTimeoutSeconds, Math.ceil((nowMs - startedAtMs) / 2000));
}
