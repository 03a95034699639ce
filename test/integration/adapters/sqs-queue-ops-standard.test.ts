import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import { drainQueue } from '../../../local/queues.js';
import { sampleOutcomeRecord, sqsRecord } from '../../helpers/records.js';
import { localSqsForTests } from '../../helpers/sqs.js';

// The SQS adapter with standard queues (fauxqs): what reaches them, attribute by attribute. The
// FIFO cases are in sqs-queue-ops.test.ts.

describe('SQS queue ops with standard queues (fauxqs)', () => {
  const local = localSqsForTests();
  let n = 0;
  const queue = () => local.fauxqs.createQueue(`standard-${++n}`).queueUrl;

  it('dead-letters to a standard DLQ with no message group (that would make it a fair queue) and no deduplication id', async () => {
    const dlq = queue();
    // What the SDK sends, read on its way out (fauxqs ignores both fields on a standard queue).
    const sent: Record<string, unknown>[] = [];
    const sqs = new SQSClient({
      endpoint: local.fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    sqs.middlewareStack.add(
      (next) => async (args) => {
        sent.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'initialize', name: 'recordInput' },
    );
    try {
      const ops = createSqsQueueOps({ sqs, dlqUrl: dlq, outcomesQueueUrl: null });
      await ops.deadLetter(sqsRecord('m1', 'body'), sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden' }));
    } finally {
      sqs.destroy();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ QueueUrl: dlq, MessageBody: 'body' });
    expect(sent[0]).not.toHaveProperty('MessageGroupId');
    expect(sent[0]).not.toHaveProperty('MessageDeduplicationId');
    expect((await drainQueue(local.sqs, dlq)).map((m) => m.Body)).toStrictEqual(['body']);
  });

  it('publishes each outcome with its reason as a String attribute', async () => {
    const outcomes = queue();
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: queue(), outcomesQueueUrl: outcomes });
    const records = [
      sampleOutcomeRecord({ messageId: 'a' }),
      sampleOutcomeRecord({ messageId: 'b', outcome: 'failed', reason: 'forbidden' }),
    ];
    expect(await ops.publishOutcomes(records)).toStrictEqual([]);
    const got = await drainQueue(local.sqs, outcomes);
    expect(
      got.map((m) => [JSON.parse(m.Body!).messageId, m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]]).sort(),
    ).toStrictEqual([
      ['a', { DataType: 'String', StringValue: 'created' }],
      ['b', { DataType: 'String', StringValue: 'forbidden' }],
    ]);
  });
});
