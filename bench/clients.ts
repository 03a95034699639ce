/**
 * The SEND clients the benchmark compares, each measured the same way inside its own process
 * (see client-runner.ts): the handler pipeline, a straightforward `fetch` script and the raw
 * undici ceiling. The curl loop runs as a shell loop from bench.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, Pool, fetch } from 'undici';
import {
  ADMIN,
  buildConfig,
  buildRegistry,
  buildSqsEvent,
  createBenchHandler,
  lambdaContext,
  objectUuid,
  RecordingQueueOps,
  sendBody,
  snapshotDelta,
  SimControl,
  type ClusterAddresses,
  type TelemetryMode,
} from './harness.js';

/** Common fields of every job a runner is given. */
interface JobBase {
  /** Control endpoint of the simulator child. */
  readonly control: string;
  readonly addresses: ClusterAddresses;
  /** Objects are `objectUuid(prefix, i)`, seeded by the orchestrator. */
  readonly prefix: number;
  /** SENDs before the measured window (connections, challenges, JIT). */
  readonly warmup: number;
  /** SENDs in the measured window. */
  readonly sends: number;
  /** SENDs in flight at once. */
  readonly concurrency: number;
}

/** The real handler over Lambda-shaped batches, invoked one batch at a time (one container). */
export interface PipelineJob extends JobBase {
  readonly kind: 'pipeline';
  readonly batchSize: number;
  readonly telemetry: TelemetryMode;
  /** Record RSS every this many SENDs. */
  readonly sampleEvery: number;
}

/** The handler at several batch sizes, in one process, rounds interleaved. */
export interface BatchSizesJob extends Omit<JobBase, 'sends'> {
  readonly kind: 'batch-sizes';
  readonly sizes: readonly number[];
  /** SENDs per size per round. */
  readonly sendsPerSize: number;
  readonly rounds: number;
}

/** `fetch` with a fresh challenge, a fresh connection and a computed Digest for every SEND. */
export interface FetchJob extends JobBase {
  readonly kind: 'fetch';
}

/** undici Pool.request with a constant Basic header; the body is only drained. */
export interface RawJob extends JobBase {
  readonly kind: 'raw';
}

export type Job = PipelineJob | BatchSizesJob | FetchJob | RawJob;

/** What one measured window produced. */
export interface Measurement {
  /** SENDs the client saw succeed (200 with a 201/409 result, or a replicated/already-present outcome). */
  readonly ok: number;
  readonly attempted: number;
  readonly wallMs: number;
  /** process.cpuUsage() delta of the client process, user + system, microseconds. */
  readonly cpuUs: number;
  /** Simulator counters over the window. */
  readonly requests: number;
  readonly simSends: number;
  readonly challenges: number;
  readonly connections: number;
  /** The simulator process's CPU over the window, microseconds. */
  readonly simCpuUs: number;
}

export interface RssSample {
  readonly sends: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly elapsedMs: number;
}

/** A runner's answer. */
export interface JobResult {
  readonly kind: Job['kind'];
  readonly measurement: Measurement;
  /** Peak RSS of the runner process over its whole life (process.resourceUsage().maxRSS). */
  readonly peakRssBytes: number;
  readonly rss?: readonly RssSample[];
  readonly bySize?: readonly { size: number; measurement: Measurement }[];
  readonly queueCalls?: RecordingQueueOps['calls'] & { outcomes: Record<string, number> };
  /**
   * Heap used right after a full GC, after the warm-up and after the measured window (the
   * runner has --expose-gc; both collections happen outside the window). Growth here is a leak;
   * growth of RSS alone is the collector taking its time.
   */
  readonly heapAfterGc?: {
    readonly start: number;
    readonly end: number;
    readonly rssStart: number;
    readonly rssEnd: number;
  };
  readonly node: string;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Runs `work` as the measured window: wall time, this process's CPU and the simulator's
 * counters from just before to just after. `work` resolves to the SENDs that succeeded.
 */
async function measureWindow(
  control: SimControl,
  attempted: number,
  work: () => Promise<number>,
): Promise<Measurement> {
  const before = await control.snapshot();
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const ok = await work();
  const wallMs = performance.now() - t0;
  const cpuUs = cpuNow() - cpu0;
  const d = snapshotDelta(before, await control.snapshot());
  return {
    ok,
    attempted,
    wallMs,
    cpuUs,
    requests: d.requests,
    simSends: d.sends,
    challenges: d.challenges,
    connections: d.connections,
    simCpuUs: d.cpuUs,
  };
}

/** Runs `task(i)` for i in [from, to) with at most `concurrency` at once. */
async function pooled(
  from: number,
  to: number,
  concurrency: number,
  task: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = from;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < to) if (await task(next++)) ok++;
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, to - from)) }, worker));
  return ok;
}

/** A full GC (when the runner was started with --expose-gc), then the memory figures. */
function collect(): NodeJS.MemoryUsage | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return process.memoryUsage();
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

// ---------------------------------------------------------------------------------------------
// 1. The handler pipeline
// ---------------------------------------------------------------------------------------------

/** The handler, a recording QueueOps and a cursor over the seeded objects. */
function pipelineDriver(job: Pick<JobBase, 'addresses' | 'prefix' | 'concurrency'>, telemetry: TelemetryMode) {
  const config = buildConfig(buildRegistry(job.addresses), { concurrency: job.concurrency });
  const queue = new RecordingQueueOps();
  const { handler, client } = createBenchHandler({ config, queue, telemetry });
  let next = 0;
  /** Invokes the handler on the next `size` objects; resolves to the successes it published. */
  const invoke = async (size: number): Promise<number> => {
    const bodies = Array.from({ length: size }, (_, k) => sendBody(objectUuid(job.prefix, next + k)));
    next += size;
    const before = queue.successes;
    const response = await handler(buildSqsEvent(bodies), lambdaContext());
    if (response && response.batchItemFailures.length)
      throw new Error(`${response.batchItemFailures.length} records failed in a zero-fault run`);
    return queue.successes - before;
  };
  /** Invokes batches of `batchSize` until `total` SENDs were made; `after` runs after each batch. */
  const run = async (total: number, batchSize: number, after?: (done: number) => void): Promise<number> => {
    let ok = 0;
    for (let done = 0; done < total;) {
      const size = Math.min(batchSize, total - done);
      ok += await invoke(size);
      done += size;
      after?.(done);
    }
    return ok;
  };
  return { queue, client, run };
}

async function runPipeline(job: PipelineJob): Promise<JobResult> {
  const control = new SimControl(job.control);
  const { queue, client, run } = pipelineDriver(job, job.telemetry);
  await run(job.warmup, job.batchSize);
  const gcStart = collect();
  const rss: RssSample[] = [];
  const t0 = performance.now();
  const sample = (sends: number): void => {
    const m = process.memoryUsage();
    rss.push({ sends, rssBytes: m.rss, heapUsedBytes: m.heapUsed, elapsedMs: Math.round(performance.now() - t0) });
  };
  let lastSample = 0;
  const measurement = await measureWindow(control, job.sends, () =>
    run(job.sends, job.batchSize, (done) => {
      if (done - lastSample >= job.sampleEvery || done === job.sends) {
        lastSample = done;
        sample(done);
      }
    }),
  );
  const gcEnd = collect();
  await client.close();
  const heapAfterGc =
    gcStart && gcEnd
      ? { start: gcStart.heapUsed, end: gcEnd.heapUsed, rssStart: gcStart.rss, rssEnd: gcEnd.rss }
      : undefined;
  return {
    kind: 'pipeline',
    measurement,
    peakRssBytes: peakRss(),
    rss,
    ...(heapAfterGc && { heapAfterGc }),
    queueCalls: { ...queue.calls, outcomes: Object.fromEntries(queue.outcomes) },
    node: process.version,
  };
}

async function runBatchSizes(job: BatchSizesJob): Promise<JobResult> {
  const control = new SimControl(job.control);
  const { client, run } = pipelineDriver(job, 'powertools');
  await run(job.warmup, Math.max(...job.sizes));
  const totals = new Map<number, Measurement[]>();
  // Interleave rounds (10, 100, 1000, 1000, 100, 10, ...) so drift hits every size alike.
  for (let round = 0; round < job.rounds; round++) {
    const order = round % 2 === 0 ? job.sizes : [...job.sizes].reverse();
    for (const size of order) {
      const m = await measureWindow(control, job.sendsPerSize, () => run(job.sendsPerSize, size));
      totals.set(size, [...(totals.get(size) ?? []), m]);
    }
  }
  await client.close();
  const bySize = job.sizes.map((size) => ({ size, measurement: sumMeasurements(totals.get(size) ?? []) }));
  return {
    kind: 'batch-sizes',
    measurement: sumMeasurements(bySize.map((b) => b.measurement)),
    peakRssBytes: peakRss(),
    bySize,
    node: process.version,
  };
}

function sumMeasurements(list: readonly Measurement[]): Measurement {
  const sum = (k: keyof Measurement) => list.reduce((a, m) => a + m[k], 0);
  return {
    ok: sum('ok'),
    attempted: sum('attempted'),
    wallMs: sum('wallMs'),
    cpuUs: sum('cpuUs'),
    requests: sum('requests'),
    simSends: sum('simSends'),
    challenges: sum('challenges'),
    connections: sum('connections'),
    simCpuUs: sum('simCpuUs'),
  };
}

// ---------------------------------------------------------------------------------------------
// 3. A straightforward fetch client
// ---------------------------------------------------------------------------------------------

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** An RFC 2617 Digest answer to the first Digest challenge in `header`, as a quick script would write it. */
function digestAuthorization(header: string, method: string, uri: string): string {
  const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1] ?? '';
  const realm = param('realm');
  const nonce = param('nonce');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = md5(`${ADMIN.username}:${realm}:${ADMIN.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${ADMIN.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${param('opaque')}"`;
}

/** One SEND the simple way: a new connection per request, the 401 first, then the Digest answer. */
async function fetchSend(addresses: ClusterAddresses, uuid: string, i: number): Promise<boolean> {
  const node = addresses.source[i % addresses.source.length]!;
  const uri = `/${uuid}?alias&admin`;
  const headers = { 'castor-system-cluster': 'dr', 'castor-system-target': addresses.dr[0]! };
  const once = async (authorization?: string) => {
    const dispatcher = new Agent();
    try {
      const res = await fetch(`http://${node}${uri}`, {
        method: 'SEND',
        headers: authorization ? { ...headers, authorization } : headers,
        dispatcher,
      });
      const text = await res.text();
      return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', text };
    } finally {
      await dispatcher.close();
    }
  };
  const first = await once();
  if (first.status !== 401) return false;
  const second = await once(digestAuthorization(first.challenge, 'SEND', uri));
  return second.status === 200 && /Remote cluster returned: (201|409)/.test(second.text);
}

async function runFetch(job: FetchJob): Promise<JobResult> {
  const control = new SimControl(job.control);
  const send = (i: number) => fetchSend(job.addresses, objectUuid(job.prefix, i), i);
  await pooled(0, job.warmup, job.concurrency, send);
  const end = job.warmup + job.sends;
  const measurement = await measureWindow(control, job.sends, () => pooled(job.warmup, end, job.concurrency, send));
  return { kind: 'fetch', measurement, peakRssBytes: peakRss(), node: process.version };
}

// ---------------------------------------------------------------------------------------------
// 4. The ceiling: raw undici
// ---------------------------------------------------------------------------------------------

async function runRaw(job: RawJob): Promise<JobResult> {
  const control = new SimControl(job.control);
  const perNode = Math.ceil(job.concurrency / job.addresses.source.length);
  const pools = job.addresses.source.map((a) => new Pool(`http://${a}`, { connections: perNode, pipelining: 1 }));
  const headers = {
    authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`,
    'castor-system-cluster': 'dr',
    'castor-system-target': job.addresses.dr[0]!,
    'content-length': '0',
  };
  const send = async (i: number): Promise<boolean> => {
    const res = await pools[i % pools.length]!.request({
      path: `/${objectUuid(job.prefix, i)}?alias&admin`,
      method: 'SEND',
      headers,
    });
    await res.body.dump();
    return res.statusCode === 200;
  };
  await pooled(0, job.warmup, job.concurrency, send);
  const end = job.warmup + job.sends;
  const measurement = await measureWindow(control, job.sends, () => pooled(job.warmup, end, job.concurrency, send));
  await Promise.all(pools.map((p) => p.close()));
  return { kind: 'raw', measurement, peakRssBytes: peakRss(), node: process.version };
}

/** Runs one job. */
export function runJob(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'pipeline':
      return runPipeline(job);
    case 'batch-sizes':
      return runBatchSizes(job);
    case 'fetch':
      return runFetch(job);
    case 'raw':
      return runRaw(job);
  }
}
