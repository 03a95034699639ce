import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { sampleOutcomeRecord, sqsRecord } from '../../helpers/records.js';
import { localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// Every SQS call of the queue ops carries the worker's abort signal: once the signal has fired,
// a backoff, a dead-lettering or an outcome publish changes nothing on the queues (fauxqs). The
// other aborted cases (the queue URL look-up, the DLQ size-limit read) are in sqs-queue-ops.test.ts.

describe('SQS queue ops after the abort signal fired (fauxqs)', () => {
  const local = localSqsForTests();
  let n = 0;
  const queue = () => local.fauxqs.createQueue(`abort-${++n}`);
  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as Error,
    );

  it('a backoff on a queue whose URL is already known changes no visibility', async () => {
    const q = queue();
    await local.sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'one' }));
    const got = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }),
    );
    const record = toLambdaRecord(got.Messages![0]!, q.queueArn, 'us-east-1');
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: queue().queueUrl, outcomesQueueUrl: null });
    // Looks the queue URL up (and keeps the message hidden for another minute).
    await ops.changeVisibility([{ record, seconds: 60 }]);
    expect(await rejection(ops.changeVisibility([{ record, seconds: 0 }], AbortSignal.abort()))).toMatchObject({
      name: 'AbortError',
    });
    expect(await receiveAll(local.sqs, q.queueUrl)).toStrictEqual([]);
  });

  it('a dead-lettering of a small letter (no size-limit read) sends nothing', async () => {
    const dlq = queue().queueUrl;
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: dlq, outcomesQueueUrl: null });
    const failed = sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden' });
    expect(await rejection(ops.deadLetter(sqsRecord('m1', 'body'), failed, AbortSignal.abort()))).toMatchObject({
      name: 'AbortError',
    });
    expect(await receiveAll(local.sqs, dlq)).toStrictEqual([]);
  });

  it('an outcome publish publishes nothing and reports every outcome as not published', async () => {
    const outcomes = queue().queueUrl;
    const ops = createSqsQueueOps({ sqs: local.sqs, dlqUrl: queue().queueUrl, outcomesQueueUrl: outcomes });
    const records = [0, 1, 2].map((i) => sampleOutcomeRecord({ messageId: `m${i}` }));
    expect(await ops.publishOutcomes(records, AbortSignal.abort())).toStrictEqual([0, 1, 2]);
    expect(await receiveAll(local.sqs, outcomes)).toStrictEqual([]);
  });
});
