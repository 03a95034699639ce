import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { RECONCILE_METRICS } from '../../../functions/adapters/reconcile-telemetry.js';
import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { parseSendMessage, type SendMessage } from '../../../functions/core/message/message.js';
import { ENV, RECONCILE_ENV } from '../../../functions/env.js';
import { createReconcileHandler } from '../../../functions/handlers/reconcile.js';
import { loadReconcileConfig } from '../../../functions/reconcile-config.js';
import { parseContinuation, type Continuation } from '../../../functions/reconcile/continuations.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../../simulator/index.js';
import { testContext } from '../../helpers/lambda.js';
import { simulatorRegistryDocument } from '../../helpers/swarm.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

// The reconcile function as AWS runs it: EventBridge Scheduler's start event, then every
// continuation delivered from the (FIFO) reconcile queue one per invocation, as the event source
// mapping does. SQS is fauxqs; both clusters are the simulator.

const REGION = 'us-east-1';
const DOMAIN = 'example.com';
const HOUR_AGO = new Date(Date.now() - 3600_000);

/** Keeps what the handler publishes instead of writing EMF to stdout. */
class CapturedMetrics extends Metrics {
  readonly lines: ReturnType<Metrics['serializeMetrics']>[] = [];
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) this.lines.push(this.serializeMetrics());
    this.clearMetrics();
    return this;
  }
  /** The sum of one metric over every published line. */
  total(name: string): number {
    return this.lines.reduce((n, l) => n + Number((l as unknown as Record<string, unknown>)[name] ?? 0), 0);
  }
}

type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

let fauxqs: Fauxqs;
let sim: SwarmSimulator;
let sqs: SQSClient;
let transport: ClusterTransport;
let reconcileQueue: { url: string; arn: string };
let sendQueue: { url: string; arn: string };

beforeEach(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sim = await startSimulatorPair();
  sqs = new SQSClient({
    endpoint: fauxqs.address,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  transport = new ClusterTransport();
  const fifo = fauxqs.createQueue('reconcile.fifo', { attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } });
  reconcileQueue = { url: fifo.queueUrl, arn: fifo.queueArn };
  const sends = fauxqs.createQueue('sends');
  sendQueue = { url: sends.queueUrl, arn: sends.queueArn };
});

afterEach(async () => {
  await transport.close();
  await sim.close();
  sqs.destroy();
  await fauxqs.stop();
});

/** Source objects (an hour old), their DR copies except `missing`, one DR-only object and one too new to judge. */
function seed(missing: readonly string[]): { all: string[] } {
  const all: string[] = [];
  for (const bucket of ['photos', 'docs']) {
    for (let i = 0; i < 6; i++) {
      const name = `${bucket}-${i} &+#%`;
      all.push(`${bucket}/${name}`);
      const obj = { domain: DOMAIN, bucket, name, body: `${bucket} ${i}`, created: HOUR_AGO };
      sim.cluster('baker').put(obj);
      if (!missing.includes(`${bucket}/${name}`)) sim.cluster('dr').put(obj);
    }
  }
  sim.cluster('dr').put({ domain: DOMAIN, bucket: 'photos', name: 'only-on-dr', body: 'x', created: HOUR_AGO });
  sim.cluster('baker').put({ domain: DOMAIN, bucket: 'docs', name: 'just-written', body: 'new' });
  return { all };
}

async function handlerFor(env: Record<string, string>, route: Record<string, unknown> = {}) {
  const secrets = {
    SRC_ADMIN: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }),
  };
  const document = simulatorRegistryDocument(sim, 'env:SRC_ADMIN');
  const registry = { ...document, defaultRoute: { ...document.defaultRoute, ...route } };
  // The environment the construct sets, read by the handler's own loader.
  const config = await loadReconcileConfig({
    [ENV.REGISTRY]: JSON.stringify(registry),
    [RECONCILE_ENV.QUEUE_URL]: reconcileQueue.url,
    [RECONCILE_ENV.SEND_QUEUE_URL]: sendQueue.url,
    [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN }]),
    [RECONCILE_ENV.PAGE_SIZE]: '2',
    // A long margin: the hard stop (half of it, in real time) never cuts a slice on a busy
    // machine; the soft budget (remaining - margin) is read on the ticking clock below.
    [RECONCILE_ENV.MARGIN_MS]: '20000',
    ...env,
  });
  const metrics = new CapturedMetrics({ namespace: 'SwarmSend', serviceName: 'swarm-send' });
  // A clock that moves 1 ms per reading (near the real time, so the grace period means what it
  // says): with a budget of a few ms, a slice covers a few rows and must hand over the rest.
  const base = Date.now();
  let ticks = 0;
  const clock = () => base + ticks++;
  const handler = createReconcileHandler(new Logger({ logLevel: 'SILENT' }), async () => ({
    config,
    sqs,
    transport,
    credentials: createCredentialsProvider({ env: secrets }),
    metrics,
    clock,
  }));
  return { handler, metrics, config };
}

const context = (remainingMs: number) => testContext(remainingMs, { frozen: true, functionName: 'reconcile' });

async function receive(url: string, arn: string, max = 1): Promise<SQSRecord[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['All'] }),
  );
  return (out.Messages ?? []).map((m) => toLambdaRecord(m, arn, REGION));
}

async function drainSends(): Promise<SendMessage[]> {
  const out: SendMessage[] = [];
  for (;;) {
    const records = await receive(sendQueue.url, sendQueue.arn, 10);
    if (!records.length) return out;
    out.push(...records.map((r) => parseSendMessage(r.body)));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: sendQueue.url,
        Entries: records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
}

/** The event source mapping: one continuation per invocation, deleted unless reported failed. */
async function runQueue(
  handler: Awaited<ReturnType<typeof handlerFor>>['handler'],
  remainingMs: number,
): Promise<Continuation[]> {
  const worked: Continuation[] = [];
  for (let i = 0; i < 500; i++) {
    const records = await receive(reconcileQueue.url, reconcileQueue.arn);
    if (!records.length) return worked;
    worked.push(parseContinuation(records[0]!.body));
    const response = (await handler({ Records: records }, context(remainingMs))) as SQSBatchResponse;
    expect(response.batchItemFailures).toStrictEqual([]);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: reconcileQueue.url,
        Entries: [{ Id: '0', ReceiptHandle: records[0]!.receiptHandle }],
      }),
    );
  }
  throw new Error('the reconcile queue did not drain');
}

describe('the reconcile function as Scheduler and SQS invoke it', () => {
  test('a scheduled run, worked across continuations, enqueues exactly the objects missing on DR as SEND messages and deletes nothing', async () => {
    const missing = ['photos/photos-1 &+#%', 'photos/photos-4 &+#%', 'docs/docs-5 &+#%'];
    seed(missing);
    const sourceCount = sim.cluster('baker').objectCount;
    const drCount = sim.cluster('dr').objectCount;
    const { handler, metrics } = await handlerFor({});

    const started = (await handler({ reconcile: 'start', scheduledTime: '2026-11-25T02:00:00Z' }, context(60_000))) as {
      started: number;
      run: string;
    };
    expect(started).toStrictEqual({ started: 1, run: '2026-11-25T02:00:00Z' });

    // 20 s margin + 6 ms of budget: a handful of rows per slice.
    const worked = await runQueue(handler, 20_006);
    expect(worked[0]!.scope).toStrictEqual({ kind: 'buckets', domain: DOMAIN });
    const scopes = new Set(worked.slice(1).map((c) => JSON.stringify(c.scope)));
    expect(scopes).toStrictEqual(
      new Set([
        JSON.stringify({ kind: 'named', domain: DOMAIN, bucket: 'docs' }),
        JSON.stringify({ kind: 'named', domain: DOMAIN, bucket: 'photos' }),
      ]),
    );
    // The budget ran out inside each bucket, so each was handed over at least once, from a marker.
    for (const bucket of ['docs', 'photos']) {
      const slices = worked.filter((c) => c.scope.kind === 'named' && c.scope.bucket === bucket);
      expect(slices.length).toBeGreaterThan(1);
      expect(slices.slice(1).every((c) => c.marker !== null)).toBe(true);
    }

    const sends = await drainSends();
    expect(
      sends.map((m) => `${(m.object as { bucket: string }).bucket}/${(m.object as { name: string }).name}`).sort(),
    ).toStrictEqual([...missing].sort());
    for (const m of sends)
      expect(m).toMatchObject({
        from: 'primary',
        to: 'dr',
        correlationId: 'reconcile:2026-11-25T02:00:00Z',
        object: { domain: DOMAIN },
      });

    // Nothing deleted anywhere; the DR-only object is still there; the too-new one was not sent.
    expect(sim.cluster('baker').objectCount).toBe(sourceCount);
    expect(sim.cluster('dr').objectCount).toBe(drCount);
    expect(sim.cluster('dr').has({ domain: DOMAIN, bucket: 'photos', name: 'only-on-dr' })).toBe(true);

    expect(metrics.total(RECONCILE_METRICS.MISSING_ON_DR)).toBe(3);
    expect(metrics.total(RECONCILE_METRICS.EXTRA_ON_DR)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.DIFFERENT)).toBe(0);
    expect(metrics.total(RECONCILE_METRICS.REPAIRS_ENQUEUED)).toBe(3);
    expect(metrics.total(RECONCILE_METRICS.MISSING_ON_DR_BYTES)).toBe(
      Buffer.byteLength('photos 1') * 2 + Buffer.byteLength('docs 5'),
    );
    // Every key of both listings compared once: 12 shared names, 1 DR-only, 1 too new.
    expect(metrics.total(RECONCILE_METRICS.OBJECTS_SCANNED)).toBe(14);
    // One run-duration datapoint per finished bucket.
    expect(metrics.lines.filter((l) => RECONCILE_METRICS.RUN_DURATION in (l as object))).toHaveLength(2);
    // Complete: both buckets' listings ended on both clusters, every row counted once over the slices.
    expect(metrics.total(RECONCILE_METRICS.SCOPES_COMPLETE)).toBe(2);
    expect(metrics.total(RECONCILE_METRICS.SCOPE_ERRORS)).toBe(0);
    expect(metrics.total(RECONCILE_METRICS.SOURCE_ROWS_LISTED)).toBe(13);
    expect(metrics.total(RECONCILE_METRICS.DR_ROWS_LISTED)).toBe(10);
    expect(metrics.total(RECONCILE_METRICS.COUNT_WARNINGS)).toBe(0);
    // The route ignores deletes (the default): nothing deleted, and the metric says so.
    expect(metrics.total(RECONCILE_METRICS.EXTRA_DELETED)).toBe(0);
  });

  test('a route that propagates deletes: the scheduled run deletes what is only on DR (the source HEAD answering 404), and counts it', async () => {
    seed([]);
    const { handler, metrics } = await handlerFor(
      { [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['photos'] }]) },
      { deletes: 'propagate' },
    );
    await handler({ reconcile: 'start', scheduledTime: '2026-11-25T04:00:00Z' }, context(60_000));
    await runQueue(handler, 20_006);
    expect(sim.cluster('dr').has({ domain: DOMAIN, bucket: 'photos', name: 'only-on-dr' })).toBe(false);
    expect(sim.cluster('dr').has({ domain: DOMAIN, bucket: 'photos', name: 'photos-0 &+#%' })).toBe(true);
    expect(metrics.total(RECONCILE_METRICS.EXTRA_ON_DR)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.EXTRA_DELETED)).toBe(1);
    expect(await drainSends()).toStrictEqual([]);
  });

  test('a listed name no request can carry is counted and reported; its scope still finishes, nothing goes to the DLQ', async () => {
    seed(['docs/docs-2 &+#%']);
    sim.cluster('baker').put({ domain: DOMAIN, bucket: 'docs', name: 'docs-3 \ud800', body: 'x', created: HOUR_AGO });
    const { handler, metrics } = await handlerFor({
      [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['docs'] }]),
    });
    await handler({ reconcile: 'start', scheduledTime: '2026-11-25T06:00:00Z' }, context(60_000));
    await runQueue(handler, 20_006); // asserts that no delivery failed
    expect((await drainSends()).map((m) => (m.object as { name: string }).name)).toStrictEqual(['docs-2 &+#%']);
    expect(metrics.total(RECONCILE_METRICS.UNNAMEABLE)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.MISSING_ON_DR)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.SCOPES_COMPLETE)).toBe(1);
  });

  test('in report mode, divergence is counted and nothing is enqueued', async () => {
    seed(['docs/docs-0 &+#%']);
    const { handler, metrics } = await handlerFor({
      [RECONCILE_ENV.REPAIR]: 'report',
      [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['docs'] }]),
    });
    await handler({ reconcile: 'start', scheduledTime: '2026-11-25T03:00:00Z' }, context(60_000));
    await runQueue(handler, 60_000);
    expect(await drainSends()).toStrictEqual([]);
    expect(metrics.total(RECONCILE_METRICS.MISSING_ON_DR)).toBe(1);
  });

  test('a continuation delivered twice hands over one next continuation, and a repeated start adds no second run', async () => {
    seed(['photos/photos-5 &+#%']);
    const { handler } = await handlerFor({
      [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['photos'] }]),
    });
    const start = { reconcile: 'start', scheduledTime: '2026-11-25T04:00:00Z' } as const;
    await handler(start, context(60_000));
    await handler(start, context(60_000)); // Scheduler retried the start
    const [first] = await receive(reconcileQueue.url, reconcileQueue.arn, 10);
    expect(parseContinuation(first!.body)).toMatchObject({
      scope: { kind: 'named', bucket: 'photos' },
      marker: null,
      slice: 1,
    });
    // The same delivery twice (the first invocation's acknowledgement was lost).
    await handler({ Records: [first!] }, context(20_006));
    await handler({ Records: [first!] }, context(20_006));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: reconcileQueue.url,
        Entries: [{ Id: '0', ReceiptHandle: first!.receiptHandle }],
      }),
    );
    const next = await receive(reconcileQueue.url, reconcileQueue.arn, 10);
    expect(next).toHaveLength(1);
    expect(parseContinuation(next[0]!.body)).toMatchObject({ slice: 2, marker: expect.any(String) });
  });

  test('a slice that breaks (its next continuation cannot be enqueued) fails that delivery, reported and counted, never the invocation', async () => {
    seed([]);
    const { handler, metrics } = await handlerFor({
      [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['photos'] }]),
    });
    await handler({ reconcile: 'start', scheduledTime: '2026-11-25T07:00:00Z' }, context(60_000));
    const records = await receive(reconcileQueue.url, reconcileQueue.arn);
    fauxqs.deleteQueue('reconcile.fifo');
    // A budget of a few rows: the slice must hand over a continuation, and SQS refuses it.
    const response = (await handler({ Records: records }, context(20_006))) as SQSBatchResponse;
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: records[0]!.messageId }]);
    expect(metrics.total(RECONCILE_METRICS.SCOPE_ERRORS)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.SCOPES_COMPLETE)).toBe(0);
  });

  test('a listing error without progress fails the delivery (SQS tries again, then dead-letters it), never reads as empty', async () => {
    seed([]);
    const { handler, metrics } = await handlerFor({
      [RECONCILE_ENV.SCOPES]: JSON.stringify([{ domain: DOMAIN, buckets: ['photos'] }]),
    });
    await handler({ reconcile: 'start', scheduledTime: '2026-11-25T05:00:00Z' }, context(60_000));
    sim.cluster('dr').searchEnabled = false;
    const records = await receive(reconcileQueue.url, reconcileQueue.arn);
    const response = (await handler({ Records: records }, context(60_000))) as SQSBatchResponse;
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: records[0]!.messageId }]);
    expect(await drainSends()).toStrictEqual([]);
    expect(metrics.total(RECONCILE_METRICS.SCOPE_ERRORS)).toBe(1);
    expect(metrics.total(RECONCILE_METRICS.SCOPES_COMPLETE)).toBe(0);
    expect(metrics.total(RECONCILE_METRICS.MISSING_ON_DR)).toBe(0);
  });
});
