/**
 * The largest object each copy path takes, per link, as the product's `transferBudget` decides
 * (functions/core/copy/transfer-budget.ts): one Lambda invocation with the default safety factor
 * and the handler's deadline margin, and the long-running tier within SQS's 12 hours of hiding a
 * message (`MAX_WAIT_SECONDS`), alone on the link or sharing it with the construct's default copies
 * at once (`maxTasks` x `copiesPerTask`).
 */
import {
  configuredRate,
  MAX_WAIT_SECONDS,
  sharedRate,
  transferBudget,
  type LinkRate,
} from '../functions/core/copy/transfer-budget.js';
import { LARGE_OBJECT_DEFAULTS, type LargeInInvocation } from '../functions/core/registry/route-large-objects.js';
import { LONG_RUNNING_TIER_DEFAULTS } from '../infra/constructs/long-running-tier-options.js';
import type { Table } from './report.js';
import type { PipelineModel } from './large-scenario.js';
import { linkText, LINKS_MBPS } from './large-sizing.js';
import { bytesText } from './large-workload.js';

export interface LinkLimits {
  readonly linkMbps: number;
  /** Invocation time left for SENDs: the cap less the deadline margin, ms. */
  readonly lambdaRemainingMs: number;
  /** With `largeInInvocation: "when-it-fits"`: the budget alone. */
  readonly lambdaLargestBytes: number;
  /** With the default `largeInInvocation: "never"`: only objects under `largeAfterSeconds`. */
  readonly lambdaLargestNeverBytes: number;
  readonly tierLargestBytes: number;
  readonly tierLargestWithSafetyBytes: number;
  readonly tierLargestSharedBytes: number;
}

/** Large copies the tier runs at once by default (the construct's tasks x copies per task). */
const TIER_COPIES = LONG_RUNNING_TIER_DEFAULTS.maxTasks * LONG_RUNNING_TIER_DEFAULTS.copiesPerTask;

/** The largest whole number of bytes for which `fits` holds (`fits` holds for 0 and is monotone). */
function largestFitting(fits: (bytes: number) => boolean): number {
  let low = 0;
  let high = 1;
  while (fits(high)) high *= 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/**
 * The largest object `transferBudget` lets start at `rate` with `remainingMs` left (the tier's
 * 12 hours are modelled as a cap, so they need `when-it-fits`).
 */
function largestFor(
  rate: LinkRate,
  safetyFactor: number,
  remainingMs: number,
  largeInInvocation: LargeInInvocation = 'when-it-fits',
): number {
  const policy = { ...LARGE_OBJECT_DEFAULTS, safetyFactor, largeInInvocation };
  return largestFitting((bytes) => transferBudget(bytes, rate, policy, remainingMs).fits);
}

export function linkLimits(model: PipelineModel): LinkLimits[] {
  const factor = LARGE_OBJECT_DEFAULTS.safetyFactor;
  const lambdaRemainingMs = model.lambdaTimeoutMs - model.deadlineMarginMs;
  const sqsMs = MAX_WAIT_SECONDS * 1000;
  return LINKS_MBPS.map((linkMbps) => {
    const rate = configuredRate(linkMbps);
    return {
      linkMbps,
      lambdaRemainingMs,
      lambdaLargestBytes: largestFor(rate, factor, lambdaRemainingMs),
      lambdaLargestNeverBytes: largestFor(rate, factor, lambdaRemainingMs, 'never'),
      tierLargestBytes: largestFor(rate, 1, sqsMs),
      tierLargestWithSafetyBytes: largestFor(rate, factor, sqsMs),
      tierLargestSharedBytes: largestFor(sharedRate(rate, TIER_COPIES - 1), 1, sqsMs),
    };
  });
}

export function limitsTable(limits: readonly LinkLimits[], model: PipelineModel): Table {
  const factor = LARGE_OBJECT_DEFAULTS.safetyFactor;
  return {
    headers: [
      'link',
      `one Lambda invocation, largeInInvocation "never" (the default: under ${LARGE_OBJECT_DEFAULTS.largeAfterSeconds} s of link)`,
      `one Lambda invocation, "when-it-fits" (safety factor ${factor}, ${model.lambdaTimeoutMs / 1000} s less ${model.deadlineMarginMs / 1000} s margin)`,
      `long-running tier within ${MAX_WAIT_SECONDS / 3600} h, alone on the link`,
      `the same, safety factor ${factor}`,
      `the same, sharing the link with the ${TIER_COPIES - 1} other copies of the tier's default`,
    ],
    rows: limits.map((l) => [
      linkText(l.linkMbps),
      bytesText(l.lambdaLargestNeverBytes),
      bytesText(l.lambdaLargestBytes),
      bytesText(l.tierLargestBytes),
      bytesText(l.tierLargestWithSafetyBytes),
      bytesText(l.tierLargestSharedBytes),
    ]),
  };
}
