/**
 * Sizing the link in `npm run bench:large`: each link's utilisation over the window (bytes offered
 * / capacity), and (c) on the shared link with the long-running tier running 1, 2, 8 or 20 large
 * copies at once, so the small objects' lag and the large ones' can be weighed against each other.
 */
import { fixed, type Table } from './report.js';
import { simulate } from './large-simulation.js';
import {
  DEFAULT_PIPELINE,
  type Disconnect,
  type PipelineModel,
  type RunResult,
  type Scenario,
} from './large-scenario.js';
import { lostForSize, wastedPercent } from './large-targets.js';
import { bytesText, generateWorkload, type WorkloadSpec } from './large-workload.js';

export const LINKS_MBPS = [1000, 100] as const;
export const DISCONNECTS: readonly Disconnect[] = ['copy-finishes', 'copy-abandoned'];
/** Large copies the tier runs at once in the sizing table (8: the construct's default, 2 tasks x 4 copies). */
const TIER_CONCURRENCY = [1, 2, 8, 20] as const;

/**
 * The tier running `n` large copies at once, one message a batch: one task of `n` copies up to the
 * default copies per task, else as many tasks of that many copies (8: the default 2 x 4; 20: 5 x 4).
 */
export function tierRunning(n: number): PipelineModel {
  const perTask = Math.min(n, DEFAULT_PIPELINE.tierCopiesPerTask);
  return { ...DEFAULT_PIPELINE, tierTasks: Math.ceil(n / perTask), tierCopiesPerTask: perTask, tierBatchSize: 1 };
}

const isDefaultTier = (n: number): boolean => n === DEFAULT_PIPELINE.tierTasks * DEFAULT_PIPELINE.tierCopiesPerTask;

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${fixed(ms / 1000, 1)} s`;
  if (ms < 7_200_000) return `${fixed(ms / 60_000, 1)} min`;
  return `${fixed(ms / 3_600_000, 1)} h`;
}

export function linkText(linkMbps: number): string {
  return linkMbps >= 1000 ? `${linkMbps / 1000} Gbit/s` : `${linkMbps} Mbit/s`;
}

/** Per link: the workload's bytes against what the link carries over the window. */
export function utilisationOf(spec: WorkloadSpec): { table: Table; rows: object[] } {
  const all = generateWorkload(spec);
  const sum = (tail: boolean | null) =>
    all.filter((o) => tail === null || o.tail === tail).reduce((s, o) => s + o.bytes, 0);
  const rows = LINKS_MBPS.map((linkMbps) => {
    const capacity = ((linkMbps * 1_000_000) / 8) * (spec.windowMs / 1000);
    return {
      linkMbps,
      capacityBytes: capacity,
      offeredBytes: sum(null),
      utilisation: sum(null) / capacity,
      smallUtilisation: sum(false) / capacity,
      largeUtilisation: sum(true) / capacity,
    };
  });
  return {
    rows,
    table: {
      headers: [
        'link',
        `capacity over ${spec.windowMs / 3600_000} h`,
        'bytes offered',
        'utilisation (offered / capacity)',
        'of it small objects',
        'of it large objects',
        'time to copy it all at the full rate',
      ],
      rows: rows.map((u) => [
        linkText(u.linkMbps),
        bytesText(u.capacityBytes),
        bytesText(u.offeredBytes),
        `${fixed(100 * u.utilisation, 0)}%`,
        `${fixed(100 * u.smallUtilisation, 1)}%`,
        `${fixed(100 * u.largeUtilisation, 0)}%`,
        duration((u.offeredBytes / ((u.linkMbps * 1_000_000) / 8)) * 1000),
      ]),
    },
  };
}

export interface SizingRun {
  readonly linkMbps: number;
  readonly disconnect: Disconnect;
  readonly tierCopiesAtOnce: number;
  readonly result: RunResult;
  readonly baseline: RunResult;
}

/** (c) on the shared link with the tier running 1, 2, 8 or 20 large copies at once. */
export function sizingRuns(spec: WorkloadSpec, baselines: ReadonlyMap<number, RunResult>, seed: number): SizingRun[] {
  const all = generateWorkload(spec);
  return LINKS_MBPS.flatMap((linkMbps) =>
    DISCONNECTS.flatMap((disconnect) =>
      TIER_CONCURRENCY.map((n) => {
        const model = isDefaultTier(n) ? DEFAULT_PIPELINE : tierRunning(n);
        const scenario: Scenario = {
          linkMbps,
          sharing: 'fair-share',
          disconnect,
          strategy: 'long-running-tier',
          model,
          seed,
        };
        const result = simulate(all, scenario);
        console.error(`sizing, ${linkMbps} Mbit/s, ${disconnect}, tier ${n} at once: ${fixed(result.endHours, 1)} h`);
        return { linkMbps, disconnect, tierCopiesAtOnce: n, result, baseline: baselines.get(linkMbps)! };
      }),
    ),
  );
}

export function sizingTable(runs: readonly SizingRun[]): Table {
  return {
    headers: [
      'link',
      'disconnect',
      'large copies at once on the tier',
      'small p50 lag',
      'small p99 lag',
      'p99 vs (d)',
      'large p50 lag',
      'large p99 lag',
      'last large object landed',
      'of link time restarted or abandoned',
      'dead-lettered or abandoned for size',
    ],
    rows: runs.map(({ linkMbps, disconnect, tierCopiesAtOnce, result: r, baseline }) => [
      linkText(linkMbps),
      disconnect,
      isDefaultTier(tierCopiesAtOnce)
        ? `${tierCopiesAtOnce} (default: ${DEFAULT_PIPELINE.tierTasks} tasks x ${DEFAULT_PIPELINE.tierCopiesPerTask})`
        : String(tierCopiesAtOnce),
      duration(r.small.lagP50Ms),
      duration(r.small.lagP99Ms),
      `${fixed(r.small.lagP99Ms / baseline.small.lagP99Ms, 2)}x`,
      duration(r.tail.lagP50Ms),
      duration(r.tail.lagP99Ms),
      `${fixed(r.tail.lastLandedHours, 1)} h`,
      `${fixed(wastedPercent(r), 1)}%`,
      String(lostForSize(r)),
    ]),
  };
}
