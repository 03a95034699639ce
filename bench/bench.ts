/**
 * `npm run bench`: the handler pipeline against the founding document's curl loop, a
 * straightforward fetch client and the raw undici ceiling, on one zero-latency simulator; then
 * the cost per SEND by batch size, RSS over a long run, and the deployed bundle's size and cold
 * import time. Writes bench/results/latest.json and latest.md and prints the tables.
 *
 * Processes: the simulator runs in its own Node 24 process (bench/sim-server.ts, with a control
 * endpoint for seeding and counters); every client runs in a fresh Node 24 process of its own
 * (bench/client-runner.ts), so process.cpuUsage() and the peak RSS of a client are that client's
 * alone. The curl loop is a bash loop, measured with /usr/bin/time.
 *
 * Flags: --quick (a tenth of the work), --sends N (SENDs of the long pipeline run),
 * --profile (afterwards, one more pipeline run under `node --cpu-prof`, so the figures above
 * carry no profiler overhead; the profile goes to bench/results/profiles/ (not committed) and
 * its summary to bench/results/profile.md).
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MEMORY_SIZE } from '../infra/defaults.js';
import type {
  BatchSizesJob,
  FetchJob,
  Job,
  JobResult,
  Measurement,
  PipelineJob,
  RawJob,
  RssSample,
} from './clients.js';
import { bundleEntry, measureHandlerBundle, type BundleFigures } from './bundle.js';
import {
  ADMIN,
  BUILD_DIR,
  forkNode,
  lambdaHeapFlags,
  objectUuid,
  RESULTS_DIR,
  snapshotDelta,
  startSimulatorProcess,
  type SimProcess,
} from './harness.js';
import { readProfile, summarize } from './profile-top.js';
import {
  describeMachine,
  fixed,
  int,
  mark,
  markdownTable,
  mib,
  textTable,
  writeResult,
  type Machine,
  type Table,
} from './report.js';

/** Concurrency of every concurrent client: the handler's default (SWARM_SEND_CONCURRENCY 16). */
const CONCURRENCY = 16;

const RUNNER_FLAGS = lambdaHeapFlags(DEFAULT_MEMORY_SIZE);

interface Options {
  readonly quick: boolean;
  readonly profile: boolean;
  readonly pipelineSends: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, profile: { type: 'boolean' }, sends: { type: 'string' } },
    strict: true,
  });
  const quick = values.quick ?? false;
  const sends = values.sends !== undefined ? Number(values.sends) : quick ? 10_000 : 100_000;
  if (!Number.isInteger(sends) || sends < 1000) throw new Error('--sends must be an integer of at least 1000');
  return { quick, profile: values.profile ?? false, pipelineSends: sends };
}

/** Work sizes: the full run, or a tenth of it with --quick. */
function sizes(o: Options) {
  const q = (n: number) => (o.quick ? Math.max(100, Math.round(n / 10)) : n);
  return {
    pipeline: {
      warmup: q(5_000),
      sends: o.pipelineSends,
      batchSize: 100,
      sampleEvery: Math.max(1000, Math.round(o.pipelineSends / 20)),
    },
    quiet: { warmup: q(2_000), sends: q(20_000) },
    curl: { warmup: 5, sends: 200 },
    fetch: { warmup: q(200), sends: q(3_000) },
    raw: { warmup: q(5_000), sends: q(50_000) },
    batch: { warmup: q(2_000), sendsPerSize: q(5_000), rounds: 2, sizes: [10, 100, 1000] },
    profile: { warmup: q(2_000), sends: q(40_000) },
  };
}

/** One row of the comparison. */
interface Row {
  readonly name: string;
  readonly how: string;
  readonly ok: number;
  readonly attempted: number;
  readonly wallMs: number;
  readonly sendsPerSec: number;
  readonly requestsPerSend: number;
  readonly cpuUsPerSend: number;
  readonly simCpuUsPerSend: number;
  readonly connectionsPerSend: number;
  readonly peakRssBytes: number | null;
  /** Objects of the run (warm-up included) found in the DR cluster afterwards, and how many there were. */
  readonly inDr: number;
  readonly objects: number;
}

function toRow(
  name: string,
  how: string,
  m: Measurement,
  peakRssBytes: number | null,
  inDr: number,
  objects: number,
): Row {
  return {
    name,
    how,
    ok: m.ok,
    attempted: m.attempted,
    wallMs: Math.round(m.wallMs),
    sendsPerSec: m.ok / (m.wallMs / 1000),
    requestsPerSend: m.requests / Math.max(1, m.simSends),
    cpuUsPerSend: m.cpuUs / Math.max(1, m.attempted),
    simCpuUsPerSend: m.simCpuUs / Math.max(1, m.simSends),
    connectionsPerSend: m.connections / Math.max(1, m.simSends),
    peakRssBytes,
    inDr,
    objects,
  };
}

// ---------------------------------------------------------------------------------------------
// Running things
// ---------------------------------------------------------------------------------------------

let nextPrefix = 0x6b000000;

/**
 * Seeds `count` fresh objects, runs `fn` on their prefix, counts how many reached the DR
 * cluster, and deletes them again so the simulator's memory stays bounded.
 */
async function withObjects<T>(
  sim: SimProcess,
  count: number,
  fn: (prefix: number) => Promise<T>,
): Promise<{ result: T; inDr: number }> {
  const prefix = nextPrefix++;
  await sim.control.seed(prefix, count);
  try {
    const result = await fn(prefix);
    const { present } = await sim.control.drCount(prefix, count);
    return { result, inDr: present };
  } finally {
    await sim.control.purge(prefix, count);
  }
}

/** A runner's result and what it wrote to stderr (Powertools writes its own warnings there). */
interface ChildRun {
  readonly result: JobResult;
  readonly stderrLines: readonly string[];
}

/** Runs one job in a fresh client process and waits for its answer. */
function runInChild(runner: string, job: Job, execArgv: readonly string[] = []): Promise<ChildRun> {
  const child = forkNode(runner, [...RUNNER_FLAGS, ...execArgv], { stderr: 'pipe' });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = () => stderr.split('\n').filter((l) => l.trim() !== '');
  return new Promise((resolve, reject) => {
    let result: JobResult | null = null;
    child.on('message', (m: { type: 'result'; result: JobResult } | { type: 'error'; error: string }) => {
      if (m.type === 'result') result = m.result;
      else reject(new Error(`${job.kind} runner failed: ${m.error}\n${stderr}`));
    });
    child.once('exit', (code) => {
      if (code === 0 && result) resolve({ result, stderrLines: lines() });
      else reject(new Error(`${job.kind} runner exited with ${code}\n${stderr}`));
    });
    child.send(job);
  });
}

/** A job's result, its stderr and how many of its objects reached the DR cluster. */
type JobOutcome = JobResult & {
  readonly stderrLines: readonly string[];
  readonly inDr: number;
  readonly objects: number;
};

/** Seeds objects for a job, runs it in a fresh client process, checks the DR cluster. */
async function runJobOn(
  sim: SimProcess,
  runner: string,
  objects: number,
  make: (prefix: number) => Job,
  execArgv: readonly string[] = [],
): Promise<JobOutcome> {
  const { result, inDr } = await withObjects(sim, objects, (prefix) => runInChild(runner, make(prefix), execArgv));
  return { ...result.result, stderrLines: result.stderrLines, inDr, objects };
}

/** Distinct stderr lines of a run with their counts, for the report. */
function stderrSummary(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.slice(0, 200)] = (out[l.slice(0, 200)] ?? 0) + 1;
  return out;
}

/**
 * The founding document's way: a bash loop running one curl process per object, sequentially.
 * Wall time from here; CPU (user + system of bash and every curl) and the largest process's
 * RSS from /usr/bin/time.
 */
async function runCurlLoop(
  sim: SimProcess,
  prefix: number,
  warmup: number,
  sends: number,
): Promise<{ m: Measurement; peakRssBytes: number }> {
  const script = [
    'while read -r u; do',
    '  curl -s -o /dev/null -w "%{http_code}\\n" -X SEND --location-trusted --anyauth -u "$SWARM_USER:$SWARM_PW" \\',
    '    -H "Castor-System-Cluster: dr" -H "Castor-System-Target: $TARGET" "http://$NODE/$u?alias&admin"',
    'done < "$FILE"',
  ].join('\n');
  const run = async (from: number, count: number) => {
    const file = join(BUILD_DIR, 'curl-uuids.txt');
    const timeFile = join(BUILD_DIR, 'curl-time.txt');
    await writeFile(file, Array.from({ length: count }, (_, i) => objectUuid(prefix, from + i)).join('\n') + '\n');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SWARM_USER: ADMIN.username,
      SWARM_PW: ADMIN.password,
      TARGET: sim.dr[0]!,
      NODE: sim.source[0]!,
      FILE: file,
    };
    const started = performance.now();
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, 'bash', '-c', script], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl loop exited with ${code}`))));
    });
    const wallMs = performance.now() - started;
    const [user = 0, system = 0, maxKb = 0] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
    return {
      ok: stdout.split('\n').filter((l) => l === '200').length,
      wallMs,
      cpuUs: (user + system) * 1e6,
      peakRssBytes: maxKb * 1024,
    };
  };
  await run(0, warmup);
  const before = await sim.control.snapshot();
  const r = await run(warmup, sends);
  const d = snapshotDelta(before, await sim.control.snapshot());
  const m: Measurement = {
    ok: r.ok,
    attempted: sends,
    wallMs: r.wallMs,
    cpuUs: r.cpuUs,
    requests: d.requests,
    simSends: d.sends,
    challenges: d.challenges,
    connections: d.connections,
    simCpuUs: d.cpuUs,
  };
  return { m, peakRssBytes: r.peakRssBytes };
}

/** Functions whose inclusive time the profile summary lists: the handler's SEND path. */
const PROFILED_FUNCTIONS = [
  'processBatch',
  'parseSendMessage',
  'sendOnce',
  'send',
  '#exchange',
  'authorize',
  'request',
  'parseSendBody',
  'finish',
  'outcome',
  'flush',
  'buildSqsEvent',
];

/**
 * One more pipeline run in a process under `node --cpu-prof`; writes the profile to
 * bench/results/profiles/ and a summary (self and inclusive times, callers of the hot native
 * functions) to bench/results/profile.md. Returns the summary's path.
 */
async function profilePipeline(
  sim: SimProcess,
  runner: string,
  base: Omit<PipelineJob, 'kind' | 'prefix' | 'telemetry' | 'warmup' | 'sends' | 'batchSize' | 'sampleEvery'>,
  n: { warmup: number; sends: number },
): Promise<string> {
  const dir = join(RESULTS_DIR, 'profiles');
  await mkdir(dir, { recursive: true });
  const total = n.warmup + n.sends;
  const run = await runJobOn(
    sim,
    runner,
    total,
    (prefix) =>
      ({
        kind: 'pipeline',
        ...base,
        prefix,
        telemetry: 'powertools',
        batchSize: 100,
        sampleEvery: n.sends,
        ...n,
      }) satisfies PipelineJob,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-name=pipeline.cpuprofile'],
  );
  const m = run.measurement;
  const text = summarize(await readProfile(join(dir, 'pipeline.cpuprofile')), {
    top: 25,
    callersOf: ['writeLatin1String', 'randomFillSync', '(garbage collector)'],
    inclusive: PROFILED_FUNCTIONS,
    sends: total,
  });
  await writeResult(
    'profile.md',
    [
      '# CPU profile of the handler pipeline',
      '',
      `\`npm run bench -- --profile\`: ${int(total)} SENDs (${int(n.warmup)} warm-up) through the handler, batches of 100, Powertools telemetry, under \`node --cpu-prof\` (${describeMachine().date}).`,
      `This run, profiler on: ${int(m.ok / (m.wallMs / 1000))} SENDs/s, ${fixed(m.cpuUs / m.attempted, 1)} µs CPU per SEND in the measured window.`,
      'Self time is time spent in the function itself; "(native / VM)" frames are V8 and syscalls, traced to their JavaScript callers below.',
      '',
      text,
      '',
    ].join('\n'),
  );
  return join('bench', 'results', 'profile.md');
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

interface BatchRow {
  readonly batchSize: number;
  readonly sends: number;
  readonly cpuUsPerSend: number;
  readonly wallUsPerSend: number;
  readonly requestsPerSend: number;
}

interface Targets {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

interface BenchResults {
  readonly machine: Machine;
  readonly setup: Record<string, string | number>;
  readonly clients: readonly Row[];
  readonly ratios: {
    readonly vsCurl: number;
    readonly vsFetch: number;
    readonly ofRaw: number;
    readonly noLoggingOfRaw: number;
  };
  readonly pipelineQueueCalls: JobResult['queueCalls'];
  /** Distinct lines each client process wrote to stderr, with counts (Powertools warnings land here). */
  readonly runnerStderr: Record<string, Record<string, number>>;
  readonly batchSizes: readonly BatchRow[];
  readonly rss: {
    readonly sends: number;
    readonly nodeFlags: readonly string[];
    readonly samples: readonly RssSample[];
    /** RSS growth from 20% of the run to its end. */
    readonly growthPercent: number;
    readonly heapGrowthPercent: number;
    /** Heap used after a full GC, after warm-up and after the run: growth here would be a leak. */
    readonly heapAfterGc: JobResult['heapAfterGc'] | null;
    readonly heapAfterGcGrowthPercent: number;
  };
  readonly bundle: readonly BundleFigures[];
  readonly targets: readonly Targets[];
  readonly profile: string | null;
}

/** Growth from the first sample at or past 20% of the run to the last one, percent. */
function growth(samples: readonly RssSample[], key: 'rssBytes' | 'heapUsedBytes'): number {
  const last = samples.at(-1);
  const total = last?.sends ?? 0;
  const first = samples.find((s) => s.sends >= total * 0.2) ?? samples[0];
  if (!first || !last) return Number.NaN;
  return ((last[key] - first[key]) / first[key]) * 100;
}

function evaluateTargets(r: Omit<BenchResults, 'targets'>): Targets[] {
  const pipeline = r.clients[0]!;
  const cpuBySize = r.batchSizes.map((b) => b.cpuUsPerSend);
  const spread = ((Math.max(...cpuBySize) - Math.min(...cpuBySize)) / Math.min(...cpuBySize)) * 100;
  const bundled = r.bundle.find((b) => b.variant.startsWith('everything'))!;
  const x = (v: number) => `${fixed(v, 1)}x`;
  return [
    { name: 'throughput vs curl loop', target: '>= 50x', measured: x(r.ratios.vsCurl), met: r.ratios.vsCurl >= 50 },
    { name: 'throughput vs fetch client', target: '>= 3x', measured: x(r.ratios.vsFetch), met: r.ratios.vsFetch >= 3 },
    {
      name: 'throughput vs raw ceiling',
      target: '>= 60%',
      measured: `${fixed(r.ratios.ofRaw * 100, 1)}%`,
      met: r.ratios.ofRaw >= 0.6,
    },
    {
      name: 'requests per SEND (warm)',
      target: '<= 1.05',
      measured: fixed(pipeline.requestsPerSend, 3),
      met: pipeline.requestsPerSend <= 1.05,
    },
    {
      name: 'client CPU per SEND',
      target: '<= 150 µs',
      measured: `${fixed(pipeline.cpuUsPerSend, 1)} µs`,
      met: pipeline.cpuUsPerSend <= 150,
    },
    {
      name: 'CPU per SEND, batch 10 -> 1,000',
      target: 'flat (spread <= 20%)',
      measured: `spread ${fixed(spread, 1)}% (${cpuBySize.map((c) => fixed(c, 0)).join(' / ')} µs)`,
      met: spread <= 20,
    },
    {
      name: `RSS over ${int(r.rss.sends)} SENDs`,
      target: 'flat: RSS +<= 10% from 20% of the run to its end, post-GC heap +<= 10%',
      measured: `RSS ${fixed(r.rss.growthPercent, 1)}%, post-GC heap ${fixed(r.rss.heapAfterGcGrowthPercent, 1)}%`,
      met: r.rss.growthPercent <= 10 && r.rss.heapAfterGcGrowthPercent <= 10,
    },
    {
      name: 'handler bundle size',
      target: '<= 1 MB (1,000,000 B)',
      measured: `${int(bundled.bytes)} B`,
      met: bundled.bytes <= 1_000_000,
    },
    {
      name: 'cold import (bundle, as deployed)',
      target: '<= 200 ms',
      measured: `${fixed(bundled.importMsMedian, 1)} ms (${fixed(bundled.importMsMedianWithSourceMaps, 1)} ms with --enable-source-maps)`,
      met: bundled.importMsMedian <= 200,
    },
  ];
}

function clientsTable(rows: readonly Row[]): Table {
  return {
    headers: [
      'client',
      'SENDs ok',
      'SENDs/s',
      'requests/SEND',
      'conns/SEND',
      'client CPU µs/SEND',
      'sim CPU µs/SEND',
      'peak RSS',
      'in DR / objects',
    ],
    rows: rows.map((r) => [
      r.name,
      `${int(r.ok)}/${int(r.attempted)}`,
      int(r.sendsPerSec),
      fixed(r.requestsPerSend, 3),
      fixed(r.connectionsPerSend, 3),
      fixed(r.cpuUsPerSend, 1),
      fixed(r.simCpuUsPerSend, 1),
      r.peakRssBytes === null ? '-' : mib(r.peakRssBytes),
      `${int(r.inDr)}/${int(r.objects)}`,
    ]),
  };
}

function tables(r: BenchResults) {
  const p = r.clients[0]!;
  return {
    clients: clientsTable(r.clients),
    ratios: {
      headers: ['ratio', 'value'],
      rows: [
        ['pipeline / curl loop (1/2)', `${fixed(r.ratios.vsCurl, 1)}x`],
        ['pipeline / fetch client (1/3)', `${fixed(r.ratios.vsFetch, 1)}x`],
        ['pipeline / raw ceiling (1/4)', `${fixed(r.ratios.ofRaw * 100, 1)}%`],
        ['(pipeline without logging / raw ceiling)', `${fixed(r.ratios.noLoggingOfRaw * 100, 1)}%`],
      ],
    },
    batches: {
      headers: ['batch size', 'SENDs', 'client CPU µs/SEND', 'wall µs/SEND', 'requests/SEND'],
      rows: r.batchSizes.map((b) => [
        int(b.batchSize),
        int(b.sends),
        fixed(b.cpuUsPerSend, 1),
        fixed(b.wallUsPerSend, 1),
        fixed(b.requestsPerSend, 3),
      ]),
    },
    rss: {
      headers: ['SENDs', 'elapsed', 'RSS', 'heap used'],
      rows: r.rss.samples.map((s) => [
        int(s.sends),
        `${fixed(s.elapsedMs / 1000, 1)} s`,
        mib(s.rssBytes),
        mib(s.heapUsedBytes),
      ]),
    },
    bundle: {
      headers: [
        'handler bundle',
        'size',
        'source map',
        'import (median)',
        'import --enable-source-maps',
        'node start + import',
      ],
      rows: r.bundle.map((b) => [
        b.variant,
        `${int(b.bytes)} B`,
        `${int(b.sourceMapBytes)} B`,
        `${fixed(b.importMsMedian, 1)} ms`,
        `${fixed(b.importMsMedianWithSourceMaps, 1)} ms`,
        `${fixed(b.processMsMedian, 1)} ms`,
      ]),
    },
    composition: {
      headers: ['bundle bytes by origin (as deployed)', 'bytes', 'share'],
      rows: (r.bundle[0]?.composition ?? [])
        .slice(0, 12)
        .map((c) => [c.origin, int(c.bytes), `${fixed((c.bytes / (r.bundle[0]?.bytes ?? 1)) * 100, 1)}%`]),
    },
    targets: {
      headers: ['target', 'wanted', 'measured', ''],
      rows: r.targets.map((t) => [t.name, t.target, t.measured, mark(t.met)]),
    },
    pipelineNote: `pipeline: ${int(p.ok)} SENDs in batches of ${r.setup.batchSize}, one invocation at a time (one container), concurrency ${CONCURRENCY}`,
  };
}

function markdown(r: BenchResults): string {
  const t = tables(r);
  const m = r.machine;
  return [
    '# swarm-send benchmark',
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.platform}, Node ${m.node}, ${m.date}. Produced by \`npm run bench\`.`,
    '',
    '## Setup',
    '',
    ...Object.entries(r.setup).map(([k, v]) => `- **${k}**: ${v}`),
    '',
    '## Clients, side by side (same zero-latency simulator)',
    '',
    ...r.clients.map((c) => `- **${c.name.trim()}**: ${c.how}`),
    '',
    markdownTable(t.clients),
    '',
    markdownTable(t.ratios),
    '',
    `Handler QueueOps calls during the pipeline run (recording, no queue): ${JSON.stringify(r.pipelineQueueCalls)}`,
    '',
    '## Cost per SEND by batch size (the handler over one batch, repeated)',
    '',
    markdownTable(t.batches),
    '',
    `## RSS over ${int(r.rss.sends)} SENDs (pipeline run, sampled between batches)`,
    '',
    markdownTable(t.rss),
    '',
    `Node flags of every client process (the Lambda runtime's heap sizing for infra's ${DEFAULT_MEMORY_SIZE} MB default): \`${r.rss.nodeFlags.join(' ')}\`.`,
    `RSS growth from 20% of the run to the end: ${fixed(r.rss.growthPercent, 1)}%; heap used (not collected): ${fixed(r.rss.heapGrowthPercent, 1)}%.`,
    r.rss.heapAfterGc
      ? `Heap used after a full GC: ${mib(r.rss.heapAfterGc.start)} after warm-up, ${mib(r.rss.heapAfterGc.end)} after the run (${fixed(r.rss.heapAfterGcGrowthPercent, 1)}%).`
      : '',
    '',
    '## Deployed handler bundle (infra DEFAULT_BUNDLING: esm, node24, minified, createRequire banner)',
    '',
    markdownTable(t.bundle),
    '',
    markdownTable(t.composition),
    '',
    '## What the client processes wrote to stderr',
    '',
    '```json',
    JSON.stringify(r.runnerStderr, null, 2),
    '```',
    '',
    '## Targets',
    '',
    markdownTable(t.targets),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions();
  const n = sizes(o);
  const machine = describeMachine();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(
    `swarm-send bench on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}${o.quick ? ' [quick]' : ''}`,
  );

  await rm(BUILD_DIR, { recursive: true, force: true });
  const [simBundle, runner] = await Promise.all([
    bundleEntry('bench/sim-server.ts', 'sim-server'),
    bundleEntry('bench/client-runner.ts', 'client-runner'),
  ]);
  const sim = await startSimulatorProcess(simBundle);
  const base = { control: sim.control.base, addresses: { source: sim.source, dr: sim.dr }, concurrency: CONCURRENCY };
  let profile: string | null = null;
  try {
    log(
      `1. pipeline: ${int(n.pipeline.sends)} SENDs through the handler (Powertools telemetry, stdout to /dev/null)...`,
    );
    const pipeline = await runJobOn(
      sim,
      runner,
      n.pipeline.warmup + n.pipeline.sends,
      (prefix) => ({ kind: 'pipeline', ...base, prefix, telemetry: 'powertools', ...n.pipeline }) satisfies PipelineJob,
    );

    log(`   pipeline without logging (in-memory telemetry), ${int(n.quiet.sends)} SENDs...`);
    const quiet = await runJobOn(
      sim,
      runner,
      n.quiet.warmup + n.quiet.sends,
      (prefix) =>
        ({
          kind: 'pipeline',
          ...base,
          prefix,
          telemetry: 'summary',
          batchSize: 100,
          sampleEvery: n.quiet.sends,
          ...n.quiet,
        }) satisfies PipelineJob,
    );

    log(`2. curl loop: ${n.curl.sends} objects, one curl process each...`);
    const curlObjects = n.curl.warmup + n.curl.sends;
    const curl = await withObjects(sim, curlObjects, (prefix) => runCurlLoop(sim, prefix, n.curl.warmup, n.curl.sends));

    log(`3. fetch client: ${int(n.fetch.sends)} SENDs...`);
    const fetchR = await runJobOn(
      sim,
      runner,
      n.fetch.warmup + n.fetch.sends,
      (prefix) => ({ kind: 'fetch', ...base, prefix, ...n.fetch }) satisfies FetchJob,
    );

    log(`4. raw undici ceiling: ${int(n.raw.sends)} SENDs...`);
    const raw = await runJobOn(
      sim,
      runner,
      n.raw.warmup + n.raw.sends,
      (prefix) => ({ kind: 'raw', ...base, prefix, ...n.raw }) satisfies RawJob,
    );

    log('5. cost per SEND by batch size...');
    const batchTotal = n.batch.warmup + n.batch.sendsPerSize * n.batch.sizes.length * n.batch.rounds;
    const batch = await runJobOn(
      sim,
      runner,
      batchTotal,
      (prefix) => ({ kind: 'batch-sizes', ...base, prefix, ...n.batch }) satisfies BatchSizesJob,
    );

    log('6. handler bundle: size and cold import...');
    const bundle = await measureHandlerBundle();

    if (o.profile) {
      log(`7. profiling one more pipeline run (${int(n.profile.sends)} SENDs) under --cpu-prof...`);
      profile = await profilePipeline(sim, runner, base, n.profile);
    }

    const clients = [
      toRow(
        '1. handler pipeline',
        'createHandler over Lambda-shaped batches of 100, recording QueueOps',
        pipeline.measurement,
        pipeline.peakRssBytes,
        pipeline.inDr,
        pipeline.objects,
      ),
      toRow(
        '   (same, no logging)',
        'in-memory telemetry instead of Powertools',
        quiet.measurement,
        quiet.peakRssBytes,
        quiet.inDr,
        quiet.objects,
      ),
      toRow(
        '2. curl loop',
        'bash loop, one curl --anyauth per object, sequential',
        curl.result.m,
        curl.result.peakRssBytes,
        curl.inDr,
        curlObjects,
      ),
      toRow(
        '3. fetch client',
        'undici fetch, new Agent per request, 401 + Digest per SEND',
        fetchR.measurement,
        fetchR.peakRssBytes,
        fetchR.inDr,
        fetchR.objects,
      ),
      toRow(
        '4. raw ceiling',
        'undici Pool.request, constant Basic header, body drained',
        raw.measurement,
        raw.peakRssBytes,
        raw.inDr,
        raw.objects,
      ),
    ];
    const [p, q, c, f, rw] = clients as [Row, Row, Row, Row, Row];
    const samples = pipeline.rss ?? [];
    const partial: Omit<BenchResults, 'targets'> = {
      machine,
      setup: {
        simulator:
          'project simulator, zeroLatency, source cluster "baker" (2 nodes) + "dr" (1 node), in its own Node 24 process with a control endpoint',
        clients:
          'each in a fresh Node 24 process (esbuild-bundled bench/client-runner.ts); curl as a bash loop under /usr/bin/time',
        cpu: 'client CPU = process.cpuUsage() delta (user+system) of the client process over the measured window; curl = user+system of bash and every curl process',
        peakRss:
          'process.resourceUsage().maxRSS of the client process (its whole life, warm-up included); curl = the largest single process of the loop',
        concurrency: `${CONCURRENCY} SENDs in flight for pipeline, fetch and raw (pipeline: SWARM_SEND_CONCURRENCY 16, 8 connections per node); curl sequential`,
        queueOps: 'pipeline uses a recording no-op QueueOps (no fauxqs): the figures are the handler and its SEND path',
        telemetry:
          'pipeline row 1 = production Powertools telemetry (one JSON log line per outcome, EMF per invocation) written to /dev/null',
        nodeFlags: `${RUNNER_FLAGS.join(' ')} (Lambda runtime heap sizing for ${DEFAULT_MEMORY_SIZE} MB)`,
        batchSize: n.pipeline.batchSize,
        warmup: `pipeline ${int(n.pipeline.warmup)}, fetch ${int(n.fetch.warmup)}, raw ${int(n.raw.warmup)}, curl ${n.curl.warmup} SENDs before measuring`,
      },
      clients,
      ratios: {
        vsCurl: p.sendsPerSec / c.sendsPerSec,
        vsFetch: p.sendsPerSec / f.sendsPerSec,
        ofRaw: p.sendsPerSec / rw.sendsPerSec,
        noLoggingOfRaw: q.sendsPerSec / rw.sendsPerSec,
      },
      pipelineQueueCalls: pipeline.queueCalls,
      runnerStderr: {
        pipeline: stderrSummary(pipeline.stderrLines),
        noLogging: stderrSummary(quiet.stderrLines),
        fetch: stderrSummary(fetchR.stderrLines),
        raw: stderrSummary(raw.stderrLines),
        batchSizes: stderrSummary(batch.stderrLines),
      },
      batchSizes: (batch.bySize ?? []).map(({ size, measurement: m }) => ({
        batchSize: size,
        sends: m.attempted,
        cpuUsPerSend: m.cpuUs / m.attempted,
        wallUsPerSend: (m.wallMs * 1000) / m.attempted,
        requestsPerSend: m.requests / Math.max(1, m.simSends),
      })),
      rss: {
        sends: n.pipeline.sends,
        nodeFlags: RUNNER_FLAGS,
        samples,
        growthPercent: growth(samples, 'rssBytes'),
        heapGrowthPercent: growth(samples, 'heapUsedBytes'),
        heapAfterGc: pipeline.heapAfterGc ?? null,
        heapAfterGcGrowthPercent: pipeline.heapAfterGc
          ? ((pipeline.heapAfterGc.end - pipeline.heapAfterGc.start) / pipeline.heapAfterGc.start) * 100
          : Number.NaN,
      },
      bundle,
      profile,
    };
    const results: BenchResults = { ...partial, targets: evaluateTargets(partial) };

    await writeResult('latest.json', JSON.stringify(results, null, 2));
    await writeResult('latest.md', markdown(results));
    const t = tables(results);
    process.stdout.write(
      [
        '',
        `swarm-send bench — ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`,
        t.pipelineNote,
        '',
        textTable(t.clients),
        '',
        textTable(t.ratios),
        '',
        textTable(t.batches),
        '',
        textTable(t.bundle),
        '',
        textTable(t.composition),
        '',
        `RSS over ${int(results.rss.sends)} SENDs: ${samples.map((s) => mib(s.rssBytes)).join(' ')}`,
        results.rss.heapAfterGc
          ? `heap after full GC: ${mib(results.rss.heapAfterGc.start)} after warm-up -> ${mib(results.rss.heapAfterGc.end)} after the run`
          : '',
        '',
        textTable(t.targets),
        '',
        `written: ${join('bench', 'results', 'latest.json')}, ${join('bench', 'results', 'latest.md')}${profile ? `, ${profile}` : ''}`,
        '',
      ].join('\n'),
    );
  } finally {
    await sim.close();
  }
}

await main();
