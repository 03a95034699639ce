/**
 * `npm run bench:large`: a seeded mixed workload (mostly small objects, a heavy tail up to 1 TB)
 * over a modelled 1 Gbit/s and 100 Mbit/s link, with Lambda's 15-minute cap, in simulated time
 * (bench/large-simulation.ts): (a) today's pipeline, (b) the large-object policy via a feed SEND,
 * (c) via the long-running tier, each with a legacy SEND's copy that finishes or is abandoned
 * when its client leaves, and (d) the same workload without the tail, the baseline of the small
 * objects' lag. Prints a Markdown table and writes bench/results/large-<date>-<commit>.json and .md.
 *
 * Both link models run: fair-share (copies in flight share the rate) and per-copy (each copy at
 * the whole rate: the pipeline alone). For sizing the link it also prints each link's utilisation
 * over the window (bytes offered / capacity); for (c), the small objects' and the large ones'
 * lag against the number of large copies the tier runs at once; a utilisation sweep
 * (bench/large-sweep.ts: the tail scaled to 5-100% of each link over a window long enough for a
 * 1 TB object) with the sizing rule it gives; and the largest object each path takes
 * (bench/large-limits.ts). Flag: --seed N (the workload's; the backoff's jitter is seeded from it).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { describeMachine, fixed, markdownTable, textTable, writeResult, type Table } from './report.js';
import type { LinkSharing } from './large-link.js';
import { HOLD_REASON, MAX_DELAY_SECONDS, simulate } from './large-simulation.js';
import { limitsTable, linkLimits, type LinkLimits } from './large-limits.js';
import { describeSweep, sizingRuleTable, sweepRuns, sweepTable, type SweepRun } from './large-sweep.js';
import { status, targetsOf, wastedPercent, type Targets } from './large-targets.js';
import { DISCONNECTS, duration, linkText, LINKS_MBPS, sizingRuns, sizingTable, utilisationOf } from './large-sizing.js';
import {
  DEFAULT_PIPELINE,
  type Disconnect,
  type PipelineModel,
  type RunResult,
  type Scenario,
  type Strategy,
} from './large-scenario.js';
import {
  BURST_WORKLOAD,
  DEFAULT_WORKLOAD,
  describeWorkload,
  generateWorkload,
  type WorkloadSpec,
} from './large-workload.js';

const { values: flags } = parseArgs({ options: { seed: { type: 'string', default: String(DEFAULT_WORKLOAD.seed) } } });
const SEED = Number(flags.seed);
/** The tables: the tail spread over the window on both link models, then the tail in a burst on the shared link. */
const VARIANTS: readonly Variant[] = [
  { name: 'tail spread over the window, link fair-share', sharing: 'fair-share', workload: DEFAULT_WORKLOAD },
  { name: 'tail spread over the window, link per-copy', sharing: 'per-copy', workload: DEFAULT_WORKLOAD },
  { name: 'tail in a burst, link fair-share', sharing: 'fair-share', workload: BURST_WORKLOAD },
];

/** Small objects in the utilisation sweep (the tables' 20,000; fewer would keep the run shorter). */
const SWEEP_SMALL_COUNT = DEFAULT_WORKLOAD.small.count;

/**
 * A strategy of the tables: (a), (b) and (c) with the policy's defaults; (b') and (c') let a large
 * object that fits be SENT in an invocation.
 */
interface StrategyRun {
  readonly strategy: Strategy;
  readonly name: string;
  readonly policy?: Scenario['policy'];
}
const WHEN_IT_FITS = { largeInInvocation: 'when-it-fits' } as const;
const STRATEGIES: readonly StrategyRun[] = [
  { strategy: 'today', name: '(a) today' },
  { strategy: 'feed', name: '(b) policy via feed' },
  { strategy: 'long-running-tier', name: '(c) policy via long-running tier' },
  { strategy: 'feed', name: "(b') via feed, largeInInvocation when-it-fits", policy: WHEN_IT_FITS },
  {
    strategy: 'long-running-tier',
    name: "(c') via long-running tier, largeInInvocation when-it-fits",
    policy: WHEN_IT_FITS,
  },
];
interface Variant {
  readonly name: string;
  readonly sharing: LinkSharing;
  readonly workload: WorkloadSpec;
}

interface Run {
  readonly variant: string;
  readonly linkMbps: number;
  readonly disconnect: Disconnect | null;
  /** The strategy's name in the tables; null: (d), without the large objects. */
  readonly strategy: string | null;
  readonly result: RunResult;
  readonly targets: Targets | null;
}

function row(run: Run, baseline: RunResult): string[] {
  const r = run.result;
  const lost = [
    r.deadLettered && `${r.deadLettered} dead-lettered`,
    r.redriven && `${r.redriven} redriven`,
    r.lostButLanded && `${r.lostButLanded} of them landed later`,
    r.notOnDr && `${r.notOnDr} never on DR`,
  ].filter(Boolean);
  return [
    linkText(run.linkMbps),
    run.disconnect ?? '-',
    run.strategy ?? '(d) without the large objects',
    lost.length ? lost.join(', ') : '0',
    duration(r.linkUsedSeconds * 1000),
    `${fixed(wastedPercent(r), 1)}%`,
    duration(r.small.lagP50Ms),
    duration(r.small.lagP99Ms),
    run.targets ? `${fixed(r.small.lagP99Ms / baseline.small.lagP99Ms, 2)}x` : '1.00x',
    duration(r.small.waitP99Ms),
    r.tailObjects ? fixed(r.tail.lambdaSecondsPerObject, 1) : '-',
    r.tailObjects ? fixed(r.tail.invocationsPerObject, 2) : '-',
    r.tailObjects ? String(r.tail.cutAttempts) : '-',
    r.tailObjects ? String(r.renewals) : '-',
    r.tailObjects ? String(r.holds) : '-',
    r.tailObjects ? duration(r.tail.lagP99Ms) : '-',
    status(run.targets),
  ];
}

function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Every run of one variant: per link, (d) then each disconnect behaviour and strategy. */
function runAll(v: Variant): Run[] {
  const workload = { ...v.workload, seed: SEED };
  const all = generateWorkload(workload);
  const withoutTail = generateWorkload(workload, false);
  const runs: Run[] = [];
  const scenario = (linkMbps: number, disconnect: Disconnect, s: Omit<StrategyRun, 'name'>): Scenario => ({
    linkMbps,
    sharing: v.sharing,
    disconnect,
    strategy: s.strategy,
    model: DEFAULT_PIPELINE,
    seed: SEED + 1,
    ...(s.policy && { policy: s.policy }),
  });
  const variant = v.name;
  for (const linkMbps of LINKS_MBPS) {
    const baseline = simulate(withoutTail, scenario(linkMbps, 'copy-finishes', { strategy: 'today' }));
    runs.push({ variant, linkMbps, disconnect: null, strategy: null, result: baseline, targets: null });
    for (const disconnect of DISCONNECTS)
      for (const s of STRATEGIES) {
        const result = simulate(all, scenario(linkMbps, disconnect, s));
        runs.push({ variant, linkMbps, disconnect, strategy: s.name, result, targets: targetsOf(result, baseline) });
        console.error(
          `${variant}, ${linkMbps} Mbit/s, ${disconnect}, ${s.name}: ${fixed(result.endHours, 1)} h simulated`,
        );
      }
  }
  return runs;
}

function tableOf(runs: readonly Run[]): Table {
  const baselineOf = (linkMbps: number) => runs.find((r) => r.linkMbps === linkMbps && !r.targets)!.result;
  return {
    headers: [
      'link',
      'disconnect',
      'strategy',
      'dead-lettered or abandoned for size',
      'link time used',
      'of it restarted or abandoned',
      'small p50 lag',
      'small p99 lag',
      'p99 vs (d)',
      'small p99 wait for a consumer',
      'Lambda s per large object',
      'invocations per large object',
      'invocations cut at the cap',
      'renewals (SendMessage)',
      'holds',
      'large p99 lag',
      'targets (1 / 2 / 3 / 4)',
    ],
    rows: runs.map((run) => row(run, baselineOf(run.linkMbps))),
  };
}

function methodOf(mix: string, m: PipelineModel): string[] {
  return [
    `Workload: ${mix}. A "large object" in the columns is a tail object (1 GB and more); "small" is the lognormal body; the burst tables move only the tail's arrivals.`,
    'Link: fair-share: one link whose rate is shared evenly by every copy in flight (legacy SENDs, copies whose client left, feed copies); per-copy: every copy at the whole rate (the pipeline alone). Link time = bytes moved / link rate.',
    `Pipeline: Lambda cap ${m.lambdaTimeoutMs / 1000} s (deadline margin ${m.deadlineMarginMs} ms), ${m.lambdaConcurrency} invocations at once, batches of ${m.batchSize}, the handler's straggler hand-back (first receive, ${m.stragglers.factor}x the batch median, at least ${m.stragglers.minMs} ms); maxAttempts ${m.maxAttempts}, the queue's maxReceiveCount ${m.maxReceiveCount}; backoff full jitter ${m.backoffBaseSeconds}-${m.backoffCapSeconds} s; long-running tier ${m.tierTasks} tasks x ${m.tierCopiesPerTask} batches of ${m.tierBatchSize} message at once (the construct's default), one link estimate per task; SEND setup ${m.sendSetupMs} ms, DR HEAD ${m.headMs} ms, invocation overhead ${m.invokeOverheadMs} ms.`,
    `The worker's large-object rules, modelled for (b), (c), (b') and (c'): (b) and (c) take the policy's defaults, so under a Lambda's cap no large object (expected 60 s or more) is SENT in the invocation (largeInInvocation never); (b') and (c') SEND one there when it fits (when-it-fits), and a large re-attempt past its expected end goes the policy's way rather than be SENT there again; 1 renewal (renewsInsteadOfWaiting): a wait that is not a failure (copying-in-background, the hold) at receive count >= max(MIN_RENEWAL_ATTEMPT, maxAttempts) is carried by a fresh message (receive count 1, the copy start carried, delay min(wait, ${MAX_DELAY_SECONDS} s), the rest by visibility on its next receive), one SendMessage each; 2 the hold (a retry ${HOLD_REASON}, not counted): a re-attempt of a large object that fits, DR HEAD finding nothing, copy start (first receive or carried) + expected still ahead, waits out the rest without a SEND; 3 a large SEND ended on the client's side calls LinkEstimate.recordUnfinished, and the budget plans with sharedRate(estimate, the large SENDs in flight in the same process, counted from their SEND's start); one estimate per Lambda container and per tier task. A feed re-ask waits at least the feed's timeout or half the copy's run so far (the worker's feedAskAgainSeconds); a large object or a feed SEND is never handed back as a straggler.`,
    'Targets: 1 none dead-lettered or abandoned for size; 2 restarted or abandoned link time under 1%; 3 small p99 lag within 10% of (d); 4 no invocation cut at the cap with its copy unfinished.',
  ];
}

interface Section {
  readonly title: string;
  readonly intro?: string;
  readonly table: Table;
}

/** The sections for sizing the link, after the variants' tables. */
function sizingSections(
  utilisation: Table,
  sizing: Table,
  sweep: readonly SweepRun[],
  limits: readonly LinkLimits[],
): Section[] {
  return [
    { title: 'Sizing the link: utilisation over the window', table: utilisation },
    {
      title: `Sizing the link: (c) with 1, 2, 8 (the default) or 20 large copies at once on the tier (${VARIANTS[0]!.name})`,
      table: sizing,
    },
    {
      title: 'Sizing the link: a utilisation sweep (fair-share link, tail spread over the window)',
      intro: `Workload: ${describeSweep(SEED, SWEEP_SMALL_COUNT)}. "p99 vs (d)" against the (d) of the same window.`,
      table: sweepTable(sweep),
    },
    { title: 'Sizing the link: the rule the sweep gives', table: sizingRuleTable(sweep) },
    {
      title: 'The largest object each path takes (transferBudget)',
      table: limitsTable(limits, DEFAULT_PIPELINE),
    },
  ];
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const started = performance.now();
  const runs = VARIANTS.flatMap(runAll);
  const tables = VARIANTS.map((v) => ({ v, table: tableOf(runs.filter((r) => r.variant === v.name)) }));
  const spread = { ...DEFAULT_WORKLOAD, seed: SEED };
  const utilisation = utilisationOf(spread);
  const baselines = new Map(
    runs.filter((r) => r.variant === VARIANTS[0]!.name && !r.targets).map((r) => [r.linkMbps, r.result]),
  );
  const sizing = sizingRuns(spread, baselines, SEED + 1);
  const sweep = sweepRuns(SEED, SWEEP_SMALL_COUNT);
  const limits = linkLimits(DEFAULT_PIPELINE);
  const sections = sizingSections(utilisation.table, sizingTable(sizing), sweep, limits);
  const wallMs = performance.now() - started;
  const commit = commitOf();
  const mixes = VARIANTS.map((v) => {
    const workload = { ...v.workload, seed: SEED };
    return describeWorkload(workload, generateWorkload(workload));
  });
  const method = methodOf(mixes[0]!, DEFAULT_PIPELINE);
  const md = [
    '# swarm-send large-object benchmark (`npm run bench:large`)',
    '',
    `Simulated time, seed ${SEED}, commit ${commit}, ${machine.date}; ${fixed(wallMs / 1000, 1)} s of wall time on ${machine.cpuModel}, Node ${machine.node}.`,
    '',
    ...method.map((line) => `- ${line}`),
    ...tables.flatMap(({ v, table }, i) => [
      '',
      `## ${v.name}`,
      '',
      `Workload: ${mixes[i]}.`,
      '',
      markdownTable(table),
    ]),
    '',
    ...sections.flatMap(({ title, intro, table }) => [
      `## ${title}`,
      '',
      ...(intro ? [intro, ''] : []),
      markdownTable(table),
      '',
    ]),
  ].join('\n');
  for (const { v, table } of tables) console.log(`\n${v.name}\n\n${textTable(table)}`);
  for (const { title, table } of sections) console.log(`\n${title}\n\n${textTable(table)}`);
  console.log(`\n${md}`);
  // Dated and named by the commit run, so a second run on the same day keeps the first one's files.
  const name = `large-${machine.date.slice(0, 10)}-${commit}`;
  await writeResult(`${name}.md`, md);
  const variants = VARIANTS.map((v, i) => ({ ...v, workload: { ...v.workload, seed: SEED }, mix: mixes[i] }));
  await writeResult(
    `${name}.json`,
    JSON.stringify(
      {
        machine,
        commit,
        seed: SEED,
        wallMs,
        variants,
        model: DEFAULT_PIPELINE,
        runs,
        utilisation: utilisation.rows,
        sizing: sizing.map(({ linkMbps, disconnect, tierCopiesAtOnce, result }) => ({
          linkMbps,
          disconnect,
          tierCopiesAtOnce,
          result,
        })),
        sweep: { smallCount: SWEEP_SMALL_COUNT, mix: describeSweep(SEED, SWEEP_SMALL_COUNT), runs: sweep },
        limits,
      },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
