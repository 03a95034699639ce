import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import { ConfigError } from '../../../functions/core/errors.js';
import { localLogger } from '../../../functions/compose.js';
import { createHandler, depsFromEnvironment } from '../../../functions/handlers/send.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { pairRegistryDocument } from '../../../local/pair-registry.js';
import { SIM_DEFAULT_ADMIN, startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { receiveAll, startLocalSqs, type Fauxqs } from '../../helpers/sqs.js';
import { testContext } from '../../helpers/lambda.js';
import { captureOutput, PASSWORD, startPipeline, type Pipeline } from '../../helpers/pipeline.js';

// The production wiring (depsFromEnvironment: configuration, SDK clients, credentials, queue
// ops, Powertools telemetry) run for real against fauxqs and the simulator; what a dead-lettered
// message carries; and that no secret reaches the DLQ or the outcome records.

const context = testContext(30_000, { frozen: true, functionName: 'swarm-send' });

describe('production wiring: depsFromEnvironment', () => {
  let fauxqs: Fauxqs;
  let sim: SwarmSimulator;
  let sqs: SQSClient;
  let local: Awaited<ReturnType<typeof startLocalSqs>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    local = await startLocalSqs();
    ({ fauxqs, sqs } = local);
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    // The SDK clients the handler builds read their endpoint and credentials from the process
    // environment, as in Lambda: point them at fauxqs with placeholder credentials.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(async () => {
    for (const k of ['AWS_ENDPOINT_URL_SQS', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await sim.close();
    await local.close();
  });

  const drain = (url: string) => receiveAll(sqs, url);

  it('builds the real dependencies from the environment; a broken configuration fails the invocation and is read again on the next', async () => {
    // fauxqs names its queues sqs.<region>.localhost; the SDK would send there rather than to
    // the configured endpoint, so the URLs are given on the loopback address.
    const loopback = (x: { queueUrl: string; queueArn: string }) => ({
      ...x,
      queueUrl: x.queueUrl.replace(/\/\/[^/]+\//, `//127.0.0.1:${fauxqs.port}/`),
    });
    const q = loopback(fauxqs.createQueue('wiring-sends'));
    const dlq = loopback(fauxqs.createQueue('wiring-dlq'));
    const outcomes = loopback(fauxqs.createQueue('wiring-outcomes'));
    const creds = JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password });
    const env: Record<string, string | undefined> = {
      SWARM_SEND_REGISTRY: JSON.stringify(
        pairRegistryDocument({
          source: sim.cluster('baker').addresses,
          dr: sim.cluster('dr').addresses,
          credentials: 'env:SRC',
        }),
      ),
      SWARM_SEND_OUTCOMES_QUEUE_URL: outcomes.queueUrl,
      SRC: creds,
    };
    const logger = localLogger(false);
    let builds = 0;
    const handler = createHandler(logger, () => (builds++, depsFromEnvironment(env, logger)));
    const obj = sim.cluster('baker').put({ body: 'x' });
    fauxqs.sendMessage('wiring-sends', JSON.stringify({ object: { uuid: obj.uuid } }));
    fauxqs.sendMessage('wiring-sends', 'not json');
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const records = (received.Messages ?? []).map((m) => toLambdaRecord(m, q.queueArn, 'us-east-1'));
    expect(records).toHaveLength(2);

    // No DLQ URL: the configuration is broken, the invocation fails as a whole.
    const broken = await captureOutput(() => handler({ Records: records }, context).catch((e: unknown) => e));
    expect(broken.result).toBeInstanceOf(ConfigError);
    expect(sim.counters().sends).toBe(0);

    env.SWARM_SEND_DLQ_URL = dlq.queueUrl;
    const { result } = await captureOutput(() => handler({ Records: records }, context) as Promise<SQSBatchResponse>);
    expect(result).toStrictEqual({ batchItemFailures: [] });
    expect(builds).toBe(2);
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    const dead = await drain(dlq.queueUrl);
    expect(dead.map((m) => [m.Body, m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue])).toStrictEqual([
      ['not json', 'invalid-message'],
    ]);
    expect((await drain(outcomes.queueUrl)).map((m) => JSON.parse(m.Body!).outcome).sort()).toStrictEqual([
      'failed',
      'replicated',
    ]);

    // Built once per container: a third invocation reuses the dependencies.
    await captureOutput(() => handler({ Records: [] }, context) as Promise<SQSBatchResponse>);
    expect(builds).toBe(2);
  });
});

describe('dead-lettered messages and secrets, over fauxqs', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });
  const attrs = (m: Message): Record<string, MessageAttributeValue> => m.MessageAttributes ?? {};

  it('a dead-lettered message keeps its original attributes and names its source message id', async () => {
    p = await startPipeline();
    await p.sqs.send(
      new SendMessageCommand({
        QueueUrl: p.queue.url,
        MessageBody: 'not json',
        MessageAttributes: {
          origin: { DataType: 'String', StringValue: 'app-1' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
          count: { DataType: 'Number', StringValue: '42' },
        },
      }),
    );
    const { records } = await p.deliver();
    const [dead] = await p.drain(p.dlq);
    const a = attrs(dead!);
    expect(dead!.Body).toBe('not json');
    expect(a[DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID]?.StringValue).toBe(records[0]!.messageId);
    expect(a[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('invalid-message');
    expect(JSON.parse(a[DLQ_ATTRIBUTES.OUTCOME]!.StringValue!)).toMatchObject({
      outcome: 'failed',
      reason: 'invalid-message',
      messageId: records[0]!.messageId,
    });
    expect(a.origin).toMatchObject({ DataType: 'String', StringValue: 'app-1' });
    expect(a.count).toMatchObject({ DataType: 'Number', StringValue: '42' });
    expect([...Buffer.from(a.blob!.BinaryValue!)]).toStrictEqual([0, 1, 254, 255]);
  });

  it('keeps at most ten attributes: its own three, then the original ones that fit', async () => {
    p = await startPipeline();
    const original = Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `v${i}` }]),
    );
    await p.sqs.send(
      new SendMessageCommand({ QueueUrl: p.queue.url, MessageBody: '{"object":{}}', MessageAttributes: original }),
    );
    await p.deliver();
    const [dead] = await p.drain(p.dlq);
    const names = Object.keys(attrs(dead!));
    expect(names).toHaveLength(10);
    // Its own three (the truncation attributes appear only on a truncated copy).
    expect(names).toEqual(
      expect.arrayContaining([DLQ_ATTRIBUTES.REASON, DLQ_ATTRIBUTES.OUTCOME, DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID]),
    );
    expect(names).not.toContain(DLQ_ATTRIBUTES.TRUNCATED);
    const kept = names.filter((n) => !n.startsWith('swarm-send.'));
    expect(kept).toHaveLength(7);
    for (const n of kept) expect(attrs(dead!)[n]?.StringValue).toBe(original[n]!.StringValue);
  });

  it('no password appears in a DLQ message, its attributes or an outcome record', async () => {
    p = await startPipeline({ drCredentials: { username: 'dradmin', password: 'Dr-Only-Secret-7' } });
    const rejected = p.sim.cluster('baker').put({ body: 'x' });
    const fine = p.sim.cluster('baker').put({ body: 'y' });
    await p.send(JSON.stringify({ object: { uuid: fine.uuid } }));
    await p.deliver();
    p.secrets.SRC_ADMIN = JSON.stringify({ username: 'admin', password: 'Wrong-Secret-123' });
    p.credentials.refresh('env:SRC_ADMIN');
    await p.send(JSON.stringify({ object: { uuid: rejected.uuid } }));
    await p.deliver();
    const dead = await p.drain(p.dlq);
    const outcomes = await p.drain(p.outcomes);
    expect(dead.map((m) => attrs(m)[DLQ_ATTRIBUTES.REASON]?.StringValue)).toStrictEqual(['auth-rejected']);
    expect(outcomes).toHaveLength(2);
    const everything = JSON.stringify([dead, outcomes]);
    for (const secret of [PASSWORD, 'Dr-Only-Secret-7', 'Wrong-Secret-123']) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/castor-system-auth|authorization/i);
  });
});
