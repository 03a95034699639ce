import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { SendMessage } from './core/message/message.js';
import { chunks, FALLBACK_MESSAGE_GROUP } from './adapters/sqs-batches.js';
import { splitByDestination } from './core/message/fan-out.js';

export { nodeHintFromWrite, sizeFromWrite } from './core/send/write-response.js';
export type { SendMessage } from './core/message/message.js';

/** The typed producer's options. */
export interface EnqueueOptions {
  /** Tries per entry when SQS fails part of a batch (or the whole call). @default 5 */
  readonly maxTries?: number;
  /** First delay between tries, ms; doubles each time. @default 100 */
  readonly retryDelayMs?: number;
  /** SendMessageBatch calls in flight at once. @default 4 */
  readonly parallelCalls?: number;
  /** FIFO queues: the message group of a message. @default the object's uuid or bucket */
  readonly messageGroupId?: (message: SendMessage | string) => string;
  /**
   * FIFO queues: the deduplication id of a message (its index in `messages` is given too).
   * Default: a fresh `crypto.randomUUID()` per message, so two identical requests are both
   * delivered. Pass your own id (e.g. the upstream event's id) to make a repeated enqueue of the
   * same request within SQS's five-minute window a no-op, or `'content'` to leave the id out and
   * let a queue with ContentBasedDeduplication hash the body (then identical requests within
   * five minutes are dropped: right only when a second identical request means nothing new).
   * Each message keeps its id across this call's own retries. A message split by destination
   * (`to` a list) gives each part this id followed by `:` and the part's destination.
   */
  readonly deduplicationId?: ((message: SendMessage | string, index: number) => string) | 'content';
}

export interface EnqueueResult {
  /** SQS messages enqueued: a message split by destination counts once per destination. */
  readonly sent: number;
  /**
   * Entries that still failed after every try, with the SQS error code: `index` is the
   * message's index in `messages`; `destination` names the part of a split message that failed
   * (its other parts may have been enqueued: enqueue the message again, or that part alone).
   */
  readonly failed: {
    readonly index: number;
    readonly destination?: string;
    readonly code: string;
    readonly message: string;
  }[];
}

/** One SQS message to enqueue: a whole message, or one destination's part of a split one. */
interface Part {
  readonly message: SendMessage | string;
  /** The message's index in the caller's list. */
  readonly index: number;
  /** Set on the parts of a message split by destination. */
  readonly destination?: string;
}

/** Messages naming several destinations become one message per destination (docs/fan-out.md). */
function partsOf(messages: readonly (SendMessage | string)[]): Part[] {
  return messages.flatMap((message, index): Part[] => {
    if (typeof message === 'string' || !Array.isArray(message.to)) return [{ message, index }];
    const destinations: readonly string[] = message.to;
    return splitByDestination(message, destinations).map((part, i) => ({
      message: part,
      index,
      destination: destinations[i]!,
    }));
  });
}

/**
 * A delete message (`op: "delete"`) for `object`, with any other fields (`from`, `to`,
 * `correlationId`): on a route whose `deletes` is "propagate" the worker deletes DR's copy once
 * the source proves the object gone (docs/deletes.md); elsewhere it ends as `delete-ignored`.
 * Enqueue it with `enqueueSends` like any message.
 */
export function deleteMessage(
  object: SendMessage['object'],
  fields: Omit<SendMessage, 'object' | 'op' | 'feeds' | 'nodeHint'> = {},
): SendMessage {
  return { ...fields, object, op: 'delete' };
}

function groupOf(m: SendMessage | string): string {
  if (typeof m === 'string') return FALLBACK_MESSAGE_GROUP;
  return 'uuid' in m.object ? m.object.uuid.toLowerCase() : `${m.object.domain}/${m.object.bucket}`;
}

/**
 * Enqueues SEND requests (DESIGN.md section 1) with SendMessageBatch, ten per call, retrying the
 * entries SQS reports as failed (and whole calls that throw) with exponential backoff. Strings
 * are sent as they are (already-serialised bodies); objects are serialised as JSON, and one
 * whose `to` is a list is split into one message per destination first (docs/fan-out.md), so
 * each destination is retried and dead-lettered on its own. (A string naming several is split
 * by the worker.)
 */
export async function enqueueSends(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly (SendMessage | string)[],
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const maxTries = options.maxTries ?? 5;
  const delay = options.retryDelayMs ?? 100;
  const fifo = queueUrl.endsWith('.fifo');
  const group = options.messageGroupId ?? groupOf;
  const parts = partsOf(messages);
  const bodies = parts.map(({ message: m }) => (typeof m === 'string' ? m : JSON.stringify(m)));
  const dedup = options.deduplicationId ?? (() => randomUUID());
  // Chosen once per message, so a retried entry cannot be delivered twice.
  const dedupIds =
    fifo && dedup !== 'content'
      ? parts.map((p) => {
          const id = dedup(messages[p.index]!, p.index);
          return p.destination === undefined ? id : `${id}:${p.destination}`;
        })
      : [];
  const failed: EnqueueResult['failed'][number][] = [];
  let sent = 0;
  // Which message (and, for a split one, which destination) the entry `i` carries.
  const where = (i: number) => {
    const { index, destination } = parts[i]!;
    return destination === undefined ? { index } : { index, destination };
  };

  const batches = chunks(bodies.map((_b, i) => i));

  async function sendBatch(indexes: number[]): Promise<void> {
    let pending = indexes;
    let lastError = new Map<number, { code: string; message: string }>();
    for (let attempt = 1; pending.length && attempt <= maxTries; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, delay * 2 ** (attempt - 2)));
      const entries: SendMessageBatchRequestEntry[] = pending.map((i) => ({
        Id: String(i),
        MessageBody: bodies[i]!,
        ...(fifo && { MessageGroupId: group(parts[i]!.message) }),
        ...(dedupIds[i] !== undefined && { MessageDeduplicationId: dedupIds[i] }),
      }));
      try {
        const res = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        sent += res.Successful?.length ?? 0;
        lastError = new Map(
          (res.Failed ?? []).map((f) => [Number(f.Id), { code: f.Code ?? 'Failed', message: f.Message ?? '' }]),
        );
        // Sender faults (a malformed entry) will not heal: stop retrying those.
        for (const f of res.Failed ?? [])
          if (f.SenderFault)
            failed.push({ ...where(Number(f.Id)), code: f.Code ?? 'SenderFault', message: f.Message ?? '' });
        pending = (res.Failed ?? []).filter((f) => !f.SenderFault).map((f) => Number(f.Id));
      } catch (err) {
        lastError = new Map(pending.map((i) => [i, { code: (err as Error).name, message: (err as Error).message }]));
      }
    }
    for (const i of pending) failed.push({ ...where(i), ...(lastError.get(i) ?? { code: 'Unknown', message: '' }) });
  }

  const parallel = Math.max(1, options.parallelCalls ?? 4);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, batches.length) }, async () => {
      while (next < batches.length) await sendBatch(batches[next++]!);
    }),
  );
  failed.sort((a, b) => a.index - b.index);
  return { sent, failed };
}
