import type { SQSRecord } from 'aws-lambda';
import { PRODUCT_NAME } from '../core/send/scsp-request.js';

/**
 * The message attribute a renewed message carries (`QueueOps.renew`): when the large object's
 * copy is taken to have started, epoch ms. A renewed message is a new message, with its own first
 * receive, so the copy's start travels with it (docs/large-objects.md).
 */
export const COPY_STARTED_AT_ATTRIBUTE = `${PRODUCT_NAME}.copy-started-at`;

/**
 * When the record's message was first received from its queue (SQS
 * ApproximateFirstReceiveTimestamp), ms; null when the record does not say.
 */
export function firstReceivedAtOf(record: SQSRecord): number | null {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return Number.isFinite(first) && first > 0 ? first : null;
}

/** The renewal's copy start on the record (`COPY_STARTED_AT_ATTRIBUTE`), ms; null when it has none. */
export function renewedCopyStartOf(record: SQSRecord): number | null {
  const value = record.messageAttributes?.[COPY_STARTED_AT_ATTRIBUTE]?.stringValue;
  const ms = value === undefined ? NaN : Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/**
 * When a large object's copy is taken to have started, ms: a renewed message's
 * `swarm-send.copy-started-at`, else the message's first receive (SQS
 * ApproximateFirstReceiveTimestamp); null when the record says neither.
 */
export function copyStartedAtOf(record: SQSRecord): number | null {
  return renewedCopyStartOf(record) ?? firstReceivedAtOf(record);
}
