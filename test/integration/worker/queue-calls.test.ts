import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { BatchEntriesFailedError, makeVisible } from '../../../functions/adapters/sqs-batches.js';
import { createSqsQueueOps } from '../../../functions/adapters/sqs-queue-ops.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { captureOutput, startPipeline } from '../../helpers/pipeline.js';
import { type Fauxqs, localSqsForTests } from '../../helpers/sqs.js';

/** SQS refuses single entries of a batch call on HTTP 200; those refusals are errors with codes, never silence. */
describe('batch entries SQS refuses (fauxqs)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  beforeAll(() => ({ fauxqs, sqs } = local));

  const received = async (name: string) => {
    const q = fauxqs.createQueue(name);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'one' }));
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.queueUrl,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return { q, message: out.Messages![0]! };
  };

  it('a backoff whose receipt handle SQS refuses rejects with BatchEntriesFailedError naming the code; the good entry is applied', async () => {
    const { q, message } = await received('refused-backoff');
    const good = toLambdaRecord(message, q.queueArn, 'us-east-1');
    const bad: SQSRecord = { ...good, messageId: 'other', receiptHandle: 'not-a-receipt-handle' };
    const ops = createSqsQueueOps({ sqs, dlqUrl: q.queueUrl, outcomesQueueUrl: null });
    const err = await ops
      .changeVisibility([
        { record: good, seconds: 0 },
        { record: bad, seconds: 0 },
      ])
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(BatchEntriesFailedError);
    const failed = (err as BatchEntriesFailedError).failed;
    expect(failed).toHaveLength(1);
    expect(failed[0]!.id).toBe('1');
    expect(failed[0]!.code).toMatch(/ReceiptHandle/);
    expect((err as Error).message).toMatch(
      /^ChangeMessageVisibilityBatch: 1 of 2 entries failed \(1 x .*ReceiptHandle/,
    );
    // The good entry went through: the message is visible again.
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1 }));
    expect(again.Messages?.[0]?.Body).toBe('one');
  });

  it('makeVisible returns the entries it could not make visible, with their codes', async () => {
    const { q, message } = await received('refused-visible');
    const stuck = await makeVisible(sqs, q.queueUrl, [message, { ReceiptHandle: 'bogus' }]);
    expect(stuck).toEqual([expect.objectContaining({ id: '1', code: expect.stringMatching(/ReceiptHandle/) })]);
  });
});

describe('warnings about queue calls carry the error message', () => {
  it('a refused backoff is logged as "backoff not applied" with the refused codes, not only the error name', async () => {
    const p = await startPipeline({
      powertools: true,
      queueOps: (real) => ({
        ...real,
        changeVisibility: async () => {
          throw new BatchEntriesFailedError(
            'ChangeMessageVisibilityBatch',
            [{ id: '0', code: 'ReceiptHandleIsInvalid', message: 'gone' }],
            1,
          );
        },
      }),
    });
    try {
      await p.send(JSON.stringify({ object: { uuid: 'a'.repeat(32) } })); // not at the source: a retry with a backoff
      const { output } = await captureOutput(() => p.deliver());
      const warning = output
        .split('\n')
        .filter((l) => l.includes('backoff not applied'))
        .map((l) => JSON.parse(l) as { error: string });
      expect(warning).toEqual([
        expect.objectContaining({
          error:
            'BatchEntriesFailedError: ChangeMessageVisibilityBatch: 1 of 1 entries failed (1 x ReceiptHandleIsInvalid)',
        }),
      ]);
    } finally {
      await p.close();
    }
  });
});
