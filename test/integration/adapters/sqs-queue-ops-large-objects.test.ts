import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { drainQueue } from '../../../local/queues.js';
import { sqsRecord } from '../../helpers/records.js';
import { localSqsForTests } from '../../helpers/sqs.js';

// The SQS adapter's move of a large object's message to the large-object queue (fauxqs): the
// body and the sender's attributes as they came, a FIFO queue's group and deduplication.

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
