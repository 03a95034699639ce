/**
 * `npm run bench:reconcile`: the reconcile engine over zero-latency listings of one bucket that
 * holds the same objects on both clusters, at 100,000, 1,000,000 and 3,000,000 objects (objects
 * compared per second, peak RSS and RSS along the walk, pages, requests and HEADs per 1,000
 * objects; the largest shows that memory does not grow with the count), then 100,000 objects of
 * which 10,000 are missing on DR, repaired by enqueueing SEND messages (fauxqs) and by SENDing
 * them (simulator). Writes bench/results/reconcile.json and .md.
 *
 * Processes: the simulator runs in a fresh process per size (bench/reconcile-sim.ts); every walk
 * runs in a fresh process of its own (bench/reconcile-runner.ts) with the heap flags Lambda
 * sets for the reconcile function's memory, so its peak RSS is the walk's alone; fauxqs runs
 * here. Flags: --quick (10,000 and 100,000 objects, 1,000 missing).
 */
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startFauxqs } from 'fauxqs';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { RECONCILE_DEFAULTS } from '../infra/constructs/reconcile-options.js';
import { bundleEntry } from './bundle.js';
import { forkNode, lambdaHeapFlags, REGION } from './harness.js';
import { describeMachine, fixed, int, markdownTable, mib, textTable, writeResult, type Table } from './report.js';
import type { ReconcileJob, ReconcileJobResult } from './reconcile-runner.js';
import type { SeedRequest } from './reconcile-objects.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
// The issue's size is 1,000,000; 3,000,000 shows whether memory keeps growing past it.
const SIZES = flags.quick ? [10_000, 100_000] : [100_000, 1_000_000, 3_000_000];
const RATE_AT = flags.quick ? 100_000 : 1_000_000;
const REPAIR_OBJECTS = flags.quick ? 10_000 : 100_000;
const MISSING_EVERY = 10;
const PAGE_SIZE = 1000;
const TARGET_RATE = 100_000;
const TARGET_RSS = 200 * 1024 * 1024;

interface Sim {
  readonly source: string[];
  readonly dr: string[];
  seed(count: number, missingEvery: number): Promise<{ seedMs: number; rssBytes: number; missing: number }>;
  /** The simulator process's CPU time so far (user + system), microseconds. */
  cpuUs(): Promise<number>;
  close(): Promise<void>;
}

async function startSim(bundle: string): Promise<Sim> {
  const child = forkNode(bundle, ['--max-old-space-size=8192', '--expose-gc'], { stdout: 'inherit' });
  const [ready] = (await once(child, 'message')) as [{ source: string[]; dr: string[] }];
  return {
    ...ready,
    async seed(count, missingEvery) {
      child.send({ type: 'seed', count, missingEvery } satisfies SeedRequest);
      const [m] = (await once(child, 'message')) as [{ seedMs: number; rssBytes: number; missing: number }];
      return m;
    },
    async cpuUs() {
      child.send({ type: 'usage' });
      const [m] = (await once(child, 'message')) as [{ cpuUs: number }];
      return m.cpuUs;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

async function walk(runner: string, job: ReconcileJob): Promise<ReconcileJobResult> {
  const child = forkNode(runner, lambdaHeapFlags(RECONCILE_DEFAULTS.memorySize));
  child.send(job);
  const [m] = (await once(child, 'message')) as [
    { type: 'result'; result: ReconcileJobResult } | { type: 'error'; message: string },
  ];
  if (m.type === 'error') throw new Error(m.message);
  return m.result;
}

interface Row {
  readonly run: string;
  readonly objects: number;
  readonly missing: number;
  readonly result: ReconcileJobResult;
  /** CPU the simulator spent while the walk ran (serving both listings, HEADs and SENDs), microseconds. */
  readonly simCpuUs: number;
  readonly enqueued?: number;
}

const perK = (n: number, objects: number) => fixed((1000 * n) / objects, 2);
const rate = (r: ReconcileJobResult) => (r.compared / r.wallMs) * 1000;

async function main(): Promise<void> {
  const machine = describeMachine();
  const loadBefore = loadavg();
  const simBundle = await bundleEntry('bench/reconcile-sim.ts', 'reconcile-sim');
  const runner = await bundleEntry('bench/reconcile-runner.ts', 'reconcile-runner');
  const rows: Row[] = [];

  for (const objects of SIZES) {
    const sim = await startSim(simBundle);
    try {
      const seeded = await sim.seed(objects, 0);
      console.error(
        `seeded ${int(objects)} objects on each side in ${int(seeded.seedMs)} ms (simulator RSS ${mib(seeded.rssBytes)})`,
      );
      const simCpu0 = await sim.cpuUs();
      const result = await walk(runner, {
        source: sim.source,
        dr: sim.dr,
        pageSize: PAGE_SIZE,
        repair: 'none',
        objects,
      });
      rows.push({ run: 'in sync, dry run', objects, missing: 0, result, simCpuUs: (await sim.cpuUs()) - simCpu0 });
      console.error(
        `  ${int(result.compared)} compared in ${int(result.wallMs)} ms: ${int(rate(result))}/s, peak RSS ${mib(result.peakRssBytes)}`,
      );
    } finally {
      await sim.close();
    }
  }

  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const sqs = new SQSClient({
    endpoint: fauxqs.address,
    region: REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    for (const repair of ['enqueue', 'send'] as const) {
      const sim = await startSim(simBundle);
      try {
        const seeded = await sim.seed(REPAIR_OBJECTS, MISSING_EVERY);
        const queue = fauxqs.createQueue(`sends-${repair}`);
        const simCpu0 = await sim.cpuUs();
        const result = await walk(runner, {
          source: sim.source,
          dr: sim.dr,
          pageSize: PAGE_SIZE,
          repair,
          objects: REPAIR_OBJECTS,
          sqsEndpoint: fauxqs.address,
          queueUrl: queue.queueUrl,
        });
        const simCpuUs = (await sim.cpuUs()) - simCpu0;
        const enqueued = repair === 'enqueue' ? (await queueCounts(sqs, queue.queueUrl)).visible : undefined;
        rows.push({
          run: repair === 'enqueue' ? 'missing, repaired by enqueue' : 'missing, repaired by SEND',
          objects: REPAIR_OBJECTS,
          missing: seeded.missing,
          result,
          simCpuUs,
          ...(enqueued !== undefined && { enqueued }),
        });
        console.error(
          `  ${repair}: ${int(seeded.missing)} missing, ${int(result.wallMs)} ms, repairs ${JSON.stringify(result.repairs)}`,
        );
      } finally {
        await sim.close();
      }
    }
  } finally {
    sqs.destroy();
    await fauxqs.stop();
  }

  const loadAfter = loadavg();
  const inSync = rows.filter((r) => r.missing === 0);
  const baseline = inSync.find((r) => r.objects === REPAIR_OBJECTS);
  const table: Table = {
    headers: [
      'run',
      'objects',
      'missing on DR',
      'compared/s',
      'per client CPU-s',
      'client CPU /1k',
      'simulator CPU /1k',
      'wall',
      'RSS at start',
      'peak RSS',
      'pages /1k',
      'requests /1k',
      'HEADs',
      'repaired',
    ],
    rows: rows.map((r) => [
      r.run,
      int(r.objects),
      int(r.result.counts['missing-on-dr'] ?? 0),
      int(rate(r.result)),
      int(r.result.compared / (r.result.cpuUs / 1e6)),
      `${fixed(r.result.cpuUs / r.result.compared, 2)} ms`,
      `${fixed(r.simCpuUs / r.result.compared, 2)} ms`,
      `${fixed(r.result.wallMs / 1000, 2)} s`,
      mib(r.result.startRssBytes),
      mib(r.result.peakRssBytes),
      perK(r.result.pages.source + r.result.pages.dr, r.objects),
      perK(r.result.requests, r.objects),
      int(r.result.heads),
      int((r.result.repairs.enqueued ?? 0) + (r.result.repairs.sent ?? 0)),
    ]),
  };
  const rssTable: Table = {
    headers: ['objects', ...Array.from({ length: 10 }, (_v, i) => `${(i + 1) * 10}%`)],
    rows: inSync.map((r) => [`${int(r.objects)} RSS`, ...r.result.rssSamples.map((s) => mib(s.rssBytes))]),
  };
  const heapTable: Table = {
    headers: rssTable.headers,
    rows: inSync.flatMap((r) => [
      [`${int(r.objects)} live heap`, ...r.result.rssSamples.map((s) => mib(s.liveHeapBytes))],
      [`${int(r.objects)} V8 heap reserved`, ...r.result.rssSamples.map((s) => mib(s.heapTotalBytes))],
      [`${int(r.objects)} external`, ...r.result.rssSamples.map((s) => mib(s.externalBytes))],
    ]),
  };
  const largest = inSync.at(-1)!;
  const previous = inSync.at(-2) ?? largest;
  const atRate = inSync.find((r) => r.objects === RATE_AT) ?? largest;
  // Flat: the largest walk's peak is within 10% of the next smaller one's, for several times the objects.
  const flat = largest.result.peakRssBytes <= previous.result.peakRssBytes * 1.1;
  const under = inSync.every((r) => r.result.peakRssBytes < TARGET_RSS);
  const checks = [
    `objects compared per second at ${int(atRate.objects)}: ${int(rate(atRate.result))} (target >= ${int(TARGET_RATE)}): ${rate(atRate.result) >= TARGET_RATE ? 'met' : 'NOT met'}`,
    `peak RSS: ${inSync.map((r) => `${mib(r.result.peakRssBytes)} at ${int(r.objects)}`).join(', ')} (target < ${mib(TARGET_RSS)}, not growing with the count): ${under ? 'under the target' : 'NOT under the target'}; ${mib(largest.result.peakRssBytes - previous.result.peakRssBytes)} more for ${int(largest.objects / previous.objects)}x the objects: ${flat ? 'flat (within 10%)' : 'NOT flat'}`,
    `HEADs for in-sync objects: ${inSync.map((r) => int(r.result.heads)).join(', ')} (target 0)`,
    ...rows
      .filter((r) => r.missing > 0)
      .map(
        (r) =>
          `${r.run}: ${int(r.missing)} missing confirmed (${int(r.result.heads)} HEADs, 2 per candidate) and repaired in a ${fixed(r.result.wallMs / 1000, 2)} s walk of ${int(r.objects)} objects${baseline ? ` (the in-sync walk of as many objects took ${fixed(baseline.result.wallMs / 1000, 2)} s: about ${fixed((r.result.wallMs - baseline.result.wallMs) / 1000, 2)} s for confirming and repairing)` : ''}${r.enqueued !== undefined ? `; ${int(r.enqueued)} SEND messages on the queue` : ''}`,
      ),
  ];
  const loaded = `load average ${loadBefore.map((l) => fixed(l, 1)).join(' / ')} before, ${loadAfter.map((l) => fixed(l, 1)).join(' / ')} after (1 / 5 / 15 min)`;
  const md = [
    '# swarm-send reconcile benchmark',
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}, ${machine.date}. Produced by \`npm run bench:reconcile\`${flags.quick ? ' --quick' : ''}.`,
    '',
    Math.max(...loadBefore, ...loadAfter) >= machine.cores / 2
      ? `**The machine was shared** with other work during this run (${loaded}); on ${machine.cores} cores, figures are lower than on an idle machine.`
      : `The machine was otherwise idle (${loaded}).`,
    '',
    '## Setup',
    '',
    '- **simulator**: the project simulator, zero latency, source `baker` and DR `dr` (one node each), in a fresh process per run; one bucket of named objects (bodies from a shared pool of 1-16 KiB, so the store holds millions cheaply), seeded directly into the store and indexed before the walk',
    `- **walk**: \`reconcileScope\` with two \`ListingClient\`s (page size ${PAGE_SIZE}) and the HEAD port over one \`ClusterTransport\`, in a fresh process with the heap flags Lambda sets for ${RECONCILE_DEFAULTS.memorySize} MB; candidates confirmed 256 at a time, 32 HEADs in flight`,
    `- **repair runs**: ${int(REPAIR_OBJECTS)} objects, every ${MISSING_EVERY}th missing on DR; \`enqueue\` puts SEND messages on a fauxqs queue (in the parent process) with the producer; \`send\` SENDs them on the simulator (16 at once)`,
    "- **compared/s** is objects compared per wall-clock second; **per client CPU-s** divides by the walk process's own CPU time (user + system), the rate a client with a core to itself could reach while the simulator keeps up; **client CPU /1k** and **simulator CPU /1k** are each process's CPU time (user + system) per 1,000 objects compared, which stay meaningful on a loaded machine (the simulator collects the seeding's garbage before the walk)",
    '- **requests** count every HTTP request of the listings and HEADs, auth challenges included (SENDs are not in it)',
    '',
    '## Results',
    '',
    markdownTable(table),
    '',
    '## Memory along the walk (every tenth of the objects)',
    '',
    'RSS as sampled; then, right after a full GC at the same point, the heap still in use (what the walk keeps alive), the heap V8 keeps reserved (its young generation grows toward the limit the Lambda flags set as the walk goes on), and memory outside the heap (buffers).',
    '',
    markdownTable(rssTable),
    '',
    markdownTable(heapTable),
    '',
    '## Against the targets',
    '',
    ...checks.map((c) => `- ${c}`),
    '',
  ].join('\n');
  console.log(textTable(table));
  console.log();
  console.log(textTable(rssTable));
  console.log(textTable(heapTable));
  console.log();
  for (const c of checks) console.log(`- ${c}`);
  await writeResult('reconcile.md', md);
  await writeResult(
    'reconcile.json',
    JSON.stringify(
      { machine, load: { before: loadBefore, after: loadAfter }, quick: flags.quick, pageSize: PAGE_SIZE, rows },
      null,
      2,
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
