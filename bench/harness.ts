/**
 * Shared set-up of the benchmark (bench.ts) and the chaos run (chaos.ts): the cluster registry
 * and configuration the handler runs with, the real handler wired the way the Lambda entry
 * wires it, Lambda-shaped SQS events, the simulator child process and its control endpoint, and
 * fauxqs queues. Runners import this file, so it loads nothing heavy at module level (fauxqs is
 * imported on demand).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient, type Message, type SQSClientConfig } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import type { CredentialsProvider, SendPort, QueueOps, Telemetry, WorkerDeps } from '../functions/worker/ports.js';
import { composeWorkerDeps, localLogger, powertoolsTelemetry } from '../functions/compose.js';
import type { Config } from '../functions/config.js';
import type { OutcomeRecord } from '../functions/core/outcome/outcome.js';
import type { Registry } from '../functions/core/registry/registry.js';
import { ENV_DEFAULTS } from '../functions/env.js';
import { createHandler } from '../functions/handlers/send.js';
import { toLambdaRecord, type SqsHandler } from '../local/event-source-mapping.js';
import { lambdaContext as localLambdaContext } from '../local/lambda-context.js';
import { pairRegistry } from '../local/pair-registry.js';
import { createSendQueues, type LocalQueue } from '../local/queues.js';
import { SummaryTelemetry } from '../local/summary.js';
import type { Counters } from '../simulator/index.js';

/**
 * The repository root: the nearest directory above this file with a package.json (bundled copies
 * live in bench/.build/).
 */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** Node 24 from node_modules (the system node is older). */
export const NODE_BIN = join(ROOT, 'node_modules', '.bin', 'node');
/** Where bench entries are bundled to (git-ignored). */
export const BUILD_DIR = join(ROOT, 'bench', '.build');
/** Where results are written (committed). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const REGION = 'us-east-1';
/** Admin on both simulated clusters; a local throw-away password. */
export const ADMIN = { username: 'admin', password: 'Bench-Pa55-word' } as const;
/** The env variable the credentials provider reads the admin from (an `env:` reference). */
const CREDENTIALS_VAR = 'SWARM_SEND_BENCH_ADMIN';
/** A queue ARN for events built without a real queue. */
export const BENCH_QUEUE_ARN = `arn:aws:sqs:${REGION}:000000000000:swarm-send-bench`;

/** Node addresses (`host:port`) of the source and DR clusters. */
export interface ClusterAddresses {
  readonly source: readonly string[];
  readonly dr: readonly string[];
}

/** A 32-hex object UUID: an 8-hex run prefix and a 24-hex sequence number. */
export function objectUuid(prefix: number, i: number): string {
  return `${prefix.toString(16).padStart(8, '0')}${i.toString(16).padStart(24, '0')}`;
}

/** The registry the handler runs with: the source cluster `baker` and the DR cluster `dr`. */
export function buildRegistry(a: ClusterAddresses): Registry {
  return pairRegistry({ ...a, networks: ['127.0.0.0/8'], credentials: `env:${CREDENTIALS_VAR}` });
}

/**
 * The handler configuration: the handler's defaults (ENV_DEFAULTS) except 16 SENDs in flight and
 * 8 per node, unless overridden; queue URLs are only used by QueueOps.
 */
export function buildConfig(registry: Registry, overrides: Partial<Omit<Config, 'registry'>> = {}): Config {
  return {
    registry,
    dlqUrl: 'http://127.0.0.1:1/000000000000/swarm-send-bench-dlq',
    outcomesQueueUrl: 'http://127.0.0.1:1/000000000000/swarm-send-bench-outcomes',
    maxAttempts: ENV_DEFAULTS.MAX_ATTEMPTS,
    concurrency: 16,
    concurrencyPerNode: 8,
    backoffBaseSeconds: ENV_DEFAULTS.BACKOFF_BASE_SECONDS,
    backoffCapSeconds: ENV_DEFAULTS.BACKOFF_CAP_SECONDS,
    deadlineMarginMs: ENV_DEFAULTS.DEADLINE_MARGIN_MS,
    ...overrides,
  };
}

/** The production credentials provider, reading the admin from an `env:` reference. */
export function benchCredentials(): CredentialsProvider {
  return createCredentialsProvider({ env: { [CREDENTIALS_VAR]: JSON.stringify(ADMIN) } });
}

/**
 * A QueueOps that talks to no queue: it records what the handler asked for and resolves at
 * once. The benchmark uses it so the figures are the handler and its SEND path alone.
 */
export class RecordingQueueOps implements QueueOps {
  readonly calls = {
    changeVisibility: 0,
    deadLetter: 0,
    publishOutcomes: 0,
    fanOut: 0,
    moveToLongRunningTier: 0,
    renew: 0,
  };
  readonly outcomes = new Map<string, number>();
  visibilityChanges = 0;

  async changeVisibility(entries: readonly { record: SQSRecord; seconds: number }[]): Promise<void> {
    this.calls.changeVisibility += 1;
    this.visibilityChanges += entries.length;
  }

  async deadLetter(_record: SQSRecord, outcome: OutcomeRecord): Promise<void> {
    this.calls.deadLetter += 1;
    this.count(`dead-lettered:${outcome.reason}`);
  }

  async publishOutcomes(outcomes: readonly OutcomeRecord[]): Promise<number[]> {
    this.calls.publishOutcomes += 1;
    for (const o of outcomes) this.count(o.outcome);
    return [];
  }

  /** The benchmark's messages name one destination each: a split is only counted. */
  async fanOut(): Promise<void> {
    this.calls.fanOut += 1;
  }

  /** A move to the large-object queue is only counted. */
  async moveToLongRunningTier(): Promise<void> {
    this.calls.moveToLongRunningTier += 1;
  }

  /** A renewal (a large object's wait carried by a new message) is only counted. */
  async renew(): Promise<void> {
    this.calls.renew += 1;
  }

  /** Terminal outcomes published so far that were successes (replicated or already-present). */
  get successes(): number {
    return (this.outcomes.get('replicated') ?? 0) + (this.outcomes.get('already-present') ?? 0);
  }

  private count(key: string): void {
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }
}

/**
 * Which telemetry the handler gets: `powertools` is what the Lambda entry builds (a JSON log
 * line per outcome at INFO, EMF metrics, both on stdout); `summary` is the local worker's
 * in-memory counters (no logging).
 */
export type TelemetryMode = 'powertools' | 'summary';

/** The real handler and what it was built with. */
export interface BenchHandler {
  readonly handler: SqsHandler;
  readonly client: SendPort;
  readonly logger: Logger;
  /** The dependencies the handler was built with (one container's). */
  readonly deps: WorkerDeps;
}

/**
 * Builds the handler as `handler` in functions/handlers/send.ts does (createHandler over the
 * composition root, functions/compose.ts: one SendClient per container, the production
 * credentials provider and, in `powertools` mode, the production telemetry), but with the
 * QueueOps and Telemetry given here.
 */
export function createBenchHandler(o: {
  config: Config;
  /** QueueOps (the recording fake) or the SQS client of the real adapter, optionally wrapped. */
  queue: QueueOps | { sqs: SQSClient; decorate?: (real: QueueOps) => QueueOps };
  telemetry: TelemetryMode | Telemetry;
  credentials?: CredentialsProvider;
}): BenchHandler {
  const logger = localLogger(o.telemetry === 'powertools');
  const telemetry: Telemetry =
    o.telemetry === 'powertools'
      ? powertoolsTelemetry(logger)
      : o.telemetry === 'summary'
        ? new SummaryTelemetry()
        : o.telemetry;
  const queue =
    'sqs' in o.queue
      ? { queue: { sqs: o.queue.sqs }, ...(o.queue.decorate && { decorateQueue: o.queue.decorate }) }
      : { queue: { ops: o.queue } };
  const deps = composeWorkerDeps({
    config: o.config,
    credentials: o.credentials ?? benchCredentials(),
    ...queue,
    telemetry,
  });
  const middy = createHandler(logger, async () => deps);
  return { handler: (event, context) => middy(event, context), client: deps.client, logger, deps };
}

/** The SEND message body of an alias object, as the producer writes it. */
export function sendBody(uuid: string, correlationId?: string): string {
  return JSON.stringify({ object: { uuid, alias: true }, ...(correlationId !== undefined && { correlationId }) });
}

/**
 * An SQS event in the shape Lambda delivers: each body goes through `toLambdaRecord`, the
 * converter the local event source mapping uses on received messages.
 */
export function buildSqsEvent(bodies: readonly string[], queueArn = BENCH_QUEUE_ARN): SQSEvent {
  const now = String(Date.now());
  const records = bodies.map((body): SQSRecord => {
    const message: Message = {
      MessageId: randomUUID(),
      ReceiptHandle: randomUUID(),
      Body: body,
      MD5OfBody: '',
      Attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: now,
        ApproximateFirstReceiveTimestamp: now,
        SenderId: '000000000000',
      },
    };
    return toLambdaRecord(message, queueArn, REGION);
  });
  return { Records: records };
}

/** A Lambda context whose deadline is `timeoutMs` from now (the benchmark's function). */
export function lambdaContext(timeoutMs = 900_000): Context {
  return localLambdaContext(timeoutMs, {
    functionName: 'swarm-send-bench',
    region: REGION,
    memoryMb: 1024,
    logStreamName: 'bench',
  });
}

// ---------------------------------------------------------------------------------------------
// The simulator child process and its control endpoint
// ---------------------------------------------------------------------------------------------

/** What the simulator child reports: counters plus its own CPU and memory. */
export interface SimSnapshot extends Counters {
  /** process.cpuUsage() of the simulator process, user + system, microseconds. */
  readonly cpuUs: number;
  readonly rssBytes: number;
}

/** The first message the simulator child sends: where everything listens. */
export interface SimReady extends ClusterAddresses {
  readonly type: 'ready';
  /** Base URL of the control endpoint, `http://127.0.0.1:<port>`. */
  readonly control: string;
}

/**
 * The V8 heap flags the Lambda Node.js runtime's bootstrap derives from the function's memory
 * (new space = memory / 10, semi-space = half of it, old space = the rest), plus --expose-gc,
 * which it also sets. Every Node client process runs with these for infra's default memory,
 * so RSS behaves as in the deployed function rather than with this host's 24 GB defaults.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** Posts JSON to the control endpoint (plain node:http, so no undici pool is shared). */
function controlCall<T>(base: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = httpRequest(
      `${base}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`control ${path}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Client of the simulator child's control endpoint. Any process can use it: the benchmark
 * runners read counters through it at the edges of their measured window.
 */
export class SimControl {
  constructor(readonly base: string) {}

  /** Counters summed over every node, and the simulator's CPU and RSS. */
  snapshot(): Promise<SimSnapshot> {
    return controlCall(this.base, '/snapshot');
  }

  /** Stores `count` alias objects in the source cluster with UUIDs `objectUuid(prefix, i)`. */
  seed(prefix: number, count: number): Promise<{ seeded: number }> {
    return controlCall(this.base, '/seed', { prefix, count });
  }

  /** How many of `objectUuid(prefix, 0..count-1)` the DR cluster holds. */
  drCount(prefix: number, count: number): Promise<{ present: number }> {
    return controlCall(this.base, '/dr-count', { prefix, count });
  }

  /** Deletes those objects from both clusters (keeps the simulator's memory bounded). */
  purge(prefix: number, count: number): Promise<{ deleted: number }> {
    return controlCall(this.base, '/purge', { prefix, count });
  }
}

/** A running simulator child. */
export interface SimProcess extends ClusterAddresses {
  readonly control: SimControl;
  readonly pid: number;
  close(): Promise<void>;
}

/** Differences of two snapshots (after - before). */
export function snapshotDelta(
  before: SimSnapshot,
  after: SimSnapshot,
): { requests: number; sends: number; challenges: number; connections: number; cpuUs: number } {
  return {
    requests: after.requests - before.requests,
    sends: after.sends - before.sends,
    challenges: after.challenges - before.challenges,
    connections: after.connections - before.connections,
    cpuUs: after.cpuUs - before.cpuUs,
  };
}

/**
 * Starts the simulator (zero latency: no keep-alive chunks, no delays) in its own Node 24
 * process, so the client's process.cpuUsage() is the client's alone and both sides get a core.
 * Counters are read through the child's control endpoint.
 */
export async function startSimulatorProcess(bundle: string): Promise<SimProcess> {
  const child = forkNode(bundle, [], { stdout: 'inherit' });
  const ready = await new Promise<SimReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as SimReady));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.once('error', reject);
  });
  return {
    source: ready.source,
    dr: ready.dr,
    control: new SimControl(ready.control),
    pid: child.pid ?? -1,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/**
 * Forks a bundled bench program on Node 24 with an IPC channel. stdout goes to /dev/null by
 * default (the handler's Powertools logs are written there, as Lambda writes them to a pipe).
 */
export function forkNode(
  file: string,
  execArgv: readonly string[] = [],
  o: { stdout?: 'ignore' | 'inherit'; stderr?: 'pipe' | 'inherit' } = {},
): ChildProcess {
  return fork(file, [], {
    execPath: NODE_BIN,
    execArgv: [...execArgv],
    stdio: ['ignore', o.stdout ?? 'ignore', o.stderr ?? 'inherit', 'ipc'],
    cwd: ROOT,
  });
}

// ---------------------------------------------------------------------------------------------
// fauxqs
// ---------------------------------------------------------------------------------------------

/** A queue's URL, ARN and name. */
export interface QueueRef {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
}

/** fauxqs with the SEND queue, its DLQ and the outcomes queue, as infra/ lays them out. */
export interface LocalQueues {
  readonly endpoint: string;
  readonly queue: QueueRef;
  readonly dlq: QueueRef;
  readonly outcomes: QueueRef;
  /** A new SQS client on fauxqs (one per simulated container), or on `endpoint` (a proxy in front of it). */
  client(o?: { endpoint?: string; requestHandler?: SQSClientConfig['requestHandler'] }): SQSClient;
  /** Visible + delayed + in-flight messages of a queue, read from fauxqs directly. */
  depth(q: QueueRef): number;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in-process (imported on demand: the benchmark's client processes never load it)
 * and creates the SEND queue with a redrive policy to the DLQ, the DLQ, and the outcomes queue.
 */
export async function startLocalQueues(o: {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}): Promise<LocalQueues> {
  const { startFauxqs } = await import('fauxqs');
  const fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const ref = (q: LocalQueue): QueueRef => ({ url: q.queueUrl, arn: q.queueArn, name: q.queueName });
  const created = createSendQueues(fauxqs, {
    visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
    maxReceiveCount: o.maxReceiveCount,
  });
  const [queue, dlq, outcomes] = [ref(created.queue), ref(created.dlq), ref(created.outcomes)];
  const clients: SQSClient[] = [];
  return {
    endpoint: fauxqs.address,
    queue,
    dlq,
    outcomes,
    client(o = {}) {
      const c = new SQSClient({
        endpoint: o.endpoint ?? fauxqs.address,
        region: REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        ...(o.requestHandler && { requestHandler: o.requestHandler }),
      });
      clients.push(c);
      return c;
    },
    depth(q) {
      const m = fauxqs.inspectQueue(q.name)?.messages;
      return m ? m.ready.length + m.delayed.length + m.inflight.length : 0;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await fauxqs.stop();
    },
  };
}

/** Median of a list (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
