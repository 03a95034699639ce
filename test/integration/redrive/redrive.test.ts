import { Readable, Writable } from 'node:stream';
import { jest } from '@jest/globals';
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
import { main } from '../../../cli/main.js';
import { redriveCommand } from '../../../cli/redrive.js';
import { type Fauxqs, localSqsForTests, receiveAll } from '../../helpers/sqs.js';

// `swarm-send redrive` run in-process through main (so mutation testing reaches it): against fauxqs for the
// real moves, and with the SDK client faked only for what fauxqs cannot do on demand (a partial
// SendMessageBatch failure, a failed delete). The rule under test: nothing leaves the DLQ that
// the SEND queue did not accept.

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write: (chunk, _enc, cb) => (into.push(String(chunk)), cb()) });
  return {
    io: {
      stdout: sink(out),
      stderr: sink(err),
      stdin: Readable.from([]),
      env: {},
      signal: new AbortController().signal,
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** `swarm-send redrive ARGV...` through main (which prints a command's errors and --help). */
const cli = async (argv: string[]) => {
  const o = io();
  const code = await main(['redrive', ...argv], o.io);
  return { code, stdout: o.stdout(), stderr: o.stderr() };
};

/** `swarm-send redrive --json`, flags given as an object. */
const run = async (flags: Record<string, unknown>) => {
  const argv = Object.entries({ json: true, ...flags }).flatMap(([k, v]) =>
    v === true ? [`--${k}`] : [`--${k}`, String(v)],
  );
  const { code, stdout, stderr } = await cli(argv);
  return { code, summary: stdout ? JSON.parse(stdout) : null, stderr };
};

/** The command's own run, so a bad flag surfaces as the UsageError it throws. */
const runCommand = (flags: Record<string, unknown>) =>
  redriveCommand.run({ json: true, ...flags } as Parameters<typeof redriveCommand.run>[0], [], io().io);

describe('redrive against fauxqs', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  let n = 0;
  beforeAll(() => ({ fauxqs, sqs } = local));
  const queues = () => {
    n += 1;
    return { dlq: fauxqs.createQueue(`rd-dlq-${n}`).queueUrl, queue: fauxqs.createQueue(`rd-q-${n}`).queueUrl };
  };
  const all = (url: string) => receiveAll(sqs, url);

  it('--max N moves exactly N, keeps the original attributes, drops the dead-letter ones, and leaves the rest', async () => {
    const { dlq, queue } = queues();
    for (let i = 0; i < 5; i++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: `body-${i}`,
          MessageAttributes: {
            'swarm-send.reason': { DataType: 'String', StringValue: 'remote-unavailable' },
            origin: { DataType: 'String', StringValue: `app-${i}` },
          },
        }),
      );
    }
    const r = await run({ 'dlq-url': dlq, 'queue-url': queue, max: '2', 'sqs-endpoint': fauxqs.address });
    expect(r.code).toBe(0);
    expect(r.summary).toMatchObject({ moved: 2, matched: 2, failed: 0, byReason: { 'remote-unavailable': 2 } });
    const moved = await all(queue);
    expect(moved).toHaveLength(2);
    for (const m of moved) {
      expect(Object.keys(m.MessageAttributes ?? {})).toStrictEqual(['origin']);
      expect(m.MessageAttributes?.origin?.StringValue).toBe(`app-${m.Body!.slice(5)}`);
    }
    expect(await all(dlq)).toHaveLength(3);
  });

  /** Puts dead letters on `dlq`, one per reason given, in that order. */
  const deadLetters = async (dlq: string, reasons: string[]) => {
    for (const [i, reason] of reasons.entries())
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: `${reason}-${i}`,
          MessageAttributes: { 'swarm-send.reason': { DataType: 'String', StringValue: reason } },
        }),
      );
  };
  const bodies = async (url: string) => (await all(url)).map((m) => m.Body).sort();

  it('--reason moves only those reasons and prints a text summary: counts by reason, method, left, failed', async () => {
    const { dlq, queue } = queues();
    await deadLetters(dlq, ['remote-unavailable', 'forbidden', 'verify-mismatch', 'remote-unavailable']);
    const { code, stdout } = await cli([
      ...['--dlq-url', dlq, '--queue-url', queue, '--sqs-endpoint', fauxqs.address],
      ...['--reason', 'remote-unavailable', '--reason', 'forbidden'],
    ]);
    expect(code).toBe(0);
    // The reasons are listed in the order their first message was received.
    expect(stdout).toMatch(
      /^moved 3 message\(s\) \((remote-unavailable: 2, forbidden: 1|forbidden: 1, remote-unavailable: 2)\) via receive-send-delete; 1 left by the filter; 0 failed\n$/,
    );
    expect(await bodies(queue)).toStrictEqual(['forbidden-1', 'remote-unavailable-0', 'remote-unavailable-3']);
    expect(await bodies(dlq)).toStrictEqual(['verify-mismatch-2']);
  });

  it('--dry-run counts what would move by reason, in text, and moves nothing', async () => {
    const { dlq, queue } = queues();
    await deadLetters(dlq, ['remote-unavailable', 'forbidden', 'remote-unavailable']);
    const { code, stdout } = await cli([
      ...['--dlq-url', dlq, '--queue-url', queue, '--sqs-endpoint', fauxqs.address],
      ...['--reason', 'remote-unavailable', '--dry-run'],
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('would move 2 message(s) (remote-unavailable: 2); 1 left by the filter\n');
    expect(await bodies(queue)).toStrictEqual([]);
    expect(await bodies(dlq)).toStrictEqual(['forbidden-1', 'remote-unavailable-0', 'remote-unavailable-2']);
  });

  it('says "none" when no message matches the filter', async () => {
    const { dlq, queue } = queues();
    await deadLetters(dlq, ['forbidden']);
    const flags = ['--dlq-url', dlq, '--queue-url', queue, '--sqs-endpoint', fauxqs.address, '--reason', 'x'];
    expect((await cli([...flags, '--dry-run'])).stdout).toBe('would move 0 message(s) (none); 1 left by the filter\n');
    expect((await cli(flags)).stdout).toBe(
      'moved 0 message(s) (none) via receive-send-delete; 1 left by the filter; 0 failed\n',
    );
    expect(await bodies(dlq)).toStrictEqual(['forbidden-0']);
  });

  it('--help prints the usage, what it does and every flag', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: swarm-send redrive --dlq-url URL --queue-url URL/);
    expect(stdout).toContain('deletes it from\nthe DLQ only once the queue has it');
    for (const flag of ['--reason R', '--dry-run', '--max N', '--json']) expect(stdout).toContain(flag);
  });

  it('rejects a --max that is not a positive number', async () => {
    const { dlq, queue } = queues();
    await expect(
      runCommand({ 'dlq-url': dlq, 'queue-url': queue, max: '0', 'sqs-endpoint': fauxqs.address }),
    ).rejects.toThrow('--max must be a positive number');
    await expect(
      runCommand({ 'dlq-url': dlq, 'queue-url': queue, max: 'lots', 'sqs-endpoint': fauxqs.address }),
    ).rejects.toThrow('--max');
  });
});

describe('redrive when SQS fails part of the way (SDK faked)', () => {
  // Created here, not at collection time: a mock of SQSClient replaces every instance's send.
  let sqsMock: AwsClientStub<SQSClient>;
  beforeAll(() => {
    sqsMock = mockClient(SQSClient);
  });
  const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq';
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/sends';
  const flags = (extra: Record<string, unknown> = {}) => ({
    'dlq-url': DLQ,
    'queue-url': QUEUE,
    region: 'us-east-1',
    ...extra,
  });
  const msg = (i: number, group?: string): Message => ({
    MessageId: `id-${i}`,
    ReceiptHandle: `rh-${i}`,
    Body: `body-${i}`,
    MessageAttributes: { 'swarm-send.reason': { DataType: 'String', StringValue: 'remote-unavailable' } },
    Attributes: group ? { MessageGroupId: group } : {},
  });
  beforeEach(() => {
    sqsMock.reset();
    sqsMock
      .on(GetQueueAttributesCommand)
      .resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:x', ApproximateNumberOfMessages: '3' } });
    sqsMock
      .on(StartMessageMoveTaskCommand)
      .rejects(Object.assign(new Error('unsupported'), { name: 'UnsupportedOperation' }));
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  });
  afterAll(() => sqsMock.restore());
  const deleted = () =>
    sqsMock
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.ReceiptHandle));
  const madeVisible = () =>
    sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => `${e.ReceiptHandle}:${e.VisibilityTimeout}`));

  it('a partial SendMessageBatch failure deletes only what the queue accepted and shows the rest again', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0), msg(1), msg(2)] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'n0', MD5OfMessageBody: '' },
        { Id: '2', MessageId: 'n2', MD5OfMessageBody: '' },
      ],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: [] });
    const r = await run(flags());
    expect(r.code).toBe(1);
    expect(deleted()).toStrictEqual(['rh-0', 'rh-2']);
    expect(madeVisible()).toStrictEqual(['rh-1:0']);
    expect(r.summary).toMatchObject({ moved: 2, failed: 1, method: 'receive-send-delete' });
  });

  it('a SendMessageBatch that throws deletes nothing and reports the error', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0), msg(1)] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('queue gone'), { name: 'QueueDoesNotExist' }));
    const r = await run(flags());
    expect(r.code).toBe(1);
    expect(deleted()).toStrictEqual([]);
    expect(r.stderr).toContain('QueueDoesNotExist');
  });

  it('a failed delete counts as failed (the message is in both queues) and exits 1', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0), msg(1)] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'n0', MD5OfMessageBody: '' },
        { Id: '1', MessageId: 'n1', MD5OfMessageBody: '' },
      ],
      Failed: [],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
    });
    const r = await run(flags());
    expect(r.code).toBe(1);
    expect(r.summary).toMatchObject({ moved: 1, failed: 1 });
  });

  it('to a FIFO queue: keeps each message group and uses the DLQ message id for deduplication', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0, 'orders-7'), msg(1)] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'n0', MD5OfMessageBody: '' },
        { Id: '1', MessageId: 'n1', MD5OfMessageBody: '' },
      ],
      Failed: [],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }], Failed: [] });
    const r = await run(flags({ 'queue-url': `${QUEUE}.fifo` }));
    expect(r.code).toBe(0);
    const entries = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
    expect(entries.map((e) => [e.MessageBody, e.MessageGroupId, e.MessageDeduplicationId])).toStrictEqual([
      ['body-0', 'orders-7', 'id-0'],
      ['body-1', 'swarm-send', 'id-1'],
    ]);
  });

  it('to a standard queue: no group or deduplication id', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(0, 'g')] })
      .resolves({ Messages: [] });
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'n0', MD5OfMessageBody: '' }], Failed: [] });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    await run(flags());
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry.MessageGroupId).toBeUndefined();
    expect(entry.MessageDeduplicationId).toBeUndefined();
  });

  it('releases its SQS client (and its sockets) when done, and when SQS fails', async () => {
    const destroy = jest.spyOn(SQSClient.prototype, 'destroy');
    try {
      sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
      expect((await run(flags())).code).toBe(0);
      expect(destroy).toHaveBeenCalledTimes(1);
      sqsMock.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      sqsMock.on(ReceiveMessageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const failed = await run(flags());
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('AccessDenied');
      expect(destroy).toHaveBeenCalledTimes(2);
    } finally {
      destroy.mockRestore();
    }
  });

  it('uses a message move task when there is no filter and no --max, and moves nothing itself', async () => {
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
    const r = await run(flags());
    expect(r.code).toBe(0);
    expect(r.summary).toMatchObject({ method: 'message-move-task', moved: 3 });
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });
});
