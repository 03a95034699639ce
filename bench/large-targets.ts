/**
 * The four targets of issue 25 as `npm run bench:large` judges a run against the (d) baseline of
 * the same workload without its large objects.
 */
import type { RunResult } from './large-scenario.js';

/** Restarted or abandoned link time under 1% (target 2). */
const WASTE_TARGET = 0.01;
/** Small p99 lag within 10% of (d) (target 3). */
export const LAG_TARGET = 1.1;

export interface Targets {
  readonly noneLostForSize: boolean;
  readonly wasteUnder1Percent: boolean;
  readonly smallLagWithin10Percent: boolean;
  readonly noInvocationWaitsOnUnfinishableCopy: boolean;
}

export function targetsOf(r: RunResult, baseline: RunResult): Targets {
  return {
    noneLostForSize: lostForSize(r) === 0,
    wasteUnder1Percent: r.linkWastedSeconds < WASTE_TARGET * r.linkUsedSeconds,
    smallLagWithin10Percent: r.small.lagP99Ms <= LAG_TARGET * baseline.small.lagP99Ms,
    noInvocationWaitsOnUnfinishableCopy: r.tail.cutAttempts === 0,
  };
}

/** "met / MISSED / ..." in the order 1-4; `baseline` for (d). */
export function status(t: Targets | null): string {
  if (!t) return 'baseline';
  const marks = [
    t.noneLostForSize,
    t.wasteUnder1Percent,
    t.smallLagWithin10Percent,
    t.noInvocationWaitsOnUnfinishableCopy,
  ];
  return marks.map((ok) => (ok ? 'met' : 'MISSED')).join(' / ');
}

/** Objects dead-lettered, redriven or never on DR. */
export function lostForSize(r: RunResult): number {
  return r.deadLettered + r.redriven + r.notOnDr;
}

/** Restarted or abandoned link time as a share of the link time used, in per cent. */
export function wastedPercent(r: RunResult): number {
  return (100 * r.linkWastedSeconds) / Math.max(r.linkUsedSeconds, 1e-9);
}
