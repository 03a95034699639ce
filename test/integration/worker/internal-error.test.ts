import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import type { SendReport } from '../../../functions/core/send/observation.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { SendClient, type SendInput } from '../../../functions/core/send/send-client.js';
import type { Telemetry } from '../../../functions/worker/ports.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { SIM_DEFAULT_ADMIN, startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { testConfig } from '../../helpers/config.js';
import { receiveAll, startLocalSqs, type Fauxqs } from '../../helpers/sqs.js';

// A bug is not data: an unexpected error while a record is processed gets its own reason
// (internal-error), is retried like a transient failure and is dead-lettered with that reason
// when the attempts run out. Real fauxqs, real simulator, real SendClient; the bug is planted in
// a SendPort that wraps the client and throws for one object.

const PASSWORD = SIM_DEFAULT_ADMIN.password;

/** The real client, with a bug planted for one UUID: its SEND path throws a TypeError. */
class BuggyPort {
  constructor(
    private readonly real: SendClient,
    private readonly buggy: string,
  ) {}
  observe(input: SendInput): Promise<SendReport> {
    if ('uuid' in input.object && input.object.uuid === this.buggy)
      throw new TypeError("Cannot read properties of undefined (reading 'remoteStatus')");
    return this.real.observe(input);
  }
  head: SendClient['head'] = (...args) => this.real.head(...args);
  objectRequest: SendClient['objectRequest'] = (...args) => this.real.objectRequest(...args);
  copy: SendClient['copy'] = (...args) => this.real.copy(...args);
  close = async (): Promise<void> => undefined; // the real client is closed by afterAll
}

describe('an unexpected error (a bug) while processing a record', () => {
  let sim: SwarmSimulator;
  let local: { fauxqs: Fauxqs; sqs: SQSClient; close(): Promise<void> };
  let client: SendClient;
  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    local = await startLocalSqs();
    client = new SendClient();
  });
  afterAll(async () => {
    await client.close();
    await local.close();
    await sim.close();
  });

  it('is retried as internal-error, then dead-lettered with that reason and no stack; the rest of the batch replicates', async () => {
    const { fauxqs, sqs } = local;
    const queue = fauxqs.createQueue('bug-sends', { attributes: { VisibilityTimeout: '30' } });
    const dlq = fauxqs.createQueue('bug-dlq');
    const outcomes = fauxqs.createQueue('bug-outcomes');
    const config = testConfig({
      registry: parseRegistry({
        clusters: {
          primary: { name: 'baker', nodes: [...sim.cluster('baker').addresses], credentials: 'env:A' },
          dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'env:A' },
        },
        defaultRoute: { from: 'primary', to: 'dr' },
      }),
      dlqUrl: dlq.queueUrl,
      outcomesQueueUrl: outcomes.queueUrl,
      maxAttempts: 3,
      backoffBaseSeconds: 1,
      backoffCapSeconds: 1,
    });
    const [good, bad] = [sim.cluster('baker').put({ body: 'good' }), sim.cluster('baker').put({ body: 'bad' })];
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const seen: { id: string; outcome: string; reason: string; attempt: number }[] = [];
    const telemetry: Telemetry = {
      outcome: (r) =>
        void seen.push({
          id: r.object && 'uuid' in r.object ? r.object.uuid : '',
          outcome: r.outcome,
          reason: r.reason,
          attempt: r.attempt,
        }),
      warn: (message, fields) => void warnings.push({ message, ...(fields && { fields }) }),
      flush: () => undefined,
    };
    const deps = {
      config,
      client: new BuggyPort(client, bad.uuid),
      credentials: createCredentialsProvider({
        env: { A: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: PASSWORD }) },
      }),
      queue: createSqsQueueOps({ sqs, dlqUrl: dlq.queueUrl, outcomesQueueUrl: outcomes.queueUrl }),
      telemetry,
      random: () => 0, // a backoff of 0 s: the retry is visible again at once
    };
    for (const o of [good, bad])
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
      );

    /** One delivery as Lambda makes it: receive, invoke, delete what was not reported failed. */
    const deliver = async (): Promise<SQSRecord[]> => {
      const got = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const records = (got.Messages ?? []).map((m) => toLambdaRecord(m, queue.queueArn, 'us-east-1'));
      const response = await processBatch(records, { getRemainingTimeInMillis: () => 30_000 }, deps);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queue.queueUrl,
            Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      return records;
    };
    for (let i = 0; i < 3; i++) await deliver();

    expect(seen.filter((s) => s.id === good.uuid)).toStrictEqual([
      { id: good.uuid, outcome: 'replicated', reason: 'created', attempt: 1 },
    ]);
    expect(seen.filter((s) => s.id === bad.uuid)).toStrictEqual([
      { id: bad.uuid, outcome: 'retry', reason: 'internal-error', attempt: 1 },
      { id: bad.uuid, outcome: 'retry', reason: 'internal-error', attempt: 2 },
      { id: bad.uuid, outcome: 'failed', reason: 'internal-error', attempt: 3 },
    ]);
    expect(sim.cluster('dr').has({ uuid: good.uuid })).toBe(true);
    const [letter, ...more] = await receiveAll(sqs, dlq.queueUrl);
    expect(more).toHaveLength(0);
    expect(letter?.Body).toBe(JSON.stringify({ object: { uuid: bad.uuid } }));
    expect(letter?.MessageAttributes?.['swarm-send.reason']?.StringValue).toBe('internal-error');
    const record = JSON.parse(letter?.MessageAttributes?.['swarm-send.outcome']?.StringValue ?? '{}');
    expect(record).toMatchObject({
      outcome: 'failed',
      reason: 'internal-error',
      retriesExhausted: true,
      detail: "unexpected TypeError while sending: Cannot read properties of undefined (reading 'remoteStatus')",
    });
    expect(JSON.stringify(letter)).not.toContain('    at ');
    // The stack is in the log, once per attempt.
    const stacks = warnings.filter((w) => w.message === 'unexpected error processing a message (internal-error)');
    expect(stacks).toHaveLength(3);
    expect(stacks[0]?.fields?.stack).toEqual(expect.stringContaining('TypeError: Cannot read properties of undefined'));
    expect(stacks[0]?.fields?.stack).toEqual(expect.stringContaining('    at '));
    expect(await receiveAll(sqs, queue.queueUrl)).toHaveLength(0);
  }, 60_000);
});
