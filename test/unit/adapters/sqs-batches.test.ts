import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import {
  BatchEntriesFailedError,
  chunks,
  sdkErrorCode,
  failedEntries,
  makeVisible,
  queueCounts,
  SQS_BATCH_LIMIT,
  summarizeCodes,
} from '../../../functions/adapters/sqs-batches.js';

type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

describe('SQS batch helpers', () => {
  it('splits into runs of ten by default, the last one shorter, and nothing for nothing', () => {
    const items = Array.from({ length: 23 }, (_v, i) => i);
    expect(SQS_BATCH_LIMIT).toBe(10);
    expect(chunks(items).map((c) => c.length)).toStrictEqual([10, 10, 3]);
    expect(chunks(items).flat()).toStrictEqual(items);
    expect(chunks(items, 7).map((c) => c.length)).toStrictEqual([7, 7, 7, 2]);
    expect(chunks(Array.from({ length: 10 }, (_v, i) => i)).map((c) => c.length)).toStrictEqual([10]);
    expect(chunks([])).toStrictEqual([]);
  });

  it("names an error by the service's code, then the SDK's, then the socket's, then its class", () => {
    expect(sdkErrorCode({ Code: 'AWS.SimpleQueueService.NonExistentQueue', code: 'x', name: 'y' })).toBe(
      'AWS.SimpleQueueService.NonExistentQueue',
    );
    expect(sdkErrorCode({ Code: '', code: 'ECONNRESET', name: 'y' })).toBe('ECONNRESET');
    expect(sdkErrorCode({ Code: 7, code: 7, cause: { code: 'ECONNREFUSED' }, name: 'y' })).toBe('ECONNREFUSED');
    expect(sdkErrorCode(new TypeError('boom'))).toBe('TypeError');
    expect(sdkErrorCode(new Error('plain'))).toBe('Error');
    expect(sdkErrorCode({ name: 7 })).toBe('Error');
    expect(sdkErrorCode(null)).toBe('Error');
    expect(sdkErrorCode(undefined)).toBe('Error');
  });

  it('never names an error with an empty code: an empty name counts as no name', () => {
    expect(sdkErrorCode({ name: '' })).toBe('Error');
    expect(sdkErrorCode({ Code: '', code: '', cause: { code: '' }, name: '' })).toBe('Error');
  });

  it('reads refused entries with placeholders for what SQS left out, and none when nothing failed', () => {
    expect(failedEntries({})).toStrictEqual([]);
    expect(
      failedEntries({ Failed: [{ Id: '3', Code: 'ReceiptHandleIsInvalid', Message: 'bad handle' }, {}] }),
    ).toStrictEqual([
      { id: '3', code: 'ReceiptHandleIsInvalid', message: 'bad handle' },
      { id: '', code: 'Unknown', message: '' },
    ]);
  });

  it('summarizes refusals by code, counted, in the order first seen', () => {
    const e = (code: string) => ({ id: '0', code, message: '' });
    expect(summarizeCodes([e('A'), e('B'), e('A'), e('A')])).toBe('3 x A, 1 x B');
    expect(summarizeCodes([])).toBe('');
  });

  it('makeVisible reports every entry of a call that threw a bare value, with its code and an empty message', async () => {
    const throwing = { send: () => Promise.reject({ code: 'ECONNRESET' }) } as unknown as SQSClient;
    expect(
      await makeVisible(throwing, 'https://sqs.example/1/q', [{ ReceiptHandle: 'a' }, { ReceiptHandle: 'b' }]),
    ).toStrictEqual([
      { id: '0', code: 'ECONNRESET', message: '' },
      { id: '1', code: 'ECONNRESET', message: '' },
    ]);
  });

  it('a BatchEntriesFailedError says the operation, how many of how many failed, and which codes', () => {
    const failed = [
      { id: '1', code: 'ReceiptHandleIsInvalid', message: 'm' },
      { id: '4', code: 'ReceiptHandleIsInvalid', message: 'm' },
    ];
    const err = new BatchEntriesFailedError('DeleteMessageBatch', failed, 9);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('BatchEntriesFailedError');
    expect(err.message).toBe('DeleteMessageBatch: 2 of 9 entries failed (2 x ReceiptHandleIsInvalid)');
    expect(err.operation).toBe('DeleteMessageBatch');
    expect(err.failed).toBe(failed);
  });
});

describe('SQS batch calls against fauxqs', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, logger: false });
    sqs = new SQSClient({
      endpoint: fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    sqs.destroy();
    await fauxqs.stop();
  });

  const receiveAll = async (url: string, count: number) => {
    const out = [];
    for (let i = 0; i < 20 && out.length < count; i++) {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      out.push(...(r.Messages ?? []));
    }
    return out;
  };

  it('counts visible, in-flight and delayed messages of a queue', async () => {
    const q = fauxqs.createQueue('counts');
    expect(await queueCounts(sqs, q.queueUrl)).toStrictEqual({ visible: 0, inFlight: 0, delayed: 0 });
    for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: `m${i}` }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'later', DelaySeconds: 600 }));
    expect(await queueCounts(sqs, q.queueUrl)).toStrictEqual({ visible: 2, inFlight: 1, delayed: 1 });
  });

  it('makes twelve received messages visible again in two calls, and reports nothing stayed invisible', async () => {
    const q = fauxqs.createQueue('visible-again');
    for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: `m${i}` }));
    const messages = await receiveAll(q.queueUrl, 12);
    expect(messages).toHaveLength(12);
    expect(await makeVisible(sqs, q.queueUrl, messages)).toStrictEqual([]);
    expect(await queueCounts(sqs, q.queueUrl)).toMatchObject({ visible: 12, inFlight: 0 });
  });

  it('reports each refused entry with its code, and every entry of a call that failed with the error code', async () => {
    const q = fauxqs.createQueue('refused');
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: 'one' }));
    const [good] = await receiveAll(q.queueUrl, 1);
    const refused = await makeVisible(sqs, q.queueUrl, [good!, { ReceiptHandle: 'not-a-receipt-handle' }]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ id: '1' });
    expect(refused[0]!.code).not.toBe('Unknown');
    expect(await queueCounts(sqs, q.queueUrl)).toMatchObject({ visible: 1, inFlight: 0 });

    const gone = await makeVisible(sqs, `${fauxqs.address}/000000000000/no-such-queue`, [
      { ReceiptHandle: 'a' },
      { ReceiptHandle: 'b' },
    ]);
    expect(gone.map((f) => f.id)).toStrictEqual(['0', '1']);
    expect(gone[0]!.code).toMatch(/NonExistentQueue|QueueDoesNotExist/);
    expect(gone[0]!.message).not.toBe('');
  });
});
