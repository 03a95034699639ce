/**
 * The utilisation sweep of `npm run bench:large` (docs/performance.md, "Sizing the link"): the
 * same seeded small objects with a heavy tail scaled so that the bytes offered are 5% to 100% of
 * what each link carries over the window, on the shared (fair-share) link, for (b)
 * the feed and (c) the tier at the construct's default concurrency and at one copy at once, in both
 * disconnect behaviours, each against the (d) of the same window.
 *
 * What is scaled is the tail's bytes, not the window: the small objects (sizes and arrival times)
 * and their (d) then stay the same at every utilisation, and only the large objects' load moves.
 * The window is a week at 100 Mbit/s (7.56 TB of link capacity; a 1 TB object alone takes 22.2 h
 * of it) and the same capacity on a faster link (16.8 h at 1 Gbit/s), so both links see the same
 * objects; what differs is what fits an invocation.
 */
import { LONG_RUNNING_TIER_DEFAULTS } from '../infra/constructs/long-running-tier-options.js';
import { fixed, type Table } from './report.js';
import { simulate } from './large-simulation.js';
import { DEFAULT_PIPELINE, type RunResult, type Scenario } from './large-scenario.js';
import { DISCONNECTS, duration, linkText, LINKS_MBPS, tierRunning } from './large-sizing.js';
import { LAG_TARGET, lostForSize, status, targetsOf, wastedPercent, type Targets } from './large-targets.js';
import {
  bytesText,
  DEFAULT_WORKLOAD,
  generateTail,
  generateWorkload,
  inArrivalOrder,
  type WorkloadSpec,
} from './large-workload.js';

/** 25-100% as asked of the sweep; 5% and 10% to find where small p99 lag comes within 10% of (d). */
export const SWEEP_UTILISATIONS = [0.05, 0.1, 0.25, 0.5, 0.75, 1] as const;
/** The window at 100 Mbit/s: a week. A link `k` times faster gets a window `k` times shorter. */
const WINDOW_MS_AT_100_MBPS = 7 * 24 * 3600_000;
/** Offsets the tail's random stream from the workload's seed (the small objects keep theirs). */
const TAIL_SEED_OFFSET = 1000;

/** A strategy of the sweep: (b) or (c), and the pipeline it runs in. */
export interface SweepStrategy extends Pick<Scenario, 'strategy' | 'model'> {
  readonly name: string;
}

const { maxTasks, copiesPerTask } = LONG_RUNNING_TIER_DEFAULTS;
/**
 * (b), and (c) at the construct's default (`maxTasks` x `copiesPerTask`, the worker on
 * `--batch-size 1`: `DEFAULT_PIPELINE`, as in the tables) and at one copy at once (one task of one copy).
 */
export const SWEEP_STRATEGIES: readonly SweepStrategy[] = [
  { name: '(b) feed', strategy: 'feed', model: DEFAULT_PIPELINE },
  {
    name: `(c) tier, default (${maxTasks} tasks x ${copiesPerTask} copies)`,
    strategy: 'long-running-tier',
    model: DEFAULT_PIPELINE,
  },
  {
    name: '(c) tier, 1 copy at once',
    strategy: 'long-running-tier',
    model: tierRunning(1),
  },
];

export interface SweepRun {
  readonly linkMbps: number;
  readonly windowMs: number;
  /** The utilisation aimed at; null for (d). */
  readonly utilisation: number | null;
  /** Bytes offered / capacity over the window, as generated. */
  readonly offered: number;
  readonly disconnect: Scenario['disconnect'] | null;
  /** A SweepStrategy's name, or (d). */
  readonly strategy: string;
  readonly result: RunResult;
  readonly targets: Targets | null;
}

const BASELINE = '(d) without the large objects';

export function sweepWindowMs(linkMbps: number): number {
  return (WINDOW_MS_AT_100_MBPS * 100) / linkMbps;
}

function capacityBytes(linkMbps: number): number {
  return ((linkMbps * 1_000_000) / 8) * (sweepWindowMs(linkMbps) / 1000);
}

/** The sweep's workload spec on a link: the default mix, its window, `smallCount` small objects. */
export function sweepSpec(linkMbps: number, seed: number, smallCount: number): WorkloadSpec {
  return {
    ...DEFAULT_WORKLOAD,
    seed,
    windowMs: sweepWindowMs(linkMbps),
    small: { ...DEFAULT_WORKLOAD.small, count: smallCount },
  };
}

export function sweepRuns(seed: number, smallCount: number): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const linkMbps of LINKS_MBPS) {
    const spec = sweepSpec(linkMbps, seed, smallCount);
    const windowMs = spec.windowMs;
    const capacity = capacityBytes(linkMbps);
    const small = generateWorkload(spec, false);
    const smallBytes = small.reduce((s, o) => s + o.bytes, 0);
    const scenario = (disconnect: Scenario['disconnect'], s: SweepStrategy): Scenario => ({
      linkMbps,
      sharing: 'fair-share',
      disconnect,
      strategy: s.strategy,
      model: s.model,
      seed: seed + 1,
    });
    const today: SweepStrategy = { name: BASELINE, strategy: 'today', model: DEFAULT_PIPELINE };
    const baseline = simulate(small, scenario('copy-finishes', today));
    const base = { linkMbps, windowMs };
    runs.push({
      ...base,
      utilisation: null,
      offered: smallBytes / capacity,
      disconnect: null,
      strategy: BASELINE,
      result: baseline,
      targets: null,
    });
    for (const utilisation of SWEEP_UTILISATIONS) {
      const tail = generateTail(spec, utilisation * capacity - smallBytes, seed + TAIL_SEED_OFFSET, small.length);
      const all = inArrivalOrder(small, tail);
      const offered = all.reduce((s, o) => s + o.bytes, 0) / capacity;
      for (const disconnect of DISCONNECTS)
        for (const s of SWEEP_STRATEGIES) {
          const result = simulate(all, scenario(disconnect, s));
          runs.push({
            ...base,
            utilisation,
            offered,
            disconnect,
            strategy: s.name,
            result,
            targets: targetsOf(result, baseline),
          });
          console.error(
            `sweep, ${linkMbps} Mbit/s, ${fixed(100 * utilisation, 0)}%, ${disconnect}, ${s.name}: ${fixed(result.endHours, 1)} h simulated`,
          );
        }
    }
  }
  return runs;
}

/** The tail of one utilisation, in words (the same objects on every link). */
export function describeSweep(seed: number, smallCount: number): string {
  const linkMbps = LINKS_MBPS[LINKS_MBPS.length - 1]!;
  const spec = sweepSpec(linkMbps, seed, smallCount);
  const capacity = capacityBytes(linkMbps);
  const small = generateWorkload(spec, false);
  const smallBytes = small.reduce((s, o) => s + o.bytes, 0);
  const tails = SWEEP_UTILISATIONS.map((u) => {
    const tail = generateTail(spec, u * capacity - smallBytes, seed + TAIL_SEED_OFFSET, small.length);
    const bytes = tail.reduce((s, o) => s + o.bytes, 0);
    return `${fixed(100 * u, 0)}%: ${tail.length} tail object${tail.length === 1 ? '' : 's'}, ${bytesText(bytes)}`;
  });
  const windows = LINKS_MBPS.map((l) => `${fixed(sweepWindowMs(l) / 3600_000, 1)} h at ${linkText(l)}`).join(', ');
  return [
    `window ${windows} (${bytesText(capacity)} of link capacity each)`,
    `${small.length.toLocaleString('en-US')} small objects as in the tables above (${bytesText(smallBytes)}, ${fixed((100 * smallBytes) / capacity, 1)}% of it)`,
    `tail: the first object exactly ${bytesText(spec.largestBytes)} when the tail holds that much, then drawn from the same classes (at most ${bytesText(spec.largestBytes)}) to the utilisation, the last cut to fit (${tails.join('; ')})`,
  ].join('; ');
}

export function sweepTable(runs: readonly SweepRun[]): Table {
  const baselineOf = (linkMbps: number) => runs.find((r) => r.linkMbps === linkMbps && !r.targets)!.result;
  return {
    headers: [
      'link',
      'utilisation (offered / capacity)',
      'disconnect',
      'strategy',
      'small p50 lag',
      'small p99 lag',
      'p99 vs (d)',
      'large p50 lag',
      'large p99 lag',
      'of link time restarted or abandoned',
      'dead-lettered or abandoned for size',
      'invocations cut at the cap',
      'renewals (SendMessage)',
      'targets (1 / 2 / 3 / 4)',
    ],
    rows: runs.map((run) => {
      const r = run.result;
      const tail = run.targets !== null;
      return [
        linkText(run.linkMbps),
        `${fixed(100 * run.offered, tail ? 0 : 1)}%`,
        run.disconnect ?? '-',
        run.strategy,
        duration(r.small.lagP50Ms),
        duration(r.small.lagP99Ms),
        `${fixed(r.small.lagP99Ms / baselineOf(run.linkMbps).small.lagP99Ms, 2)}x`,
        tail ? duration(r.tail.lagP50Ms) : '-',
        tail ? duration(r.tail.lagP99Ms) : '-',
        `${fixed(wastedPercent(r), 1)}%`,
        String(lostForSize(r)),
        tail ? String(r.tail.cutAttempts) : '-',
        tail ? String(r.renewals) : '-',
        status(run.targets),
      ];
    }),
  };
}

/**
 * The sizing rule per link and strategy: the highest utilisation at which small p99 lag stays
 * within 10% of (d) in both disconnect behaviours (or, when none does, the closest it gets), and
 * the highest at which all four targets are met in both.
 */
export function sizingRuleTable(runs: readonly SweepRun[]): Table {
  const rows = LINKS_MBPS.flatMap((linkMbps) => {
    const baseline = runs.find((r) => r.linkMbps === linkMbps && !r.targets)!.result;
    return SWEEP_STRATEGIES.map((s) => {
      const at = SWEEP_UTILISATIONS.map((u) => {
        const both = runs.filter((r) => r.linkMbps === linkMbps && r.strategy === s.name && r.utilisation === u);
        return {
          u,
          worst: Math.max(...both.map((r) => r.result.small.lagP99Ms / baseline.small.lagP99Ms)),
          allMet: both.every((r) => r.targets && Object.values(r.targets).every(Boolean)),
        };
      });
      const pct = (u: number) => `${fixed(100 * u, 0)}%`;
      const within = at.filter((a) => a.worst <= LAG_TARGET).map((a) => a.u);
      const closest = at.reduce((best, a) => (a.worst < best.worst ? a : best));
      const allMet = at.filter((a) => a.allMet).map((a) => a.u);
      return [
        linkText(linkMbps),
        s.name,
        within.length ? pct(Math.max(...within)) : `none (closest ${fixed(closest.worst, 2)}x at ${pct(closest.u)})`,
        at.map((a) => `${fixed(a.worst, 2)}x`).join(' / '),
        allMet.length ? pct(Math.max(...allMet)) : 'none',
      ];
    });
  });
  return {
    headers: [
      'link',
      'strategy',
      'highest utilisation with small p99 within 10% of (d), both behaviours',
      `worse behaviour's p99 vs (d) at ${SWEEP_UTILISATIONS.map((u) => `${fixed(100 * u, 0)}%`).join(' / ')}`,
      'highest utilisation with all four targets met, both behaviours',
    ],
    rows,
  };
}
