import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { buildDeadLetter, DLQ_ATTRIBUTES, messageSize } from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { sqsRecord } from '../../helpers/records.js';

const outcome: OutcomeRecord = {
  outcome: 'failed',
  reason: 'invalid-message',
  remoteStatus: null,
  httpStatus: null,
  detail: 'invalid message: body is larger than 65536 bytes',
  object: null,
  from: null,
  to: null,
  node: null,
  attempt: 1,
  durationMs: 0,
  messageId: 'm-1',
  correlationId: null,
};
const recordOf = (body: string, messageAttributes: SQSRecord['messageAttributes'] = {}): SQSRecord =>
  sqsRecord('m-1', body, { messageAttributes });

describe('buildDeadLetter', () => {
  it('keeps a body that fits, with the original attributes and no truncated mark', () => {
    const letter = buildDeadLetter(
      recordOf('{"x":1}', { trace: { dataType: 'String', stringValue: 't-1' } as never }),
      outcome,
    );
    expect(letter.body).toBe('{"x":1}');
    expect(letter.outcome).toBe(outcome);
    expect(Object.keys(letter.attributes).sort()).toStrictEqual(
      [DLQ_ATTRIBUTES.OUTCOME, DLQ_ATTRIBUTES.REASON, DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID, 'trace'].sort(),
    );
  });

  it('cuts an oversized body at a character boundary, to exactly fit the limit, with its size and SHA-256', () => {
    // Three-byte characters, so the cut must step back to a boundary.
    const body = '€'.repeat(2000);
    const letter = buildDeadLetter(recordOf(body), outcome, 4096);
    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(letter.outcome.truncated).toStrictEqual({ bytes: 6000, sha256 });
    expect(body.startsWith(letter.body)).toBe(true);
    expect(letter.body.length).toBeGreaterThan(0);
    expect(messageSize(letter.body, letter.attributes)).toBeLessThanOrEqual(4096);
    expect(messageSize(`${letter.body}€`, letter.attributes)).toBeGreaterThan(4096);
    expect(letter.attributes[DLQ_ATTRIBUTES.TRUNCATED]?.StringValue).toBe('true');
    expect(letter.attributes[DLQ_ATTRIBUTES.BODY_BYTES]).toStrictEqual({ DataType: 'Number', StringValue: '6000' });
    expect(JSON.parse(letter.attributes[DLQ_ATTRIBUTES.OUTCOME]!.StringValue!)).toMatchObject({
      truncated: { bytes: 6000, sha256 },
    });
  });
});

describe('buildDeadLetter: a changed object', () => {
  it("carries the source's and DR's versions as attributes, each only when known", () => {
    const stale: OutcomeRecord = {
      ...outcome,
      reason: 'stale-at-destination',
      versions: { source: '2026-12-06T10:00:00.000Z', destination: '2026-12-01T10:00:00.000Z' },
    };
    const { attributes } = buildDeadLetter(recordOf('{}'), stale);
    expect(attributes[DLQ_ATTRIBUTES.SOURCE_VERSION]).toStrictEqual({
      DataType: 'String',
      StringValue: '2026-12-06T10:00:00.000Z',
    });
    expect(attributes[DLQ_ATTRIBUTES.DR_VERSION]?.StringValue).toBe('2026-12-01T10:00:00.000Z');
    const half = buildDeadLetter(recordOf('{}'), { ...stale, versions: { source: 'x', destination: null } });
    expect(half.attributes[DLQ_ATTRIBUTES.DR_VERSION]).toBeUndefined();
    expect(buildDeadLetter(recordOf('{}'), outcome).attributes[DLQ_ATTRIBUTES.SOURCE_VERSION]).toBeUndefined();
  });
});
