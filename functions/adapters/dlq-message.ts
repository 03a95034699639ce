import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import { PRODUCT_NAME } from '../core/send/scsp-request.js';

/** The prefix of every message attribute swarm-send adds (a redrive takes them off again). */
export const ATTRIBUTE_PREFIX = `${PRODUCT_NAME}.`;

/** Whether a message attribute is one swarm-send added, not the original sender's. */
export function isOwnAttribute(name: string): boolean {
  return name.startsWith(ATTRIBUTE_PREFIX);
}

/** Message attributes a dead-lettered message carries, so an operator reads why without a log. */
export const DLQ_ATTRIBUTES = {
  REASON: `${ATTRIBUTE_PREFIX}reason`,
  OUTCOME: `${ATTRIBUTE_PREFIX}outcome`,
  SOURCE_MESSAGE_ID: `${ATTRIBUTE_PREFIX}source-message-id`,
  /** `true` when the body is a truncated copy; the next two then describe the original. */
  TRUNCATED: `${ATTRIBUTE_PREFIX}truncated`,
  BODY_BYTES: `${ATTRIBUTE_PREFIX}body-bytes`,
  BODY_SHA256: `${ATTRIBUTE_PREFIX}body-sha256`,
  /** A changed object (`stale-at-destination`...): the source's and DR's version, as the outcome's `versions`. */
  SOURCE_VERSION: `${ATTRIBUTE_PREFIX}source-version`,
  DR_VERSION: `${ATTRIBUTE_PREFIX}dr-version`,
} as const;

/** The largest message SQS takes (body plus attributes). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** The long-standing default MaximumMessageSize of a queue (256 KiB); smaller letters need no look-up. */
export const SQS_CLASSIC_MESSAGE_BYTES = 262_144;

/** SQS allows 10 message attributes; ours take 3 (+2 versions, +3 for a truncated body); the original's the rest. */
const MAX_ATTRIBUTES = 10;

/** What a dead-lettered message is made of. */
export interface DeadLetterMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** The outcome as recorded in the attributes (with `truncated` when the body was cut). */
  readonly outcome: OutcomeRecord;
}

/** A message's size as SQS counts it: body bytes plus each attribute's name, type and value. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType ?? '', 'utf8');
    if (a.StringValue !== undefined) size += Buffer.byteLength(a.StringValue, 'utf8');
    if (a.BinaryValue !== undefined) size += a.BinaryValue.byteLength;
  }
  return size;
}

/** Converts the Lambda record's attribute shape back into SendMessage's (the sender's attributes only). */
export function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, a] of Object.entries(record.messageAttributes ?? {})) {
    if (isOwnAttribute(name)) continue;
    const v: MessageAttributeValue = { DataType: a.dataType };
    if (a.stringValue !== undefined) v.StringValue = a.stringValue;
    if (a.binaryValue !== undefined) v.BinaryValue = Buffer.from(a.binaryValue, 'base64');
    out[name] = v;
  }
  return out;
}

/** The longest prefix of `text` that is at most `bytes` long in UTF-8, never splitting a character. */
function utf8Prefix(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = Math.max(0, bytes);
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return buf.subarray(0, end).toString('utf8');
}

function withOutcome(
  outcome: OutcomeRecord,
  record: SQSRecord,
  extra: Record<string, MessageAttributeValue> = {},
): Record<string, MessageAttributeValue> {
  return {
    [DLQ_ATTRIBUTES.REASON]: { DataType: 'String', StringValue: outcome.reason },
    [DLQ_ATTRIBUTES.OUTCOME]: { DataType: 'String', StringValue: JSON.stringify(outcome) },
    [DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID]: { DataType: 'String', StringValue: record.messageId },
    ...versionAttributes(outcome),
    ...extra,
  };
}

/** The versions of a changed object, each when known (an attribute value cannot be empty). */
function versionAttributes(outcome: OutcomeRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  const v = outcome.versions;
  if (v?.source) out[DLQ_ATTRIBUTES.SOURCE_VERSION] = { DataType: 'String', StringValue: v.source };
  if (v?.destination) out[DLQ_ATTRIBUTES.DR_VERSION] = { DataType: 'String', StringValue: v.destination };
  return out;
}

/** Adds the original's attributes while there is room: at most 10 in all, and within `budget` bytes. */
function addOriginals(attributes: Record<string, MessageAttributeValue>, record: SQSRecord, budget: number): void {
  for (const [name, value] of Object.entries(originalAttributes(record))) {
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
    if (messageSize('', { ...attributes, [name]: value }) > budget) continue;
    attributes[name] = value;
  }
}

/**
 * The dead-letter message of a record: its original body, with the outcome in attributes, so a
 * redrive sends it back unchanged. When that would exceed `maxBytes` (a body near the SQS
 * limit plus our attributes), the body is cut to fit, and the attributes and the outcome record
 * say so (`truncated`, with the original's size and SHA-256): the reason still reaches the DLQ,
 * and the message is not failed again on every attempt.
 */
export function buildDeadLetter(
  record: SQSRecord,
  outcome: OutcomeRecord,
  maxBytes = SQS_MAX_MESSAGE_BYTES,
): DeadLetterMessage {
  const attributes = withOutcome(outcome, record);
  addOriginals(attributes, record, maxBytes);
  if (messageSize(record.body, attributes) <= maxBytes) return { body: record.body, attributes, outcome };

  const bytes = Buffer.byteLength(record.body, 'utf8');
  const sha256 = createHash('sha256').update(record.body, 'utf8').digest('hex');
  const cut: OutcomeRecord = { ...outcome, truncated: { bytes, sha256 } };
  const cutAttributes = withOutcome(cut, record, {
    [DLQ_ATTRIBUTES.TRUNCATED]: { DataType: 'String', StringValue: 'true' },
    [DLQ_ATTRIBUTES.BODY_BYTES]: { DataType: 'Number', StringValue: String(bytes) },
    [DLQ_ATTRIBUTES.BODY_SHA256]: { DataType: 'String', StringValue: sha256 },
  });
  // The original's attributes may take at most a quarter of the limit; the body gets the rest.
  addOriginals(cutAttributes, record, Math.floor(maxBytes / 4));
  const body = utf8Prefix(record.body, maxBytes - messageSize('', cutAttributes));
  return { body, attributes: cutAttributes, outcome: cut };
}
