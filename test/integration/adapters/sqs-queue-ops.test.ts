import { SendMessageBatchCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsQueueOps, DLQ_ATTRIBUTES } from '../../../functions/adapters/sqs-queue-ops.js';
import type { OutcomeRecord } from '../../../functions/core/outcome.js';
import { drainQueue } from '../../../local/queues.js';
import { outcomeRecord, sqsRecord } from '../../helpers/records.js';
import { receiveAll, startLocalSqs } from '../../helpers/sqs.js';

// The SQS adapter against fauxqs: FIFO dead-lettering and outcome publishing in batches of ten,
// with the group and deduplication ids a FIFO queue needs. The partial failures fauxqs cannot
// make are faked with aws-sdk-client-mock.

const outcome = (i: number, over: Partial<OutcomeRecord> = {}): OutcomeRecord =>
  outcomeRecord({ attempt: 2, durationMs: 1, messageId: `m${i}`, ...over });

const record = (id: string, group?: string): SQSRecord => sqsRecord(id, `{"n":"${id}"}`, group ? { group } : {});

describe('SQS queue ops against fauxqs (FIFO queues)', () => {
  let local: Awaited<ReturnType<typeof startLocalSqs>>;
  beforeAll(async () => {
    local = await startLocalSqs();
  });
  afterAll(() => local.close());
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
