import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The most entries one SQS batch call takes (SendMessageBatch, DeleteMessageBatch, ...). */
export const SQS_BATCH_LIMIT = 10;

/** Splits `items` into runs of at most `size` (SQS batch calls take ten entries). */
export function chunks<T>(items: readonly T[], size = SQS_BATCH_LIMIT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** A queue's approximate message counts, from one GetQueueAttributes call. */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const a =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] })))
      .Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Makes received messages visible again at once, ten per call; best effort (errors ignored). */
export async function makeVisible(sqs: SQSClient, queueUrl: string, messages: readonly { ReceiptHandle?: string | undefined }[]): Promise<void> {
  for (const batch of chunks(messages)) {
    await sqs
      .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })) }))
      .catch(() => undefined);
  }
}
