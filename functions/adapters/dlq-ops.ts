import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from './dlq-message.js';
import { makeVisible, type FailedEntry } from './sqs-batches.js';

/**
 * Operations on the dead-letter queue for the operator's commands: peek (count its messages by
 * reason, then show them again) and redrive (move them back to the SEND queue). The rule of
 * redrive: nothing leaves the DLQ that the SEND queue did not accept.
 */

/** A DLQ message's dead-letter reason, or `fallback` when swarm-send did not dead-letter it. */
function reasonOf(m: Message, fallback: string): string {
  return m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue ?? fallback;
}

export interface DlqPeek {
  /** Messages read, by dead-letter reason. */
  readonly byReason: Record<string, number>;
  readonly peeked: number;
  /** SentTimestamp of the oldest message read (ms since the epoch), or null. */
  readonly oldestSentMs: number | null;
  /** Peeked messages that could not be made visible again: they reappear within 30 s. */
  readonly notMadeVisible: readonly FailedEntry[];
}

/** Reads up to `limit` DLQ messages (hidden 30 s each), counts them by reason, and makes them visible again. */
export async function peekDlq(sqs: SQSClient, dlqUrl: string, limit: number): Promise<DlqPeek> {
  const byReason: Record<string, number> = {};
  const seen: Message[] = [];
  let oldestSentMs: number | null = null;
  while (seen.length < limit) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, limit - seen.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageAttributeNames: [DLQ_ATTRIBUTES.REASON],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const messages = out.Messages ?? [];
    if (!messages.length) break;
    for (const m of messages) {
      const reason = reasonOf(m, '(none: moved by the queue redrive policy)');
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      const sent = Number(m.Attributes?.SentTimestamp);
      if (Number.isFinite(sent)) oldestSentMs = oldestSentMs === null ? sent : Math.min(oldestSentMs, sent);
    }
    seen.push(...messages);
  }
  const notMadeVisible = await makeVisible(sqs, dlqUrl, seen);
  return { byReason, peeked: seen.length, oldestSentMs, notMadeVisible };
}

export interface RedriveOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Only messages dead-lettered with one of these reasons (empty: all). */
  readonly reasons: ReadonlySet<string>;
  /** Move at most this many (Infinity: no limit). */
  readonly max: number;
  /** Count what would move; move nothing. */
  readonly dryRun: boolean;
}

export interface RedriveSummary {
  moved: number;
  matched: number;
  skipped: number;
  failed: number;
  byReason: Record<string, number>;
  method: 'receive-send-delete' | 'message-move-task';
  dryRun: boolean;
}

/** How long a message looked at stays hidden while a pass runs. */
const PAUSE_SECONDS = 60;

/**
 * Moves DLQ messages back to the SEND queue. Without a filter or a limit it asks SQS for a message
 * move task; where the service has none (or refuses it), or with a filter, it receives each
 * message, sends its original body and attributes, and deletes it only once the queue has it.
 * SQS errors other than a refused move task propagate.
 */
export async function redriveDlq(sqs: SQSClient, options: RedriveOptions): Promise<RedriveSummary> {
  const summary: RedriveSummary = {
    moved: 0,
    matched: 0,
    skipped: 0,
    failed: 0,
    byReason: {},
    method: 'receive-send-delete',
    dryRun: options.dryRun,
  };
  if (!options.dryRun && options.reasons.size === 0 && options.max === Infinity) {
    const moved = await startMoveTask(sqs, options.dlqUrl, options.queueUrl);
    if (moved !== null) return { ...summary, method: 'message-move-task', moved };
  }
  await moveOneByOne(sqs, options, summary);
  return summary;
}

/** Starts a message move task; resolves to the DLQ's depth, or null when the service has none. */
async function startMoveTask(sqs: SQSClient, dlqUrl: string, queueUrl: string): Promise<number | null> {
  try {
    const attrs = async (url: string) =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
        )
      ).Attributes ?? {};
    const [dlq, queue] = await Promise.all([attrs(dlqUrl), attrs(queueUrl)]);
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.QueueArn, DestinationArn: queue.QueueArn }));
    return Number(dlq.ApproximateNumberOfMessages ?? 0);
  } catch {
    // The service has no move task (or refused it): the caller moves the messages one by one.
    return null;
  }
}

/** Receive, send, delete: each message is looked at once; what is not moved is shown again at the end. */
async function moveOneByOne(sqs: SQSClient, options: RedriveOptions, summary: RedriveSummary): Promise<void> {
  const hidden: Message[] = [];
  // A message seen again (its pause ran out on a long run) ends the pass, so the loop always terminates.
  const seen = new Set<string>();
  while (summary.matched < options.max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: PAUSE_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    const fresh = messages.filter((m) => !seen.has(m.MessageId ?? ''));
    hidden.push(...messages.filter((m) => seen.has(m.MessageId ?? '')));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.add(m.MessageId ?? '');
    const { take, leave } = select(fresh, options, summary);
    hidden.push(...leave);
    if (options.dryRun) hidden.push(...take);
    else if (take.length) hidden.push(...(await moveBatch(sqs, options, take, summary)));
  }
  await makeVisible(sqs, options.dlqUrl, hidden);
}

/** Splits received messages into those the filter and the limit let through, and the rest. */
function select(
  messages: readonly Message[],
  options: RedriveOptions,
  summary: RedriveSummary,
): { take: Message[]; leave: Message[] } {
  const take: Message[] = [];
  const leave: Message[] = [];
  for (const m of messages) {
    const reason = reasonOf(m, '(none)');
    if ((options.reasons.size && !options.reasons.has(reason)) || summary.matched >= options.max) {
      summary.skipped += 1;
      leave.push(m);
      continue;
    }
    summary.matched += 1;
    summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
    take.push(m);
  }
  return { take, leave };
}

/** The original message's attributes, without the ones swarm-send added when dead-lettering. */
function originalAttributes(m: Message): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) if (!k.startsWith('swarm-send.')) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** Sends up to ten messages to the queue and deletes from the DLQ those it accepted; returns those it did not. */
async function moveBatch(
  sqs: SQSClient,
  options: RedriveOptions,
  take: readonly Message[],
  summary: RedriveSummary,
): Promise<Message[]> {
  const fifo = options.queueUrl.endsWith('.fifo');
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: take.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? '',
        MessageAttributes: originalAttributes(m),
        ...(fifo && {
          MessageGroupId: m.Attributes?.MessageGroupId ?? 'swarm-send',
          MessageDeduplicationId: m.MessageId,
        }),
      })),
    }),
  );
  const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
  const toDelete = take.filter((_m, i) => ok.has(i));
  summary.failed += take.length - toDelete.length;
  if (toDelete.length) {
    const del = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.dlqUrl,
        Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    summary.moved += del.Successful?.length ?? 0;
    // A failed delete leaves the message in the DLQ too: count it, an operator sees it twice.
    summary.failed += del.Failed?.length ?? 0;
  }
  return take.filter((_m, i) => !ok.has(i));
}
