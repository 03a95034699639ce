import { ReceiveMessageCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { drainQueue } from '../../../local/queues.js';
import { sqsRecord } from '../../helpers/records.js';
import { localSqsForTests } from '../../helpers/sqs.js';

// The SQS adapter's move of a large object's message to the large-object queue, and its renewal
// on its own queue (fauxqs): the body and the sender's attributes as they came, the copy's start,
// a standard queue's delay, a FIFO queue's group and deduplication.

describe('SQS queue ops: moveToLongRunningTier (fauxqs)', () => {
  const local = localSqsForTests();
  let n = 0;
  const standard = () => local.fauxqs.createQueue(`large-${++n}`).queueUrl;
  const fifo = () => local.fauxqs.createQueue(`large-${++n}.fifo`, { attributes: { FifoQueue: 'true' } }).queueUrl;
  const BODY = JSON.stringify({ object: { uuid: 'a'.repeat(32) }, size: 5_000_000_000 });

  it("puts the body and the sender's attributes on the large-object queue, not swarm-send's own", async () => {
    const large = standard();
    const ops = createSqsQueueOps({
      sqs: local.sqs,
      dlqUrl: standard(),
      outcomesQueueUrl: null,
      largeObjectQueueUrl: large,
    });
    const record = sqsRecord('m1', BODY, {
      messageAttributes: {
        tenant: { dataType: 'String', stringValue: 'blue', stringListValues: [], binaryListValues: [] },
        'swarm-send.reason': { dataType: 'String', stringValue: 'x', stringListValues: [], binaryListValues: [] },
      },
    });
    await ops.moveToLongRunningTier(record);
    const got = await drainQueue(local.sqs, large);
    expect(got.map((m) => [m.Body, m.MessageAttributes])).toStrictEqual([
      [BODY, { tenant: { DataType: 'String', StringValue: 'blue' } }],
    ]);
  });

  it("keeps a FIFO record's message group and deduplicates a repeated move by its message id", async () => {
    const large = fifo();
    const ops = createSqsQueueOps({
      sqs: local.sqs,
      dlqUrl: standard(),
      outcomesQueueUrl: null,
      largeObjectQueueUrl: large,
    });
    const record = sqsRecord('m2', BODY, { group: 'orders-7' });
    await ops.moveToLongRunningTier(record);
    await ops.moveToLongRunningTier(record);
    const got = await drainQueue(local.sqs, large);
    expect(got.map((m) => [m.Body, m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId])).toStrictEqual([
      [BODY, 'orders-7', 'm2'],
    ]);
  });

  it('rejects without a large-object queue, and when the queue does not exist', async () => {
    const none = createSqsQueueOps({ sqs: local.sqs, dlqUrl: standard(), outcomesQueueUrl: null });
    await expect(none.moveToLongRunningTier(sqsRecord('m3', BODY))).rejects.toThrow('no large-object queue');
    const gone = createSqsQueueOps({
      sqs: local.sqs,
      dlqUrl: standard(),
      outcomesQueueUrl: null,
      largeObjectQueueUrl: `${local.fauxqs.address}/000000000000/no-such-queue`,
    });
    await expect(gone.moveToLongRunningTier(sqsRecord('m4', BODY))).rejects.toThrow();
  });
});

describe('SQS queue ops: renew (fauxqs)', () => {
  const local = localSqsForTests();
  let n = 0;
  const BODY = JSON.stringify({ object: { uuid: 'b'.repeat(32) }, size: 5_000_000_000 });
  const COPY_START = 1_700_000_000_000;
  const ATTRIBUTES: Record<string, MessageAttributeValue> = {
    tenant: { DataType: 'String', StringValue: 'blue' },
    'swarm-send.copy-started-at': { DataType: 'Number', StringValue: '1' },
  };

  /** A message of a new queue, received (hidden), as Lambda delivers it. */
  async function received(fifo: boolean) {
    const q = fifo
      ? local.fauxqs.createQueue(`renew-${++n}.fifo`, { attributes: { FifoQueue: 'true' } })
      : local.fauxqs.createQueue(`renew-${++n}`);
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: q.queueUrl,
        MessageBody: BODY,
        MessageAttributes: ATTRIBUTES,
        ...(fifo ? { MessageGroupId: 'orders-7', MessageDeduplicationId: 'first' } : {}),
      }),
    );
    const out = await local.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.queueUrl,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: q.queueUrl, outcomesQueueUrl: null });
    return { q, ops, record: toLambdaRecord(out.Messages![0]!, q.queueArn, 'us-east-1') };
  }

  const fresh = (name: string, original: string) =>
    local.fauxqs
      .inspectQueue(name)!
      .messages.delayed.concat(local.fauxqs.inspectQueue(name)!.messages.ready)
      .filter((m) => m.messageId !== original);

  it("puts the message again on a standard queue with the copy's start, delayed at most 15 minutes", async () => {
    const { q, ops, record } = await received(false);
    await ops.renew(record, { copyStartedAtMs: COPY_START, delaySeconds: 1200 });
    const [renewed, ...more] = fresh(q.queueName, record.messageId);
    expect(more).toStrictEqual([]);
    expect(renewed!.body).toBe(BODY);
    // The sender's attributes as they came; swarm-send's own replaced by the copy's start.
    expect(renewed!.messageAttributes).toStrictEqual({
      tenant: { DataType: 'String', StringValue: 'blue' },
      'swarm-send.copy-started-at': { DataType: 'Number', StringValue: String(COPY_START) },
    });
    expect(renewed!.delayUntil! - renewed!.sentTimestamp).toBe(900_000);
  });

  it('keeps a FIFO message group, deduplicates by message id and attempt, and does not delay', async () => {
    const { q, ops, record } = await received(true);
    await ops.renew(record, { copyStartedAtMs: COPY_START, delaySeconds: 1200 });
    await ops.renew(record, { copyStartedAtMs: COPY_START, delaySeconds: 1200 });
    const renewed = fresh(q.queueName, record.messageId);
    expect(renewed.map((m) => [m.body, m.messageGroupId, m.messageDeduplicationId, m.delayUntil ?? 0])).toStrictEqual([
      [BODY, 'orders-7', `${record.messageId}:renew:1`, 0],
    ]);
    expect(renewed[0]!.messageAttributes['swarm-send.copy-started-at']?.StringValue).toBe(String(COPY_START));
  });
});
