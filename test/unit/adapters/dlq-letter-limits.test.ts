import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { buildDeadLetter, DLQ_ATTRIBUTES, messageSize } from '../../../functions/adapters/dlq-message.js';
import { sampleOutcomeRecord, sqsRecord } from '../../helpers/records.js';

// A dead letter at the edges of its limits: an original attribute that exactly fills the room
// left for it, and the SQS data type of every attribute a cut letter gets.

type Attributes = NonNullable<SQSRecord['messageAttributes']>;
const text = (stringValue: string) => ({ dataType: 'String', stringValue }) as Attributes[string];
const failed = sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden', messageId: 'm-9' });
const recordOf = (body: string, messageAttributes: Attributes = {}) => sqsRecord('m-9', body, { messageAttributes });

describe('dead letter limits', () => {
  it('keeps an original attribute that fills the limit to the byte, and drops one a byte longer', () => {
    const ours = messageSize('', buildDeadLetter(recordOf(''), failed).attributes);
    // name "a" (1 byte) + data type "String" (6 bytes) + the value.
    const value = (extra: number) => 'v'.repeat(4096 - ours - 1 - 6 + extra);
    const exact = buildDeadLetter(recordOf('', { a: text(value(0)) }), failed, 4096);
    expect(messageSize(exact.body, exact.attributes)).toBe(4096);
    expect(exact.attributes.a?.StringValue).toBe(value(0));
    const over = buildDeadLetter(recordOf('', { a: text(value(1)) }), failed, 4096);
    expect(over.attributes.a).toBeUndefined();
  });

  it('a cut letter keeps an original attribute that fills its quarter of the limit to the byte', () => {
    const body = 'b'.repeat(10_000);
    const cutAttributes = buildDeadLetter(recordOf(body), failed, 8192).attributes;
    const value = 'q'.repeat(8192 / 4 - messageSize('', cutAttributes) - 1 - 6);
    const letter = buildDeadLetter(recordOf(body, { q: text(value) }), failed, 8192);
    expect(letter.attributes.q?.StringValue).toBe(value);
    expect(messageSize('', letter.attributes)).toBe(8192 / 4);
    expect(messageSize(letter.body, letter.attributes)).toBe(8192);
  });

  it('marks a cut letter with typed attributes: truncated (String), original size (Number), SHA-256 (String)', () => {
    const body = 'c'.repeat(5000);
    const letter = buildDeadLetter(recordOf(body), failed, 4096);
    expect(letter.attributes[DLQ_ATTRIBUTES.TRUNCATED]).toStrictEqual({ DataType: 'String', StringValue: 'true' });
    expect(letter.attributes[DLQ_ATTRIBUTES.BODY_BYTES]).toStrictEqual({ DataType: 'Number', StringValue: '5000' });
    expect(letter.attributes[DLQ_ATTRIBUTES.BODY_SHA256]).toStrictEqual({
      DataType: 'String',
      StringValue: createHash('sha256').update(body).digest('hex'),
    });
  });
});
