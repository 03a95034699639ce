import { createServer, type Server, type Socket } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import type { Config } from '../../../functions/config.js';
import { parseRegistry } from '../../../functions/core/registry.js';
import { SendClient } from '../../../functions/core/send-client.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { startSimulator, SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../../simulator/index.js';

// Queue calls after the SEND deadline are bounded by the invocation's remaining time: the real
// SDK client against a loopback TCP server that accepts connections and never answers.

/** Accepts every connection, reads the requests, never answers. */
async function blackHole(): Promise<{ server: Server; url: string; targets: string[]; openSockets: () => number }> {
  const sockets = new Set<Socket>();
  const targets: string[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      for (const m of d.toString('latin1').matchAll(/^x-amz-target:\s*(\S+)/gim)) targets.push(m[1]!);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, targets, openSockets: () => sockets.size };
}

function recordOf(id: string, body: string): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'x', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:sends',
    awsRegion: 'us-east-1',
  } as SQSRecord;
}

describe('queue calls against an SQS endpoint that never answers', () => {
  let sim: SwarmSimulator;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let sqs: SQSClient;
  let client: SendClient;
  beforeAll(async () => {
    sim = await startSimulator({ clusters: [{ name: 'baker', nodes: 1 }, { name: 'dr', nodes: 1 }] });
    hole = await blackHole();
    sqs = new SQSClient({ endpoint: hole.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    client = new SendClient();
  });
  afterAll(async () => {
    sqs.destroy();
    await client.close();
    hole.server.close();
    await sim.close();
  });

  /** One invocation with a fake remaining time of 2.5 s (SEND deadline 1.5 s, queue calls until 0.25 s). */
  async function invoke(records: SQSRecord[]) {
    const config: Config = {
      registry: parseRegistry({
        clusters: { primary: { name: 'baker', nodes: [...sim.cluster('baker').addresses], credentials: 'env:A' }, dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'env:A' } },
        defaultRoute: { from: 'primary', to: 'dr' },
      }),
      dlqUrl: `${hole.url}/000000000000/dlq`,
      outcomesQueueUrl: `${hole.url}/000000000000/outcomes`,
      maxAttempts: 5, concurrency: 4, concurrencyPerNode: 4, backoffBaseSeconds: 1, backoffCapSeconds: 1, deadlineMarginMs: 1000,
    };
    hole.targets.length = 0;
    const warnings: string[] = [];
    const remainingMs = 2500;
    const started = Date.now();
    const context = { getRemainingTimeInMillis: () => remainingMs - (Date.now() - started) };
    const response = await processBatch(records, context, {
      config,
      client,
      credentials: createCredentialsProvider({ env: { A: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }) } }),
      queue: createSqsQueueOps({ sqs, dlqUrl: config.dlqUrl, outcomesQueueUrl: config.outcomesQueueUrl }),
      telemetry: { outcome: () => undefined, warn: (m) => void warnings.push(m), flush: () => undefined },
    });
    return { response, warnings, remainingAtReturn: context.getRemainingTimeInMillis(), targets: [...new Set(hole.targets)].sort() };
  }

  it('bounds the DLQ and outcomes calls by the remaining time: processBatch returns before the deadline and keeps every message', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    const r = await invoke([
      recordOf('invalid', 'not json'), // -> DLQ
      recordOf('replicated', JSON.stringify({ object: { uuid: obj.uuid } })), // -> outcomes queue
      recordOf('retry', JSON.stringify({ object: { uuid: 'f'.repeat(32) } })), // 404 at the source -> visibility
    ]);
    // Returned while the invocation still had time left.
    expect(r.remainingAtReturn).toBeGreaterThan(0);
    // Nothing was recorded anywhere, so nothing is acknowledged.
    expect(r.response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toStrictEqual(['invalid', 'replicated', 'retry']);
    expect(r.targets).toStrictEqual(['AmazonSQS.SendMessage', 'AmazonSQS.SendMessageBatch']);
    expect(r.warnings).toEqual(expect.arrayContaining(['dead-lettering failed; the message stays on its queue', 'outcomes could not be published', 'backoff not applied']));
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  }, 20_000);

  it('bounds the visibility call (and its queue URL lookup) by the remaining time', async () => {
    const r = await invoke([recordOf('retry', JSON.stringify({ object: { uuid: 'e'.repeat(32) } }))]);
    expect(r.remainingAtReturn).toBeGreaterThan(0);
    expect(r.response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'retry' }]);
    expect(r.targets).toStrictEqual(['AmazonSQS.GetQueueUrl']);
    expect(r.warnings).toStrictEqual(['backoff not applied']);
  }, 20_000);
});
