import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createCredentialsProvider } from '../../functions/adapters/credentials.js';
import type { CredentialsProvider, QueueOps, Telemetry } from '../../functions/worker/ports.js';
import { composeWorkerDeps, localLogger, powertoolsTelemetry, type WorkerParts } from '../../functions/compose.js';
import type { Config } from '../../functions/config.js';
import { parseRegistry } from '../../functions/core/registry/registry.js';
import { createHandler } from '../../functions/handlers/send.js';
import { toLambdaRecord, type SqsHandler } from '../../local/event-source-mapping.js';
import { pairRegistryDocument, type PairRegistryDocument } from '../../local/pair-registry.js';
import { drainQueue } from '../../local/queues.js';
import { SummaryTelemetry } from '../../local/summary.js';
import { startSimulator, type ClusterSpec, type SimulatorOptions, type SwarmSimulator } from '../../simulator/index.js';
import { testConfig } from './config.js';
import { testContext } from './lambda.js';
import { startLocalSqs, type Fauxqs } from './sqs.js';

export const PASSWORD = 'Pipeline-Pa55-word';
export const REGION = 'us-east-1';

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

export interface PipelineOptions {
  readonly sim?: Omit<Partial<SimulatorOptions>, 'clusters'>;
  readonly source?: Partial<ClusterSpec>;
  readonly dr?: Partial<ClusterSpec>;
  readonly config?: Partial<Omit<Config, 'registry' | 'dlqUrl' | 'outcomesQueueUrl'>>;
  readonly fifo?: boolean;
  readonly verify?: boolean;
  /** Destination credentials differ from the source's (Castor-System-Auth is sent). */
  readonly drCredentials?: { username: string; password: string };
  /** Use Powertools logger + metrics (stdout), as in Lambda, instead of the in-memory summary. */
  readonly powertools?: boolean;
  readonly queueOps?: (real: QueueOps) => QueueOps;
  /** The SQS client the handler's QueueOps use, given fauxqs's endpoint (default: one straight to fauxqs). */
  readonly queueClient?: (fauxqsEndpoint: string) => Promise<SQSClient>;
  /** Where outcome events go when `config.events` names a bus (composeWorkerDeps' `events`). */
  readonly events?: WorkerParts['events'];
  /** Changes the registry document before it is parsed (routes, replication feeds...). */
  readonly registry?: (base: PairRegistryDocument) => PairRegistryDocument;
  /**
   * A second DR cluster, `dr2` (registry key and cluster name), for fan-out: the registry gets
   * the route `primary` -> [`dr`, `dr2`] besides the default route to `dr`.
   */
  readonly secondDr?: Partial<ClusterSpec>;
  /** A large-object queue (`large-objects`), its URL in `config.largeObjectQueueUrl` (docs/large-objects.md). */
  readonly largeObjectQueue?: boolean;
}

/**
 * The real handler (createHandler) wired to fauxqs and the Swarm simulator, with the helpers
 * a test needs to deliver batches exactly as Lambda's event source mapping would.
 */
export interface Pipeline {
  readonly fauxqs: Fauxqs;
  readonly sim: SwarmSimulator;
  readonly sqs: SQSClient;
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly outcomes: Queue;
  /** The large-object queue, with `largeObjectQueue`; else null. */
  readonly largeObjects: Queue | null;
  readonly secrets: Record<string, string | undefined>;
  readonly credentials: CredentialsProvider;
  readonly summary: SummaryTelemetry;
  readonly config: Config;
  /** Every warning the handler logged (ignored hints, failed queue calls...). */
  readonly warnings: { message: string; fields: Record<string, unknown> | undefined }[];
  /** The handler itself, for a LocalEventSourceMapping. */
  readonly handler: SqsHandler;
  send(body: string, extra?: { groupId?: string }): Promise<void>;
  /** Receives up to `max` visible messages (Lambda record shape). */
  receive(max?: number, waitSeconds?: number): Promise<SQSRecord[]>;
  /** One invocation on these records, then deletes the ones not reported as failures (as Lambda does). */
  invoke(records: SQSRecord[], remainingMs?: number): Promise<SQSBatchResponse>;
  /** Receives one batch and invokes the handler on it. */
  deliver(max?: number, remainingMs?: number): Promise<{ records: SQSRecord[]; response: SQSBatchResponse }>;
  /** Reads (and deletes) every message of a queue. */
  drain(queue: Queue): Promise<Message[]>;
  /**
   * A container restart: the worker instance stops (its connections closed) and a new one, with
   * fresh dependencies and no memory of the old one, takes the next deliveries.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(o: PipelineOptions = {}): Promise<Pipeline> {
  const local = await startLocalSqs();
  const { fauxqs, sqs } = local;
  const sim = await startSimulator({
    keepalive: { count: 1, intervalMs: 0 },
    ...o.sim,
    clusters: [
      { name: 'baker', nodes: 2, admins: { admin: PASSWORD }, ...o.source },
      {
        name: 'dr',
        nodes: 1,
        admins: { admin: PASSWORD, ...(o.drCredentials && { [o.drCredentials.username]: o.drCredentials.password }) },
        ...o.dr,
      },
      ...(o.secondDr ? [{ name: 'dr2', nodes: 1, admins: { admin: PASSWORD }, ...o.secondDr }] : []),
    ],
  });
  const suffix = o.fifo ? '.fifo' : '';
  const fifoAttrs: Record<string, string> = o.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const mk = (name: string, attributes: Record<string, string> = {}) => {
    const q = fauxqs.createQueue(`${name}${suffix}`, { attributes: { ...fifoAttrs, ...attributes } });
    return { url: q.queueUrl, arn: q.queueArn };
  };
  const dlq = mk('dlq');
  const outcomes = mk('outcomes');
  const queue = mk('sends', { VisibilityTimeout: '30' });
  const largeObjects = o.largeObjectQueue ? mk('large-objects', { VisibilityTimeout: '30' }) : null;

  const secrets: Record<string, string | undefined> = {
    SRC_ADMIN: JSON.stringify({ username: 'admin', password: PASSWORD }),
    DR_ADMIN: JSON.stringify(o.drCredentials ?? { username: 'admin', password: PASSWORD }),
  };
  const pair = pairRegistryDocument({
    source: sim.cluster('baker').addresses,
    dr: sim.cluster('dr').addresses,
    credentials: { source: 'env:SRC_ADMIN', dr: 'env:DR_ADMIN' },
    ...(o.verify && { verify: true }),
  });
  const document = o.secondDr ? withSecondDr(pair, sim.cluster('dr2').addresses) : pair;
  const registry = parseRegistry(o.registry ? o.registry(document) : document);
  const config = testConfig({
    registry,
    dlqUrl: dlq.url,
    outcomesQueueUrl: outcomes.url,
    maxAttempts: 3,
    concurrency: 8,
    ...(largeObjects && { largeObjectQueueUrl: largeObjects.url }),
    ...o.config,
  });
  const credentials = createCredentialsProvider({ env: secrets });
  const warnings: Pipeline['warnings'] = [];
  const summary = new SummaryTelemetry({
    outcome: () => undefined,
    warn: (message, fields) => void warnings.push({ message, fields }),
    flush: () => undefined,
  });
  const logger = localLogger(o.powertools ?? false);
  const telemetry: Telemetry = o.powertools ? tee(powertoolsTelemetry(logger), summary) : summary;
  const queueSqs = o.queueClient ? await o.queueClient(fauxqs.address) : sqs;
  // One worker instance (a container): its own dependencies, connections and handler.
  const instance = () => {
    const deps = composeWorkerDeps({
      config,
      credentials,
      queue: { sqs: queueSqs },
      ...(o.queueOps && { decorateQueue: o.queueOps }),
      telemetry,
      random: () => 1,
      ...(o.events && { events: o.events }),
    });
    return { deps, handler: createHandler(logger, async () => deps) };
  };
  let current = instance();

  const receive = async (max = 10, waitSeconds = 0) => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return (out.Messages ?? []).map((m) => toLambdaRecord(m, queue.arn, REGION));
  };
  const invoke = async (records: SQSRecord[], remainingMs = 30_000) => {
    const response = (await current.handler({ Records: records }, testContext(remainingMs))) as SQSBatchResponse;
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = records.filter((r) => !failed.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: done.slice(i, i + 10).map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    return response;
  };
  return {
    fauxqs,
    sim,
    sqs,
    queue,
    dlq,
    outcomes,
    largeObjects,
    secrets,
    credentials,
    summary,
    config,
    warnings,
    handler: (event, context) => current.handler(event, context),
    async restart() {
      await current.deps.client.close();
      current = instance();
    },
    async send(body, extra = {}) {
      fauxqs.sendMessage(queue.url.split('/').pop()!, body, o.fifo ? { messageGroupId: extra.groupId ?? 'g' } : {});
    },
    receive,
    invoke,
    async deliver(max = 10, remainingMs = 30_000) {
      const records = await receive(max);
      return { records, response: await invoke(records, remainingMs) };
    },
    drain: (q) => drainQueue(sqs, q.url),
    async close() {
      await current.deps.client.close();
      await sim.close();
      await local.close();
    },
  };
}

/** The pair's registry with the cluster `dr2` and a route from `primary` to both DR clusters. */
function withSecondDr(pair: PairRegistryDocument, addresses: readonly string[]): PairRegistryDocument {
  return {
    ...pair,
    clusters: {
      ...pair.clusters,
      dr2: { name: 'dr2', target: addresses[0], nodes: [...addresses], credentials: 'env:SRC_ADMIN' },
    },
    routes: [...(pair.routes ?? []), { from: 'primary', to: ['dr', 'dr2'] }],
  };
}

function tee(a: Telemetry, b: Telemetry): Telemetry {
  return {
    outcome: (r, s) => (a.outcome(r, s), b.outcome(r, s)),
    warn: (m, f) => (a.warn(m, f), b.warn(m, f)),
    flush: () => (a.flush(), b.flush()),
    eventsNotPublished: (n) => (a.eventsNotPublished?.(n), b.eventsNotPublished?.(n)),
  };
}

/** Captures everything written to stdout and stderr while `fn` runs (Powertools writes there). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
