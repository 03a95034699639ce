import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../core/outcome.js';
import type { QueueOps } from '../worker/ports.js';
import { BatchEntriesFailedError, chunks, failedEntries } from './sqs-batches.js';

/** Message attributes a dead-lettered message carries, so an operator reads why without a log. */
export const DLQ_ATTRIBUTES = {
  REASON: 'swarm-send.reason',
  OUTCOME: 'swarm-send.outcome',
  SOURCE_MESSAGE_ID: 'swarm-send.source-message-id',
} as const;

/** SQS allows 10 message attributes; ours take 3, the original's keep the rest. */
const MAX_ATTRIBUTES = 10;

/** Converts the Lambda record's attribute shape back into SendMessage's. */
function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, a] of Object.entries(record.messageAttributes ?? {})) {
    if (name.startsWith('swarm-send.')) continue;
    const v: MessageAttributeValue = { DataType: a.dataType };
    if (a.stringValue !== undefined) v.StringValue = a.stringValue;
    if (a.binaryValue !== undefined) v.BinaryValue = Buffer.from(a.binaryValue, 'base64');
    out[name] = v;
  }
  return out;
}

export interface SqsQueueOpsOptions {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly outcomesQueueUrl: string | null;
}

/**
 * QueueOps over the AWS SDK: visibility changes in batches of ten, dead-lettering with the
 * outcome in message attributes (the body stays the original, so a redrive sends it back
 * unchanged), and outcomes published with SendMessageBatch.
 */
export function createSqsQueueOps({ sqs, dlqUrl, outcomesQueueUrl }: SqsQueueOpsOptions): QueueOps {
  const urls = new Map<string, Promise<string>>();

  /** The queue URL of an event source ARN (arn:aws:sqs:region:account:name), looked up once. */
  function queueUrl(arn: string): Promise<string> {
    let url = urls.get(arn);
    if (!url) {
      const [, , , , account, name] = arn.split(':');
      url = sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((r) => r.QueueUrl!);
      url.catch(() => urls.delete(arn));
      urls.set(arn, url);
    }
    return url;
  }

  return {
    async changeVisibility(entries) {
      const byQueue = new Map<string, { record: SQSRecord; seconds: number }[]>();
      for (const e of entries) byQueue.set(e.record.eventSourceARN, [...(byQueue.get(e.record.eventSourceARN) ?? []), e]);
      const responses = await Promise.all(
        [...byQueue].flatMap(([arn, list]) =>
          chunks(list).map(async (batch) =>
            sqs.send(
              new ChangeMessageVisibilityBatchCommand({
                QueueUrl: await queueUrl(arn),
                Entries: batch.map((e, i) => ({ Id: String(i), ReceiptHandle: e.record.receiptHandle, VisibilityTimeout: e.seconds })),
              }),
            ),
          ),
        ),
      );
      // SQS refuses single entries on HTTP 200: a refused backoff is an error, with its codes.
      const failed = responses.flatMap(failedEntries);
      if (failed.length) throw new BatchEntriesFailedError('ChangeMessageVisibilityBatch', failed, entries.length);
    },

    async deadLetter(record, outcome) {
      const attributes: Record<string, MessageAttributeValue> = {
        [DLQ_ATTRIBUTES.REASON]: { DataType: 'String', StringValue: outcome.reason },
        [DLQ_ATTRIBUTES.OUTCOME]: { DataType: 'String', StringValue: JSON.stringify(outcome) },
        [DLQ_ATTRIBUTES.SOURCE_MESSAGE_ID]: { DataType: 'String', StringValue: record.messageId },
      };
      for (const [name, value] of Object.entries(originalAttributes(record))) {
        if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
        attributes[name] = value;
      }
      const fifo = dlqUrl.endsWith('.fifo');
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: record.body,
          MessageAttributes: attributes,
          ...(fifo ? { MessageGroupId: record.attributes.MessageGroupId ?? 'swarm-send', MessageDeduplicationId: record.messageId } : {}),
        }),
      );
    },

    async publishOutcomes(outcomes) {
      if (!outcomesQueueUrl || outcomes.length === 0) return [];
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
            );
            for (const f of res.Failed ?? []) failed.push(Number(f.Id));
          } catch {
            failed.push(...batch.map(([, i]) => i));
          }
        }),
      );
      return failed;
    },
  };
}
