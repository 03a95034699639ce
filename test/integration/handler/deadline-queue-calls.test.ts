import { createServer, type Server, type Socket } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { pairRegistry } from '../../../local/pair-registry.js';
import { testConfig } from '../../helpers/config.js';
import { startSimulator, SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../../simulator/index.js';
import { testContext } from '../../helpers/lambda.js';
import { sqsRecord } from '../../helpers/records.js';

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
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    targets,
    openSockets: () => sockets.size,
  };
}

describe('queue calls against an SQS endpoint that never answers', () => {
  let sim: SwarmSimulator;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let sqs: SQSClient;
  let client: SendClient;
  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    hole = await blackHole();
    sqs = new SQSClient({
      endpoint: hole.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    client = new SendClient();
  });
  afterAll(async () => {
    sqs.destroy();
    await client.close();
    hole.server.close();
    await sim.close();
  });

  /**
   * One invocation with a fake remaining time of 4 s and a deadline margin of 2 s: SEND deadline
   * at 2 s, queue calls until 3.5 s (a quarter of the margin kept for the response).
   */
  async function invoke(records: SQSRecord[]) {
    const registry = pairRegistry({
      source: sim.cluster('baker').addresses,
      dr: sim.cluster('dr').addresses,
      credentials: 'env:A',
    });
    const config = testConfig({
      registry,
      dlqUrl: `${hole.url}/000000000000/dlq`,
      outcomesQueueUrl: `${hole.url}/000000000000/outcomes`,
      deadlineMarginMs: 2000,
    });
    hole.targets.length = 0;
    const warnings: string[] = [];
    const remainingMs = 4000;
    const context = testContext(remainingMs);
    const response = await processBatch(records, context, {
      config,
      client,
      credentials: createCredentialsProvider({
        env: { A: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }) },
      }),
      queue: createSqsQueueOps({ sqs, dlqUrl: config.dlqUrl, outcomesQueueUrl: config.outcomesQueueUrl }),
      telemetry: { outcome: () => undefined, warn: (m) => void warnings.push(m), flush: () => undefined },
    });
    return {
      response,
      warnings,
      remainingAtReturn: context.getRemainingTimeInMillis(),
      targets: [...new Set(hole.targets)].sort(),
    };
  }

  // One call per invocation, each meeting the black hole with time left: the DLQ write of an
  // invalid message, the outcome of a replicated one, the backoff of a retried one (whose queue
  // URL lookup is the first call). Nothing could be recorded, so every record stays queued.
  it.each([
    ['DLQ', 'not json', 'AmazonSQS.SendMessage', 'dead-lettering failed; the message stays on its queue'],
    ['outcomes', 'replicated', 'AmazonSQS.SendMessageBatch', 'outcomes could not be published'],
    [
      'visibility',
      JSON.stringify({ object: { uuid: 'f'.repeat(32) } }),
      'AmazonSQS.GetQueueUrl',
      'backoff not applied',
    ],
  ])(
    'bounds the %s call by the remaining time: processBatch returns before the deadline and keeps the message',
    async (_call, body, target, warning) => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const r = await invoke([
        sqsRecord('m-1', body === 'replicated' ? JSON.stringify({ object: { uuid: obj.uuid } }) : body),
      ]);
      expect(r.remainingAtReturn).toBeGreaterThan(0);
      expect(r.response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'm-1' }]);
      expect(r.targets).toStrictEqual([target]);
      expect(r.warnings).toContain(warning);
    },
    20_000,
  );
});
