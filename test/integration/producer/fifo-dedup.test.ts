import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { enqueueSends, type SendMessage } from '../../../functions/producer.js';
import { type Fauxqs, localSqsForTests } from '../../helpers/sqs.js';

// The producer against fauxqs FIFO queues (a real SQS API, with its five-minute deduplication).

describe('enqueueSends on a FIFO queue (fauxqs)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  beforeAll(() => ({ fauxqs, sqs } = local));

  let n = 0;
  const fifo = (contentBased: boolean) =>
    fauxqs.createQueue(`sends-${++n}.fifo`, {
      attributes: { FifoQueue: 'true', ContentBasedDeduplication: String(contentBased) },
    }).queueUrl;
  /** Receives and deletes until the queue is empty (a FIFO group is held while a message is in flight). */
  const bodies = async (url: string): Promise<string[]> => {
    const out: string[] = [];
    for (;;) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      if (!r.Messages?.length) return out;
      for (const m of r.Messages) {
        out.push(m.Body!);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };
  const request: SendMessage = { object: { uuid: 'ab'.repeat(16), alias: true }, correlationId: 'order-1' };

  it('delivers two identical requests: each gets a fresh deduplication id by default', async () => {
    const url = fifo(false);
    expect(await enqueueSends(sqs, url, [request])).toStrictEqual({ sent: 1, failed: [] });
    expect(await enqueueSends(sqs, url, [request, request])).toStrictEqual({ sent: 2, failed: [] });
    expect(await bodies(url)).toStrictEqual([
      JSON.stringify(request),
      JSON.stringify(request),
      JSON.stringify(request),
    ]);
  });

  it('drops a repeated enqueue of the same request when the caller passes its own deduplication id', async () => {
    const url = fifo(false);
    const byEvent = { deduplicationId: (m: SendMessage | string) => (typeof m === 'string' ? m : m.correlationId!) };
    await enqueueSends(sqs, url, [request], byEvent);
    await enqueueSends(sqs, url, [request, { ...request, correlationId: 'order-2' }], byEvent);
    expect((await bodies(url)).map((b) => (JSON.parse(b) as SendMessage).correlationId)).toStrictEqual([
      'order-1',
      'order-2',
    ]);
  });

  it("leaves deduplication to the queue's content-based hashing with 'content'", async () => {
    const url = fifo(true);
    await enqueueSends(sqs, url, [request, request], { deduplicationId: 'content' });
    expect(await bodies(url)).toHaveLength(1);
  });
});
