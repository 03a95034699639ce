import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { peekDlq, redriveDlq, type RedriveOptions } from '../../../functions/adapters/dlq-ops.js';
import { drainQueue } from '../../../local/queues.js';
import { localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// The choices of the DLQ operations that the other DLQ tests leave open: which message is the
// oldest, what reaches a FIFO queue from a FIFO DLQ, when a message move task may be used (it
// moves everything: never on a dry run, with a filter or with a limit), and when reading stops.
// Against fauxqs where it can show it; with the SDK faked for a move task (fauxqs has none) and
// for replies SQS does not give on demand.

const REASON = 'swarm-send.reason';

describe('DLQ operations against fauxqs', () => {
  const local = localSqsForTests();
  let n = 0;

  it('peek reports the SentTimestamp of the oldest message it read', async () => {
    const dlq = local.fauxqs.createQueue(`choices-peek-${++n}`).queueUrl;
    for (const body of ['first', 'second', 'third']) {
      await local.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: body }));
      // Let the clock move on, so each message has its own SentTimestamp.
      await sleep(5);
    }
    const p = await peekDlq(local.sqs, dlq, 10);
    const sent = (
      await local.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      )
    ).Messages!.map((m) => Number(m.Attributes!.SentTimestamp));
    expect(sent).toHaveLength(3);
    expect(Math.min(...sent)).toBeLessThan(Math.max(...sent));
    expect(p.oldestSentMs).toBe(Math.min(...sent));
  });

  it('redrive from a FIFO DLQ to a FIFO queue keeps each message group and deduplicates by the DLQ message id', async () => {
    n += 1;
    const fifo = (name: string) =>
      local.fauxqs.createQueue(`${name}-${n}.fifo`, { attributes: { FifoQueue: 'true' } }).queueUrl;
    const urls = { dlq: fifo('choices-dlq'), queue: fifo('choices-q') };
    const dlqIds: string[] = [];
    for (const [body, group] of [
      ['a1', 'orders-1'],
      ['b1', 'orders-2'],
      ['a2', 'orders-1'],
    ]) {
      const sent = await local.sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.dlq,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
          MessageAttributes: { [REASON]: { DataType: 'String', StringValue: 'remote-unavailable' } },
        }),
      );
      dlqIds.push(sent.MessageId!);
    }
    const s = await redriveDlq(local.sqs, {
      dlqUrl: urls.dlq,
      queueUrl: urls.queue,
      reasons: new Set(['remote-unavailable']),
      max: Infinity,
      dryRun: false,
    });
    expect(s).toMatchObject({ moved: 3, failed: 0 });
    const moved = await drainQueue(local.sqs, urls.queue);
    expect(moved.map((m) => [m.Body, m.Attributes?.MessageGroupId]).sort()).toStrictEqual([
      ['a1', 'orders-1'],
      ['a2', 'orders-1'],
      ['b1', 'orders-2'],
    ]);
    expect(moved.map((m) => m.Attributes?.MessageDeduplicationId).sort()).toStrictEqual(dlqIds.sort());
    expect(await receiveAll(local.sqs, urls.dlq)).toStrictEqual([]);
  });

  it("redrive files a message without a swarm-send reason (moved by the queue's redrive policy) under '(none)', which --reason can pick", async () => {
    n += 1;
    const urls = {
      dlq: local.fauxqs.createQueue(`choices-dlq-${n}`).queueUrl,
      queue: local.fauxqs.createQueue(`choices-q-${n}`).queueUrl,
    };
    await local.sqs.send(new SendMessageCommand({ QueueUrl: urls.dlq, MessageBody: 'plain' }));
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.dlq,
        MessageBody: 'ours',
        MessageAttributes: { [REASON]: { DataType: 'String', StringValue: 'forbidden' } },
      }),
    );
    const base = { dlqUrl: urls.dlq, queueUrl: urls.queue, max: Infinity };
    const dry = await redriveDlq(local.sqs, { ...base, reasons: new Set(), dryRun: true });
    expect(dry.byReason).toStrictEqual({ '(none)': 1, forbidden: 1 });
    const s = await redriveDlq(local.sqs, { ...base, reasons: new Set(['(none)']), dryRun: false });
    expect(s).toMatchObject({ moved: 1, skipped: 1, byReason: { '(none)': 1 } });
    expect((await receiveAll(local.sqs, urls.queue)).map((m) => m.Body)).toStrictEqual(['plain']);
  });
});

describe('DLQ operations with the SDK faked', () => {
  let sqsMock: AwsClientStub<SQSClient>;
  beforeAll(() => {
    sqsMock = mockClient(SQSClient);
  });
  afterAll(() => sqsMock.restore());

  const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq';
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/sends';
  const arnOf = (url: string) => `arn:aws:sqs:us-east-1:123456789012:${url.split('/').pop()}`;
  const sqs = () => new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const msg = (i: number, sent?: number): Message => ({
    MessageId: `id-${i}`,
    ReceiptHandle: `rh-${i}`,
    Body: `body-${i}`,
    MessageAttributes: { [REASON]: { DataType: 'String', StringValue: 'remote-unavailable' } },
    Attributes: sent === undefined ? {} : { SentTimestamp: String(sent) },
  });
  const options = (extra: Partial<RedriveOptions> = {}): RedriveOptions => ({
    dlqUrl: DLQ,
    queueUrl: QUEUE,
    reasons: new Set(),
    max: Infinity,
    dryRun: false,
    ...extra,
  });

  beforeEach(() => {
    sqsMock.reset();
    // As SQS does: only the attributes asked for, of the queue asked about; the DLQ holds 5.
    sqsMock.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string; AttributeNames: string[] }) => {
      const all: Record<string, string> = { QueueArn: arnOf(input.QueueUrl), ApproximateNumberOfMessages: '5' };
      return { Attributes: Object.fromEntries(input.AttributeNames.map((k) => [k, all[k]!])) };
    });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `n${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
    sqsMock.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      // SQS refuses a batch call without entries.
      if (input.Entries.length === 0) throw Object.assign(new Error('no entries'), { name: 'EmptyBatchRequest' });
      return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
    });
  });

  it('peek leaves a message without a SentTimestamp out of the oldest age', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0, 3_000), msg(1), msg(2, 1_000), msg(3, 2_000)] })
      .resolves({ Messages: [] });
    const p = await peekDlq(sqs(), DLQ, 10);
    expect(p).toMatchObject({ peeked: 4, oldestSentMs: 1_000 });
  });

  it('without a filter or a limit, moves the DLQ with a move task from its ARN to the queue ARN', async () => {
    const s = await redriveDlq(sqs(), options());
    expect(s).toMatchObject({ method: 'message-move-task', moved: 5 });
    const started = sqsMock.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input);
    expect(started).toStrictEqual([{ SourceArn: arnOf(DLQ), DestinationArn: arnOf(QUEUE) }]);
  });

  it.each([
    ['a dry run', { dryRun: true }],
    ['a reason filter', { reasons: new Set(['remote-unavailable']) }],
    ['a limit', { max: 5 }],
  ])('never starts a move task (it would move everything) with %s', async (_what, extra) => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0), msg(1)] })
      .resolves({ Messages: [] });
    const s = await redriveDlq(sqs(), options(extra));
    expect(s).toMatchObject({ method: 'receive-send-delete', matched: 2 });
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  /**
   * Receives `messages` once, with only the message attributes asked for, as SQS does (fauxqs
   * returns them all when none are asked for).
   */
  const receiveAsSqs = (messages: Message[]) =>
    sqsMock
      .on(ReceiveMessageCommand)
      .callsFakeOnce((input: { MessageAttributeNames?: string[] }) => {
        const names = input.MessageAttributeNames ?? [];
        const wanted = (k: string) =>
          names.some((n) => n === 'All' || n === '.*' || n === k || (n.endsWith('.*') && k.startsWith(n.slice(0, -1))));
        return {
          Messages: messages.map((m) => ({
            ...m,
            MessageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).filter(([k]) => wanted(k))),
          })),
        };
      })
      .resolves({ Messages: [] });

  it('peek asks SQS for the reason attribute', async () => {
    receiveAsSqs([msg(0), msg(1)]);
    expect((await peekDlq(sqs(), DLQ, 10)).byReason).toStrictEqual({ 'remote-unavailable': 2 });
  });

  it('redrive asks SQS for the reason and the original attributes', async () => {
    const original = {
      ...msg(0),
      MessageAttributes: { ...msg(0).MessageAttributes, trace: { DataType: 'String', StringValue: 't-1' } },
    };
    receiveAsSqs([original]);
    const s = await redriveDlq(sqs(), options({ reasons: new Set(['remote-unavailable']) }));
    expect(s).toMatchObject({ moved: 1, matched: 1 });
    const sent = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((e) => e.MessageAttributes)).toStrictEqual([{ trace: { DataType: 'String', StringValue: 't-1' } }]);
  });

  it('stops reading the DLQ once the limit is reached: the rest is not looked at', async () => {
    const ten = (from: number) => Array.from({ length: 10 }, (_, i) => msg(from + i));
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: ten(0) })
      .resolvesOnce({ Messages: ten(10) })
      .resolves({ Messages: [] });
    const s = await redriveDlq(sqs(), options({ max: 2 }));
    expect(s).toMatchObject({ moved: 2, matched: 2, skipped: 8, failed: 0 });
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });

  it('when the queue refuses every message of a batch, deletes nothing and counts them all as failed', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0), msg(1)] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: ['0', '1'].map((Id) => ({ Id, Code: 'InternalError', SenderFault: false })),
    });
    const s = await redriveDlq(sqs(), options({ reasons: new Set(['remote-unavailable']) }));
    expect(s).toMatchObject({ moved: 0, matched: 2, failed: 2 });
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });
});
