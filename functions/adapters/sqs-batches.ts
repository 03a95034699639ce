import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SwarmSendError } from '../core/errors.js';

/** The message group of a message sent to a FIFO queue that has none of its own. */
export const FALLBACK_MESSAGE_GROUP = 'swarm-send';

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
export async function queueCounts(sqs: SQSClient, queueUrl: string, abortSignal?: AbortSignal): Promise<QueueCounts> {
  const a =
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
        { abortSignal },
      )
    ).Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** One entry of an SQS batch call that the service refused (reported on HTTP 200, in `Failed`). */
export interface FailedEntry {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/**
 * The error code of an SDK or network error: the service's code, else the socket's, else its
 * name; `Error` when none of them says more (never an empty code, which would be a blank label).
 */
export function sdkErrorCode(err: unknown): string {
  const e = err as { Code?: unknown; code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  for (const c of [e?.Code, e?.code, e?.cause?.code, e?.name]) if (typeof c === 'string' && c) return c;
  return 'Error';
}

/** The refused entries of a batch call's response. */
export function failedEntries(res: {
  Failed?: readonly { Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] | undefined;
}): FailedEntry[] {
  return (res.Failed ?? []).map((f) => ({ id: f.Id ?? '', code: f.Code ?? 'Unknown', message: f.Message ?? '' }));
}

/** "3 x ReceiptHandleIsInvalid, 1 x InvalidParameterValue" */
export function summarizeCodes(entries: readonly FailedEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${n} x ${code}`).join(', ');
}

/** A batch call that SQS refused in part or whole; `failed` names each entry with its code. */
export class BatchEntriesFailedError extends SwarmSendError {
  constructor(
    readonly operation: string,
    readonly failed: readonly FailedEntry[],
    total: number,
  ) {
    super(
      'batch-entries-failed',
      `${operation}: ${failed.length} of ${total} entries failed (${summarizeCodes(failed)})`,
    );
    this.name = 'BatchEntriesFailedError';
  }
}

/**
 * Makes received messages visible again at once, ten per call. Resolves to the entries that
 * stayed invisible (refused entries, or every entry of a call that failed), with their codes;
 * those messages reappear when their visibility timeout ends.
 */
export async function makeVisible(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly { ReceiptHandle?: string | undefined }[],
): Promise<FailedEntry[]> {
  const failed: FailedEntry[] = [];
  for (const batch of chunks(messages)) {
    try {
      const res = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
      failed.push(...failedEntries(res));
    } catch (err) {
      failed.push(
        ...batch.map((_m, j) => ({ id: String(j), code: sdkErrorCode(err), message: (err as Error).message ?? '' })),
      );
    }
  }
  return failed;
}
