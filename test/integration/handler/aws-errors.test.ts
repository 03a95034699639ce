import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import type { Config } from '../../../functions/config.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { SummaryTelemetry } from '../../../local/summary.js';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { pairRegistry } from '../../../local/pair-registry.js';
import { testConfig } from '../../helpers/config.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { testContext } from '../../helpers/lambda.js';
import { sqsRecord } from '../../helpers/records.js';

// SQS failures that fauxqs cannot produce on demand: the SDK client is faked with
// aws-sdk-client-mock; the SEND side stays real (the simulator).

const SENDS_ARN = 'arn:aws:sqs:us-east-1:123456789012:sends';
const record = (id: string, body: string, receiveCount = 1): SQSRecord =>
  sqsRecord(id, body, { receiveCount, queueArn: SENDS_ARN });

describe('processBatch when SQS itself fails', () => {
  let sim: SwarmSimulator;
  let config: Config;
  const sqsMock = mockClient(SQSClient);
  const client = new SendClient();
  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    config = testConfig({
      registry: pairRegistry({
        source: sim.cluster('baker').addresses,
        dr: sim.cluster('dr').addresses,
        credentials: 'env:A',
      }),
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
      outcomesQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/outcomes',
      maxAttempts: 3,
      backoffBaseSeconds: 10,
      backoffCapSeconds: 100,
      deadlineMarginMs: 100,
    });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => sqsMock.reset());

  const run = (records: SQSRecord[], summary = new SummaryTelemetry()) =>
    processBatch(records, testContext(10_000, { frozen: true }), {
      config,
      client,
      credentials: createCredentialsProvider({
        env: { A: JSON.stringify({ username: 'admin', password: 'ourpwdofchoicehere' }) },
      }),
      queue: createSqsQueueOps({
        sqs: new SQSClient({ region: 'us-east-1' }),
        dlqUrl: config.dlqUrl,
        outcomesQueueUrl: config.outcomesQueueUrl,
      }),
      telemetry: summary,
      random: () => 0.5,
    });

  it('keeps a message on its queue when the DLQ refuses it, so nothing is lost', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const summary = new SummaryTelemetry();
    const response = await run([record('bad', 'not json')], summary);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(summary.warnings).toBeGreaterThan(0);
  });

  it('keeps a replicated message whose outcome could not be published; the next attempt publishes it', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const response = await run([record('ok', JSON.stringify({ object: { uuid: obj.uuid } }))]);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'ok' }] });
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  });

  it('applies the backoff with ChangeMessageVisibilityBatch (full jitter: half of base * 2^(attempt-1))', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    sim.faults.add({ match: { object: obj.uuid }, kind: { type: 'remote-status', status: 503 } });
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sends' });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const response = await run([record('r', JSON.stringify({ object: { uuid: obj.uuid } }), 2)]);
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'r' }]);
    const calls = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toStrictEqual({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sends',
      Entries: [{ Id: '0', ReceiptHandle: 'rh-r', VisibilityTimeout: 10 }],
    });
    expect(sqsMock.commandCalls(GetQueueUrlCommand)[0]!.args[0].input).toStrictEqual({
      QueueName: 'sends',
      QueueOwnerAWSAccountId: '123456789012',
    });
  });

  it('gives up on a credentials read that outlives the deadline and returns the record untried', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    const started = Date.now();
    const response = await processBatch(
      [record('slow-secret', JSON.stringify({ object: { uuid: obj.uuid } }))],
      testContext(2000, { frozen: true }),
      {
        config: { ...config, deadlineMarginMs: 1000 },
        client,
        credentials: { get: () => new Promise(() => undefined), refresh: () => undefined },
        queue: createSqsQueueOps({
          sqs: new SQSClient({ region: 'us-east-1' }),
          dlqUrl: config.dlqUrl,
          outcomesQueueUrl: null,
        }),
        telemetry: new SummaryTelemetry(),
      },
    );
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'slow-secret' }]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('still reports the retry when the visibility change fails (the queue timeout applies instead)', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    sim.faults.add({ match: { object: obj.uuid }, kind: { type: 'remote-status', status: 503 } });
    sqsMock.on(GetQueueUrlCommand).rejects(new Error('AccessDenied'));
    const summary = new SummaryTelemetry();
    const response = await run([record('r2', JSON.stringify({ object: { uuid: obj.uuid } }))], summary);
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'r2' }]);
    expect(summary.warnings).toBe(1);
  });
});
