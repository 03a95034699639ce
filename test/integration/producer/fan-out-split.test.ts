import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { enqueueSends, type SendMessage } from '../../../functions/producer.js';
import { type Fauxqs, localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// The producer splits a message naming several destinations into one message per destination
// at enqueue (docs/fan-out.md), against fauxqs.

describe('enqueueSends with several destinations (fauxqs)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  beforeAll(() => ({ fauxqs, sqs } = local));

  let n = 0;
  const queue = (fifo = false) =>
    fauxqs.createQueue(`split-${++n}${fifo ? '.fifo' : ''}`, {
      attributes: fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {},
    }).queueUrl;
  const request: SendMessage = {
    object: { uuid: 'cd'.repeat(16) },
    from: 'primary',
    to: ['dr-east', 'dr-west'],
    correlationId: 'order-7',
  };

  it('enqueues one message per destination, every other field kept; a single destination stays one message', async () => {
    const url = queue();
    const single: SendMessage = { object: { uuid: 'ef'.repeat(16) }, to: 'dr-east' };
    expect(await enqueueSends(sqs, url, [request, single, JSON.stringify(request)])).toEqual({ sent: 4, failed: [] });
    const bodies = (await receiveAll(sqs, url)).map((m) => JSON.parse(m.Body!) as SendMessage);
    expect(bodies).toHaveLength(4);
    expect(
      bodies
        .filter((b) => b.correlationId === 'order-7' && typeof b.to === 'string')
        .map((b) => b.to)
        .sort(),
    ).toEqual(['dr-east', 'dr-west']);
    // A string is sent as it is: the worker splits it.
    expect(bodies.filter((b) => Array.isArray(b.to))).toHaveLength(1);
    expect(bodies.filter((b) => b.to === 'dr-east' && JSON.stringify(b.object).includes('ef'.repeat(16)))).toHaveLength(
      1,
    );
  });

  it("FIFO: each part gets the caller's deduplication id with its destination, so both parts are delivered and a repeat is not", async () => {
    const url = queue(true);
    const dedup = { deduplicationId: () => 'upstream-event-1' };
    expect(await enqueueSends(sqs, url, [request], dedup)).toEqual({ sent: 2, failed: [] });
    expect(await enqueueSends(sqs, url, [request], dedup)).toEqual({ sent: 2, failed: [] });
    // One message group: each part is received once the one before it is deleted.
    const destinations: unknown[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      if (!r.Messages?.length) break;
      for (const m of r.Messages) {
        destinations.push((JSON.parse(m.Body!) as SendMessage).to);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    expect(destinations).toEqual(['dr-east', 'dr-west']);
  });
});
