import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  buildDeadLetter,
  messageSize,
  SQS_CLASSIC_MESSAGE_BYTES,
  DLQ_ATTRIBUTES,
} from '../../../functions/adapters/dlq-message.js';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { drainQueue } from '../../../local/queues.js';
import { sampleOutcomeRecord, sqsRecord } from '../../helpers/records.js';
import { localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// The SQS adapter against fauxqs: FIFO dead-lettering and outcome publishing in batches of ten,
// with the group and deduplication ids a FIFO queue needs. The partial failures fauxqs cannot
// make are faked with aws-sdk-client-mock.

const outcome = (i: number, over: Partial<OutcomeRecord> = {}): OutcomeRecord =>
  sampleOutcomeRecord({ attempt: 2, durationMs: 1, messageId: `m${i}`, ...over });

const record = (id: string, group?: string): SQSRecord => sqsRecord(id, `{"n":"${id}"}`, group ? { group } : {});

describe('SQS queue ops against fauxqs (FIFO queues)', () => {
  const local = localSqsForTests();
  const fifo = (name: string) =>
    local.fauxqs.createQueue(`${name}.fifo`, { attributes: { FifoQueue: 'true' } }).queueUrl;
  const sys = (m: Message) => m.Attributes ?? {};
  /** Receives and deletes every message: a FIFO group shows its next message only then. */
  const all = (url: string) => drainQueue(local.sqs, url);

  it('publishes outcomes in batches of ten to a FIFO queue, one group, deduplicated by message and attempt', async () => {
    const url = fifo('outcomes-1');
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: fifo('dlq-1'), outcomesQueueUrl: url });
    const outcomes = Array.from({ length: 12 }, (_, i) => outcome(i));
    expect(await ops.publishOutcomes(outcomes)).toStrictEqual([]);
    const got = await all(url);
    expect(got.map((m) => JSON.parse(m.Body!).messageId).sort()).toStrictEqual(outcomes.map((o) => o.messageId).sort());
    expect(new Set(got.map((m) => sys(m).MessageGroupId))).toStrictEqual(new Set(['outcomes']));
    expect(got.map((m) => sys(m).MessageDeduplicationId).sort()).toStrictEqual(
      outcomes.map((o) => `${o.messageId}-2`).sort(),
    );
    expect(got.every((m) => m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue === 'created')).toBe(true);
  });

  it('publishes nothing without an outcomes queue or without outcomes', async () => {
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: fifo('dlq-2'), outcomesQueueUrl: null });
    expect(await ops.publishOutcomes([outcome(1)])).toStrictEqual([]);
    const url = fifo('outcomes-3');
    expect(
      await createSqsQueueOps({ sqs: local.sqs, dlqUrl: fifo('dlq-3'), outcomesQueueUrl: url }).publishOutcomes([]),
    ).toStrictEqual([]);
    expect(await receiveAll(local.sqs, url)).toStrictEqual([]);
  });

  it('dead-letters to a FIFO DLQ in the message group of the original, deduplicated by its message id', async () => {
    const dlq = fifo('dlq-4');
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: dlq, outcomesQueueUrl: null });
    await ops.deadLetter(record('x1', 'orders-7'), outcome(1, { outcome: 'failed', reason: 'forbidden' }));
    await ops.deadLetter(record('x2'), outcome(2, { outcome: 'failed', reason: 'bad-request' }));
    const got = await all(dlq);
    expect(got.map((m) => [m.Body, sys(m).MessageGroupId, sys(m).MessageDeduplicationId]).sort()).toStrictEqual([
      ['{"n":"x1"}', 'orders-7', 'x1'],
      ['{"n":"x2"}', 'swarm-send', 'x2'],
    ]);
  });
});

describe('SQS queue ops look-ups: queue URLs and the DLQ size limit (fauxqs)', () => {
  const local = localSqsForTests();
  let sqs: SQSClient;
  /** SQS calls that succeeded, by command name (counted on a client of this describe's own). */
  let succeeded: Map<string, number>;
  beforeEach(() => {
    sqs = new SQSClient({
      endpoint: local.fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const counts = new Map<string, number>();
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
        return out;
      },
      { step: 'initialize', name: 'countSucceeded' },
    );
    succeeded = counts;
  });
  afterEach(() => sqs.destroy());
  const aborted = () => AbortSignal.abort();
  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as Error,
    );

  /** A message of a new queue, received (hidden), as Lambda delivers it. */
  const received = async (name: string) => {
    const q = local.fauxqs.createQueue(name);
    await local.sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'one' }));
    const out = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }),
    );
    return toLambdaRecord(out.Messages![0]!, q.queueArn, 'us-east-1');
  };

  it('looks a source queue URL up once, and again after a failed look-up', async () => {
    const dlqUrl = local.fauxqs.createQueue('lookup-dlq').queueUrl;
    const ops = createSqsQueueOps({ sqs, dlqUrl, outcomesQueueUrl: null });
    const later = {
      ...(await received('lookup-other')),
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:lookup-later',
    };
    // The queue does not exist yet: the backoff fails, and so does its look-up.
    expect(await rejection(ops.changeVisibility([{ record: later, seconds: 0 }]))).toMatchObject({
      name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/),
    });
    const record = await received('lookup-later');
    await ops.changeVisibility([{ record, seconds: 30 }]);
    await ops.changeVisibility([{ record, seconds: 0 }]);
    expect(succeeded.get('GetQueueUrlCommand')).toBe(1);
    expect(succeeded.get('ChangeMessageVisibilityBatchCommand')).toBe(2);
  });

  it('an aborted backoff sends nothing, not even the queue URL look-up', async () => {
    const record = await received('lookup-aborted');
    const ops = createSqsQueueOps({ sqs, dlqUrl: record.eventSourceARN, outcomesQueueUrl: null });
    expect(await rejection(ops.changeVisibility([{ record, seconds: 0 }], aborted()))).toMatchObject({
      name: 'AbortError',
    });
    expect(succeeded.get('GetQueueUrlCommand')).toBeUndefined();
  });

  const limitQueue = (name: string) => local.fauxqs.createQueue(name).queueUrl;
  const letterOf = (bytes: number) => sqsRecord('big', 'z'.repeat(bytes));
  const failed = outcome(1, { outcome: 'failed', reason: 'invalid-message' });
  /** The `truncated` mark of the outcome a dead-lettering resolves to. */
  const cut = async (p: Promise<void | OutcomeRecord>) => ((await p) as OutcomeRecord).truncated;

  it('does not ask the DLQ its size limit for a letter of up to 256 KiB', async () => {
    const dlqUrl = limitQueue('limit-small');
    const ops = createSqsQueueOps({ sqs, dlqUrl, outcomesQueueUrl: null });
    await ops.deadLetter(letterOf(1000), failed);
    // A letter of exactly 256 KiB, body and attributes together.
    const room = SQS_CLASSIC_MESSAGE_BYTES - messageSize('', buildDeadLetter(letterOf(0), failed).attributes);
    expect(await cut(ops.deadLetter(letterOf(room), failed))).toBeUndefined();
    expect(succeeded.get('GetQueueAttributesCommand')).toBeUndefined();
    expect((await receiveAll(local.sqs, dlqUrl)).map((m) => m.Body!.length).sort()).toStrictEqual([1000, room]);
  });

  it('reads the limit of a DLQ that takes 1 MiB once, for letters over 256 KiB, and keeps them whole', async () => {
    const dlqUrl = limitQueue('limit-large');
    const ops = createSqsQueueOps({ sqs, dlqUrl, outcomesQueueUrl: null });
    expect(await cut(ops.deadLetter(letterOf(300_000), failed))).toBeUndefined();
    expect(await cut(ops.deadLetter(letterOf(400_000), failed))).toBeUndefined();
    expect(succeeded.get('GetQueueAttributesCommand')).toBe(1);
    expect((await receiveAll(local.sqs, dlqUrl)).map((m) => m.Body!.length).sort()).toStrictEqual([300_000, 400_000]);
  });

  it('an aborted dead-lettering does not read the limit, and the next one reads it', async () => {
    const dlqUrl = limitQueue('limit-aborted');
    const ops = createSqsQueueOps({ sqs, dlqUrl, outcomesQueueUrl: null });
    expect(await rejection(ops.deadLetter(letterOf(300_000), failed, aborted()))).toMatchObject({ name: 'AbortError' });
    expect(succeeded.get('GetQueueAttributesCommand')).toBeUndefined();
    expect(await cut(ops.deadLetter(letterOf(300_000), failed))).toBeUndefined();
    expect(succeeded.get('GetQueueAttributesCommand')).toBe(1);
    expect((await receiveAll(local.sqs, dlqUrl)).map((m) => m.Body!.length)).toStrictEqual([300_000]);
  });
});

describe('SQS queue ops when a batch fails in part (SDK faked)', () => {
  it('returns the indexes of the outcomes not published, across batches, and all of a batch that threw', async () => {
    const mock = mockClient(SQSClient);
    try {
      mock
        .on(SendMessageBatchCommand)
        .resolvesOnce({ Successful: [], Failed: [{ Id: '3', Code: 'InternalError', SenderFault: false }] })
        .resolvesOnce({ Successful: [], Failed: [{ Id: '11', Code: 'InternalError', SenderFault: false }] })
        .rejects(new Error('throttled'));
      const ops = createSqsQueueOps({
        sqs: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
        dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
        outcomesQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/outcomes',
      });
      const failed = await ops.publishOutcomes(Array.from({ length: 23 }, (_, i) => outcome(i)));
      expect(failed.sort((a, b) => a - b)).toStrictEqual([3, 11, 20, 21, 22]);
      const calls = mock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.Id));
      expect(calls).toStrictEqual([
        Array.from({ length: 10 }, (_, i) => String(i)),
        Array.from({ length: 10 }, (_, i) => String(i + 10)),
        ['20', '21', '22'],
      ]);
      expect(mock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageGroupId).toBeUndefined();
    } finally {
      mock.restore();
    }
  });
});
