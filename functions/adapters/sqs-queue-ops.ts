import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import { COPY_STARTED_AT_ATTRIBUTE } from '../worker/copy-start.js';
import type { FanOutPart, QueueOps, Renewal } from '../worker/ports.js';
import {
  buildDeadLetter,
  DLQ_ATTRIBUTES,
  messageSize,
  originalAttributes,
  SQS_CLASSIC_MESSAGE_BYTES,
  SQS_MAX_MESSAGE_BYTES,
} from './dlq-message.js';
import { BatchEntriesFailedError, chunks, FALLBACK_MESSAGE_GROUP, failedEntries } from './sqs-batches.js';

export interface SqsQueueOpsOptions {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly outcomesQueueUrl: string | null;
  /** The large-object queue (`moveToLongRunningTier`); null: none, a move is refused. @default null */
  readonly largeObjectQueueUrl?: string | null;
  /**
   * The DLQ's MaximumMessageSize; a longer dead letter gets a truncated body. @default read once
   * from the DLQ (GetQueueAttributes) when a letter is over 256 KiB; 256 KiB if that read fails
   */
  readonly dlqMaxMessageBytes?: number;
}

type Signal = AbortSignal | undefined;

/** The queue URL of an event source ARN (arn:aws:sqs:region:account:name), each looked up once. */
function queueUrls(sqs: SQSClient): (arn: string, abortSignal: Signal) => Promise<string> {
  const urls = new Map<string, Promise<string>>();
  return (arn, abortSignal) => {
    let url = urls.get(arn);
    if (!url) {
      const [, , , , account, name] = arn.split(':');
      url = sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }), { abortSignal })
        .then((r) => r.QueueUrl!);
      url.catch(() => urls.delete(arn));
      urls.set(arn, url);
    }
    return url;
  };
}

/**
 * The DLQ's size limit for a letter of `size` bytes: any queue takes 256 KiB unless configured
 * smaller (then give `dlqMaxMessageBytes`), so only a larger letter needs the real limit, read
 * once. A failed read is not cached and assumes 256 KiB, so the letter is cut, never refused.
 */
function dlqLimits(
  sqs: SQSClient,
  dlqUrl: string,
  dlqMaxMessageBytes: number | undefined,
): (size: number, abortSignal: Signal) => Promise<number> {
  let dlqLimit: Promise<number> | null = null;
  return async (size, abortSignal) => {
    if (dlqMaxMessageBytes !== undefined) return dlqMaxMessageBytes;
    if (size <= SQS_CLASSIC_MESSAGE_BYTES) return SQS_CLASSIC_MESSAGE_BYTES;
    dlqLimit ??= sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['MaximumMessageSize'] }), {
        abortSignal,
      })
      .then((r) => Number(r.Attributes?.MaximumMessageSize) || SQS_MAX_MESSAGE_BYTES);
    dlqLimit.catch(() => (dlqLimit = null));
    return dlqLimit.catch(() => SQS_CLASSIC_MESSAGE_BYTES);
  };
}

type Backoff = { record: SQSRecord; seconds: number };

/** ChangeMessageVisibilityBatch per source queue, ten at a time; a refused entry is an error, with its code. */
async function changeVisibility(
  sqs: SQSClient,
  queueUrl: ReturnType<typeof queueUrls>,
  entries: readonly Backoff[],
  abortSignal: Signal,
): Promise<void> {
  const byQueue = new Map<string, Backoff[]>();
  for (const e of entries) byQueue.set(e.record.eventSourceARN, [...(byQueue.get(e.record.eventSourceARN) ?? []), e]);
  const responses = await Promise.all(
    [...byQueue].flatMap(([arn, list]) =>
      chunks(list).map(async (batch) =>
        sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: await queueUrl(arn, abortSignal),
            Entries: batch.map((e, i) => ({
              Id: String(i),
              ReceiptHandle: e.record.receiptHandle,
              VisibilityTimeout: e.seconds,
            })),
          }),
          { abortSignal },
        ),
      ),
    ),
  );
  // SQS refuses single entries on HTTP 200: a refused backoff is an error, with its codes.
  const failed = responses.flatMap(failedEntries);
  if (failed.length) throw new BatchEntriesFailedError('ChangeMessageVisibilityBatch', failed, entries.length);
}

/** SendMessageBatch of outcomes, ten at a time; resolves to the indexes not published. */
async function publishOutcomes(
  sqs: SQSClient,
  outcomesQueueUrl: string,
  outcomes: readonly OutcomeRecord[],
  abortSignal: Signal,
): Promise<number[]> {
  const failed: number[] = [];
  const fifo = outcomesQueueUrl.endsWith('.fifo');
  await Promise.all(
    chunks(outcomes.map((o, i) => [o, i] as const)).map(async (batch) => {
      try {
        const res = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: outcomesQueueUrl,
            Entries: batch.map(([o, i]) => ({
              Id: String(i),
              MessageBody: JSON.stringify(o),
              MessageAttributes: { [DLQ_ATTRIBUTES.REASON]: { DataType: 'String', StringValue: o.reason } },
              ...(fifo ? { MessageGroupId: 'outcomes', MessageDeduplicationId: `${o.messageId}-${o.attempt}` } : {}),
            })),
          }),
          { abortSignal },
        );
        for (const f of res.Failed ?? []) failed.push(Number(f.Id));
      } catch {
        failed.push(...batch.map(([, i]) => i));
      }
    }),
  );
  return failed;
}

/**
 * SendMessageBatch of a split's parts to the record's own queue, ten at a time (docs/fan-out.md).
 * On a FIFO queue each part keeps the record's message group and is deduplicated by record and
 * destination, so a split repeated within five minutes adds nothing. Rejects, with the refused
 * entries' codes, unless every part was taken.
 */
async function fanOut(
  sqs: SQSClient,
  queueUrl: ReturnType<typeof queueUrls>,
  record: SQSRecord,
  parts: readonly FanOutPart[],
  abortSignal: Signal,
): Promise<void> {
  const url = await queueUrl(record.eventSourceARN, abortSignal);
  const responses = await Promise.all(
    chunks(parts.map((p, i) => [p, i] as const)).map((batch) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map(([p, i]) => ({
            Id: String(i),
            MessageBody: p.body,
            ...fifoFields(url, record, `${record.messageId}:${p.destination}`),
          })),
        }),
        { abortSignal },
      ),
    ),
  );
  const failed = responses.flatMap(failedEntries);
  if (failed.length) throw new BatchEntriesFailedError('SendMessageBatch', failed, parts.length);
}

/**
 * What a message put back on a FIFO queue for a record needs: the record's message group (its
 * order), and `deduplicationId`; nothing on a standard queue.
 */
function fifoFields(
  queueUrl: string,
  record: SQSRecord,
  deduplicationId: string,
): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  if (!queueUrl.endsWith('.fifo')) return {};
  return {
    MessageGroupId: record.attributes.MessageGroupId ?? FALLBACK_MESSAGE_GROUP,
    MessageDeduplicationId: deduplicationId,
  };
}

/**
 * SendMessage of a record's message, as it came (body and sender's attributes), to the
 * large-object queue. On a FIFO queue it keeps its message group and is deduplicated by the
 * record's message id, so a move repeated within five minutes adds nothing.
 */
async function moveToLongRunningTier(
  sqs: SQSClient,
  largeObjectQueueUrl: string | null,
  record: SQSRecord,
  abortSignal: Signal,
): Promise<void> {
  if (!largeObjectQueueUrl) throw new Error('no large-object queue is configured');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: largeObjectQueueUrl,
      MessageBody: record.body,
      MessageAttributes: originalAttributes(record),
      ...fifoFields(largeObjectQueueUrl, record, record.messageId),
    }),
    { abortSignal },
  );
}

/** The longest DelaySeconds SQS takes on a message (15 minutes). */
export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * SendMessage of a record's message, its body and sender's attributes, plus the copy's start, to
 * its own queue: a renewal (docs/large-objects.md). A standard queue delays it up to 15 minutes
 * (the rest of the wait is the renewed message's own visibility change); a FIFO queue keeps its
 * message group, deduplicates it by message id and attempt (a renewal repeated within five minutes
 * adds nothing) and takes no per-message delay.
 */
async function renew(
  sqs: SQSClient,
  queueUrl: ReturnType<typeof queueUrls>,
  record: SQSRecord,
  { copyStartedAtMs, delaySeconds }: Renewal,
  abortSignal: Signal,
): Promise<void> {
  const url = await queueUrl(record.eventSourceARN, abortSignal);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: record.body,
      MessageAttributes: {
        ...originalAttributes(record),
        [COPY_STARTED_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Math.round(copyStartedAtMs)) },
      },
      ...(url.endsWith('.fifo')
        ? fifoFields(url, record, `${record.messageId}:renew:${record.attributes.ApproximateReceiveCount}`)
        : { DelaySeconds: Math.max(0, Math.min(SQS_MAX_DELAY_SECONDS, Math.ceil(delaySeconds))) }),
    }),
    { abortSignal },
  );
}

/**
 * QueueOps over the AWS SDK: visibility changes in batches of ten, dead-lettering with the
 * outcome in message attributes (the body stays the original, so a redrive sends it back
 * unchanged, unless it must be cut to fit: `buildDeadLetter`), and outcomes published with
 * SendMessageBatch; a multi-destination message's parts go back on its own queue (`fanOut`), a
 * large object's message onto the large-object queue (`moveToLongRunningTier`) or again onto its
 * own queue (`renew`). Every call
 * passes the worker's abort signal to the SDK (`abortSignal`).
 */
export function createSqsQueueOps({
  sqs,
  dlqUrl,
  outcomesQueueUrl,
  largeObjectQueueUrl = null,
  dlqMaxMessageBytes,
}: SqsQueueOpsOptions): QueueOps {
  const queueUrl = queueUrls(sqs);
  const dlqLimitFor = dlqLimits(sqs, dlqUrl, dlqMaxMessageBytes);
  return {
    changeVisibility: (entries, abortSignal) => changeVisibility(sqs, queueUrl, entries, abortSignal),

    async deadLetter(record, outcome, abortSignal) {
      const whole = buildDeadLetter(record, outcome, SQS_MAX_MESSAGE_BYTES);
      const limit = await dlqLimitFor(messageSize(whole.body, whole.attributes), abortSignal);
      const letter = limit >= SQS_MAX_MESSAGE_BYTES ? whole : buildDeadLetter(record, outcome, limit);
      const fifo = dlqUrl.endsWith('.fifo');
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: letter.body,
          MessageAttributes: letter.attributes,
          ...(fifo
            ? {
                MessageGroupId: record.attributes.MessageGroupId ?? FALLBACK_MESSAGE_GROUP,
                MessageDeduplicationId: record.messageId,
              }
            : {}),
        }),
        { abortSignal },
      );
      return letter.outcome;
    },

    async publishOutcomes(outcomes, abortSignal) {
      if (!outcomesQueueUrl || outcomes.length === 0) return [];
      return publishOutcomes(sqs, outcomesQueueUrl, outcomes, abortSignal);
    },

    fanOut: (record, parts, abortSignal) => fanOut(sqs, queueUrl, record, parts, abortSignal),

    moveToLongRunningTier: (record, abortSignal) =>
      moveToLongRunningTier(sqs, largeObjectQueueUrl, record, abortSignal),

    renew: (record, renewal, abortSignal) => renew(sqs, queueUrl, record, renewal, abortSignal),
  };
}
