import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { peekDlq, redriveDlq, type RedriveOptions } from '../../../functions/adapters/dlq-ops.js';
import { type Fauxqs, localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// The DLQ operations behind `swarm-send status` and `swarm-send redrive`, called directly against
// fauxqs (a real SQS API server). fauxqs has no message move task, so every redrive here takes
// the receive-send-delete path the way it does on such a service.

describe('DLQ operations against fauxqs', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  let n = 0;
  beforeAll(() => ({ fauxqs, sqs } = local));

  const queues = () => {
    n += 1;
    return { dlq: fauxqs.createQueue(`ops-dlq-${n}`).queueUrl, queue: fauxqs.createQueue(`ops-q-${n}`).queueUrl };
  };
  const deadLetter = (url: string, body: string, reason?: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: {
          ...(reason && { 'swarm-send.reason': { DataType: 'String', StringValue: reason } }),
          'swarm-send.outcome': { DataType: 'String', StringValue: '{}' },
          origin: { DataType: 'String', StringValue: `app-${body}` },
        },
      }),
    );
  const visible = async (url: string) =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );
  const options = (urls: { dlq: string; queue: string }, extra: Partial<RedriveOptions> = {}): RedriveOptions => ({
    dlqUrl: urls.dlq,
    queueUrl: urls.queue,
    reasons: new Set(),
    max: Infinity,
    dryRun: false,
    ...extra,
  });

  it('peek counts messages by reason, marks ones without a reason, and leaves every message visible', async () => {
    const { dlq } = queues();
    for (const reason of ['auth-rejected', 'auth-rejected', 'not-found-at-source'])
      await deadLetter(dlq, reason, reason);
    await deadLetter(dlq, 'plain');
    const before = Date.now();
    const p = await peekDlq(sqs, dlq, 1000);
    expect(p.byReason).toStrictEqual({
      'auth-rejected': 2,
      'not-found-at-source': 1,
      '(none: moved by the queue redrive policy)': 1,
    });
    expect(p.peeked).toBe(4);
    expect(p.notMadeVisible).toStrictEqual([]);
    expect(p.oldestSentMs).not.toBeNull();
    expect(p.oldestSentMs!).toBeLessThanOrEqual(before);
    expect(await visible(dlq)).toBe(4);
  });

  it('peek reads no more than its limit, and nothing with a limit of 0', async () => {
    const { dlq } = queues();
    for (let i = 0; i < 13; i++) await deadLetter(dlq, `m${i}`, 'remote-unavailable');
    expect((await peekDlq(sqs, dlq, 11)).peeked).toBe(11);
    expect(await peekDlq(sqs, dlq, 0)).toStrictEqual({
      byReason: {},
      peeked: 0,
      oldestSentMs: null,
      notMadeVisible: [],
    });
    expect(await visible(dlq)).toBe(13);
  });

  it('redrive moves every message once, with its original attributes and without swarm-send ones', async () => {
    const urls = queues();
    for (let i = 0; i < 12; i++)
      await deadLetter(urls.dlq, `b${i}`, i % 2 ? 'remote-unavailable' : 'not-found-at-source');
    const s = await redriveDlq(sqs, options(urls));
    expect(s).toStrictEqual({
      moved: 12,
      matched: 12,
      skipped: 0,
      failed: 0,
      byReason: { 'remote-unavailable': 6, 'not-found-at-source': 6 },
      method: 'receive-send-delete',
      dryRun: false,
    });
    const moved = await receiveAll(sqs, urls.queue);
    expect(moved.map((m) => m.Body).sort()).toStrictEqual(Array.from({ length: 12 }, (_, i) => `b${i}`).sort());
    for (const m of moved)
      expect(m.MessageAttributes).toStrictEqual({ origin: { DataType: 'String', StringValue: `app-${m.Body}` } });
    expect(await receiveAll(sqs, urls.dlq)).toHaveLength(0);
  });

  it('redrive with a reason filter moves only those and shows the rest again at once', async () => {
    const urls = queues();
    for (let i = 0; i < 3; i++) await deadLetter(urls.dlq, `keep${i}`, 'auth-rejected');
    for (let i = 0; i < 2; i++) await deadLetter(urls.dlq, `move${i}`, 'remote-unavailable');
    const s = await redriveDlq(sqs, options(urls, { reasons: new Set(['remote-unavailable']) }));
    expect(s).toMatchObject({ moved: 2, matched: 2, skipped: 3, failed: 0 });
    expect((await receiveAll(sqs, urls.queue)).map((m) => m.Body).sort()).toStrictEqual(['move0', 'move1']);
    expect(await visible(urls.dlq)).toBe(3);
  });

  it('a dry run counts what would move and moves nothing', async () => {
    const urls = queues();
    for (let i = 0; i < 4; i++) await deadLetter(urls.dlq, `d${i}`, 'remote-unavailable');
    const s = await redriveDlq(sqs, options(urls, { dryRun: true }));
    expect(s).toMatchObject({ moved: 0, matched: 4, failed: 0, dryRun: true, byReason: { 'remote-unavailable': 4 } });
    expect(await visible(urls.queue)).toBe(0);
    expect(await visible(urls.dlq)).toBe(4);
  });

  it('max moves exactly that many and leaves the rest visible', async () => {
    const urls = queues();
    for (let i = 0; i < 7; i++) await deadLetter(urls.dlq, `x${i}`, 'remote-unavailable');
    const s = await redriveDlq(sqs, options(urls, { max: 3 }));
    expect(s).toMatchObject({ moved: 3, matched: 3, failed: 0 });
    expect(await receiveAll(sqs, urls.queue)).toHaveLength(3);
    expect(await visible(urls.dlq)).toBe(4);
  });

  it('an unreachable queue is an error, not an empty DLQ', async () => {
    const urls = queues();
    await deadLetter(urls.dlq, 'y', 'remote-unavailable');
    await expect(
      redriveDlq(
        sqs,
        options(urls, {
          queueUrl: `${fauxqs.address}/000000000000/no-such-queue`,
          reasons: new Set(['remote-unavailable']),
        }),
      ),
    ).rejects.toThrow();
    await expect(peekDlq(sqs, `${fauxqs.address}/000000000000/no-such-dlq`, 10)).rejects.toThrow();
  });
});

describe('redrive of messages without an id or a body (SDK faked: SQS itself always sends both)', () => {
  let sqsMock: AwsClientStub<SQSClient>;
  beforeAll(() => {
    sqsMock = mockClient(SQSClient);
  });
  afterAll(() => sqsMock.restore());

  it('moves such a message once, with an empty body, ends the pass when it comes back, and shows it again', async () => {
    const bare: Message = {
      ReceiptHandle: 'rh-bare',
      MessageAttributes: { 'swarm-send.reason': { DataType: 'String', StringValue: 'remote-unavailable' } },
    };
    // Every receive returns it again, as SQS does once a message's pause has run out.
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [bare] });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'n', MD5OfMessageBody: '' }] });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const s = await redriveDlq(
      new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      {
        dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/sends',
        reasons: new Set(['remote-unavailable']),
        max: 5,
        dryRun: false,
      },
    );
    expect(s).toMatchObject({ moved: 1, matched: 1, failed: 0 });
    const sent = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((e) => e.MessageBody)).toStrictEqual(['']);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
    const shown = sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(shown.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toStrictEqual([['rh-bare', 0]]);
  });
});
