import type { SQSRecord } from 'aws-lambda';
import {
  buildDeadLetter,
  DLQ_ATTRIBUTES,
  messageSize,
  SQS_CLASSIC_MESSAGE_BYTES,
  SQS_MAX_MESSAGE_BYTES,
} from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { sqsRecord } from '../../helpers/records.js';

// What a dead letter carries besides the body: our three attributes, the original's attributes
// within the limits SQS sets (ten attributes, the message size), and how SQS counts the size.

const outcome: OutcomeRecord = {
  outcome: 'failed',
  reason: 'remote-rejected',
  remoteStatus: 400,
  httpStatus: 201,
  detail: null,
  object: null,
  from: 'primary',
  to: 'dr',
  node: '10.0.0.1:80',
  attempt: 2,
  durationMs: 12,
  messageId: 'm-7',
  correlationId: 'c-1',
};
type Attributes = NonNullable<SQSRecord['messageAttributes']>;
/** Message m-7 on queue q, with `body` and `messageAttributes`. */
const recordOf = (body: string, messageAttributes: Attributes = {}): SQSRecord =>
  sqsRecord('m-7', body, { messageAttributes, queueArn: 'arn:aws:sqs:us-east-1:0:q' });
const text = (stringValue: string) => ({ dataType: 'String', stringValue }) as Attributes[string];

describe('messageSize (as SQS counts it)', () => {
  it('counts body bytes, and each attribute by name, data type and value, in UTF-8', () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1024 * 1024);
    expect(SQS_CLASSIC_MESSAGE_BYTES).toBe(256 * 1024);
    expect(messageSize('€', {})).toBe(3);
    expect(messageSize('ab', { n: { DataType: 'String', StringValue: 'ü' } })).toBe(2 + 1 + 6 + 2);
    expect(messageSize('', { bin: { DataType: 'Binary', BinaryValue: new Uint8Array(5) } })).toBe(3 + 6 + 5);
    expect(messageSize('', { x: {} as never })).toBe(1);
  });
});

describe('buildDeadLetter attributes', () => {
  it('carries the reason, the outcome as JSON and the source message id', () => {
    const { attributes } = buildDeadLetter(recordOf('{}'), outcome);
    expect(attributes[DLQ_ATTRIBUTES.REASON]).toStrictEqual({ DataType: 'String', StringValue: 'remote-rejected' });
    expect(attributes[DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID]).toStrictEqual({ DataType: 'String', StringValue: 'm-7' });
    expect(attributes[DLQ_ATTRIBUTES.OUTCOME]?.DataType).toBe('String');
    expect(JSON.parse(attributes[DLQ_ATTRIBUTES.OUTCOME]!.StringValue!)).toStrictEqual(outcome);
    expect(DLQ_ATTRIBUTES).toStrictEqual({
      REASON: 'swarm-send.reason',
      OUTCOME: 'swarm-send.outcome',
      SOURCE_MESSAGE_ID: 'swarm-send.source-message-id',
      TRUNCATED: 'swarm-send.truncated',
      BODY_BYTES: 'swarm-send.body-bytes',
      BODY_SHA256: 'swarm-send.body-sha256',
      SOURCE_VERSION: 'swarm-send.source-version',
      DR_VERSION: 'swarm-send.dr-version',
    });
  });

  it("keeps the original's string and binary attributes in SendMessage form", () => {
    const { attributes } = buildDeadLetter(
      recordOf('{}', {
        trace: text('t-1'),
        blob: { dataType: 'Binary', binaryValue: Buffer.from([1, 2, 3]).toString('base64') } as Attributes[string],
        num: { dataType: 'Number', stringValue: '7' } as Attributes[string],
      }),
      outcome,
    );
    expect(attributes.trace).toStrictEqual({ DataType: 'String', StringValue: 't-1' });
    expect(attributes.num).toStrictEqual({ DataType: 'Number', StringValue: '7' });
    expect(attributes.blob?.DataType).toBe('Binary');
    expect(Object.keys(attributes.blob!)).toStrictEqual(['DataType', 'BinaryValue']);
    expect([...Buffer.from(attributes.blob!.BinaryValue!)]).toStrictEqual([1, 2, 3]);
    expect(Object.keys(attributes.trace!)).toStrictEqual(['DataType', 'StringValue']);
  });

  it('drops swarm-send attributes of an earlier dead-lettering (a redriven message) and keeps ours', () => {
    const { attributes } = buildDeadLetter(
      recordOf('{}', {
        'swarm-send.reason': text('old-reason'),
        'swarm-send.truncated': text('true'),
        keep: text('k'),
      }),
      outcome,
    );
    expect(attributes[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('remote-rejected');
    expect(attributes[DLQ_ATTRIBUTES.TRUNCATED]).toBeUndefined();
    expect(attributes.keep?.StringValue).toBe('k');
  });

  it('keeps at most ten attributes in all: ours first, then the first seven of the original', () => {
    const many = Object.fromEntries(Array.from({ length: 9 }, (_v, i) => [`a${i}`, text(`v${i}`)]));
    const { attributes } = buildDeadLetter(recordOf('{}', many), outcome);
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(Object.keys(attributes).slice(3)).toStrictEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('skips an original attribute too large for the limit but keeps a later one that fits', () => {
    const { attributes, body } = buildDeadLetter(
      recordOf('{}', { huge: text('x'.repeat(5000)), small: text('s') }),
      outcome,
      4096,
    );
    expect(body).toBe('{}');
    expect(attributes.huge).toBeUndefined();
    expect(attributes.small?.StringValue).toBe('s');
  });

  it('when the body is cut, the original attributes get at most a quarter of the limit', () => {
    const body = 'b'.repeat(8000);
    const originals = { first: text('f'.repeat(1500)), second: text('s'.repeat(200)) };
    const letter = buildDeadLetter(recordOf(body, originals), outcome, 8192);
    expect(letter.attributes[DLQ_ATTRIBUTES.TRUNCATED]?.StringValue).toBe('true');
    expect(letter.attributes[DLQ_ATTRIBUTES.BODY_SHA256]?.StringValue).toMatch(/^[0-9a-f]{64}$/);
    expect(letter.attributes.first).toBeUndefined();
    expect(letter.attributes.second?.StringValue).toBe('s'.repeat(200));
    expect(messageSize(letter.body, letter.attributes)).toBe(8192);
    expect(letter.body).toBe(body.slice(0, letter.body.length));
  });

  it('a body of exactly the room left is kept whole; one byte more is cut', () => {
    const room = 4096 - messageSize('', buildDeadLetter(recordOf(''), outcome).attributes);
    const fits = buildDeadLetter(recordOf('x'.repeat(room)), outcome, 4096);
    expect(fits.body).toHaveLength(room);
    expect(fits.outcome.truncated).toBeUndefined();
    expect(fits.attributes[DLQ_ATTRIBUTES.TRUNCATED]).toBeUndefined();
    const over = buildDeadLetter(recordOf('x'.repeat(room + 1)), outcome, 4096);
    expect(over.outcome.truncated?.bytes).toBe(room + 1);
    expect(messageSize(over.body, over.attributes)).toBe(4096);
  });

  it('with no room at all for a body, the letter keeps the reason and an empty body', () => {
    const letter = buildDeadLetter(recordOf('x'.repeat(100)), outcome, 10);
    expect(letter.body).toBe('');
    expect(letter.attributes[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('remote-rejected');
    expect(letter.outcome.truncated?.bytes).toBe(100);
  });
});
