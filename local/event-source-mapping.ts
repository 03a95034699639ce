import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { chunks, sdkErrorCode, failedEntries } from '../functions/adapters/sqs-batches.js';
import { lambdaContext } from './lambda-context.js';

/** A Lambda-style SQS handler, as `createHandler` returns it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface EventSourceMappingOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** ARN put in each record's eventSourceARN (the handler derives the queue from it). */
  readonly queueArn: string;
  readonly handler: SqsHandler;
  /** Records per invocation (Lambda: 1-10, or up to 10,000 with a batching window). @default 10 */
  readonly batchSize?: number;
  /** How long to gather records before invoking, ms (Lambda's MaximumBatchingWindowInSeconds). @default 0 */
  readonly batchingWindowMs?: number;
  /** Invocations at once (Lambda's ScalingConfig.MaximumConcurrency). @default 2 */
  readonly maxConcurrency?: number;
  /** The function timeout: the handler's deadline, ms. @default 60000 */
  readonly functionTimeoutMs?: number;
  /** Visibility timeout for received messages, seconds. @default the queue's own */
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait per ReceiveMessage, seconds. @default 1 */
  readonly waitTimeSeconds?: number;
  /**
   * After an empty receive that came back before half the long-poll wait (a server that ignores
   * long polling), and after a failed receive, each poller pauses for 50-100% of this, ms. @default 1000
   */
  readonly emptyReceivePauseMs?: number;
  /**
   * Keeps the messages of a running invocation invisible: every third of `extendSeconds` their
   * visibility is set to `extendSeconds` again, until the invocation ends or `settled` is called
   * for the message. Lambda does not do this (its 15-minute cap sits under the queue's visibility
   * timeout); a worker without that cap needs it for long SENDs. @default off
   */
  readonly heartbeat?: { readonly extendSeconds: number };
  readonly region?: string;
  /** Called after each invocation. */
  readonly onInvoke?: (info: InvocationInfo) => void;
  /** Told of failed queue calls and of heartbeats. */
  readonly observer?: MappingObserver;
}

export interface MappingObserver {
  /** A queue call failed, or `count` entries of a batch call were refused, with this code. */
  queueError?(operation: string, code: string, count: number, message: string): void;
  /** A heartbeat extended the visibility of `count` in-flight messages. */
  visibilityExtended?(count: number): void;
}

export interface InvocationInfo {
  readonly records: number;
  readonly failed: number;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface EventSourceMappingStats {
  invocations: number;
  records: number;
  deleted: number;
  returned: number;
  errors: number;
  /** Time of the last receive that returned messages. */
  lastMessageAt: number;
  /** ReceiveMessage calls made. */
  receives: number;
}

/** Converts a received SQS message into the record shape Lambda delivers. */
export function toLambdaRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const attrs = (m.Attributes ?? {}) as Record<string, string>;
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, a] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: a.DataType ?? 'String',
      ...(a.StringValue !== undefined && { stringValue: a.StringValue }),
      ...(a.BinaryValue !== undefined && { binaryValue: Buffer.from(a.BinaryValue).toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attrs.MessageGroupId !== undefined && { MessageGroupId: attrs.MessageGroupId }),
      ...(attrs.MessageDeduplicationId !== undefined && { MessageDeduplicationId: attrs.MessageDeduplicationId }),
      ...(attrs.SequenceNumber !== undefined && { SequenceNumber: attrs.SequenceNumber }),
    },
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? '',
    ...(m.MD5OfMessageAttributes !== undefined && { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  } as SQSRecord;
}

/**
 * Polls an SQS queue and invokes a handler the way Lambda's event source mapping does: long
 * polling, batches gathered up to a size or a window, a bounded number of concurrent
 * invocations, a context with a real deadline, partial batch responses (only the successful
 * records are deleted), and failures left to reappear after their visibility timeout. The
 * queue's own redrive policy moves messages to its DLQ.
 */
export class LocalEventSourceMapping {
  readonly stats: EventSourceMappingStats = {
    invocations: 0,
    records: 0,
    deleted: 0,
    returned: 0,
    errors: 0,
    lastMessageAt: Date.now(),
    receives: 0,
  };
  readonly #o: Required<
    Omit<EventSourceMappingOptions, 'visibilityTimeoutSeconds' | 'onInvoke' | 'heartbeat' | 'observer'>
  > &
    Pick<EventSourceMappingOptions, 'visibilityTimeoutSeconds' | 'onInvoke' | 'heartbeat' | 'observer'>;
  readonly #stop = new AbortController();
  #pollers: Promise<void>[] = [];
  /** Messages under heartbeat: message id -> receipt handle. */
  readonly #beating = new Map<string, string>();
  /** The heartbeat calls in flight. */
  #beats: Promise<void> = Promise.resolve();

  constructor(options: EventSourceMappingOptions) {
    this.#o = {
      batchSize: 10,
      batchingWindowMs: 0,
      maxConcurrency: 2,
      functionTimeoutMs: 60_000,
      waitTimeSeconds: 1,
      emptyReceivePauseMs: 1000,
      region: 'us-east-1',
      ...options,
    };
  }

  /** Messages received and not yet handed back (what a drain waits for). */
  get inFlight(): number {
    return this.stats.records - this.stats.deleted - this.stats.returned;
  }

  /** Stops the heartbeat of one message: its SEND has ended (its outcome is recorded). */
  settled(messageId: string): void {
    this.#beating.delete(messageId);
  }

  /** Resolves when no heartbeat call is in flight, so a visibility change made next is the last word. */
  heartbeatIdle(): Promise<void> {
    return this.#beats;
  }

  start(): this {
    this.#pollers = Array.from({ length: this.#o.maxConcurrency }, () => this.#poll());
    return this;
  }

  /** Stops polling and waits for in-flight invocations to finish (drain). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#pollers);
  }

  /** Waits 50-100% of the empty-receive pause, or less if the mapping stops. */
  async #pause(): Promise<void> {
    const ms = this.#o.emptyReceivePauseMs * (0.5 + Math.random() / 2);
    await sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }

  #queueError(operation: string, err: unknown, count = 1): void {
    this.stats.errors += 1;
    this.#o.observer?.queueError?.(operation, sdkErrorCode(err), count, (err as Error)?.message ?? String(err));
  }

  async #receive(max: number, waitTimeSeconds = this.#o.waitTimeSeconds): Promise<Message[]> {
    this.stats.receives += 1;
    try {
      const out = await this.#o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#o.queueUrl,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.#o.visibilityTimeoutSeconds !== undefined && {
            VisibilityTimeout: this.#o.visibilityTimeoutSeconds,
          }),
        }),
        { abortSignal: this.#stop.signal },
      );
      return out.Messages ?? [];
    } catch (err) {
      if (this.#stop.signal.aborted) return [];
      this.#queueError('ReceiveMessage', err);
      await this.#pause();
      return [];
    }
  }

  async #poll(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const asked = Date.now();
      const first = await this.#receive(this.#o.batchSize);
      if (first.length === 0) {
        // Came back empty long before the wait was up: do not spin against such a server.
        if (Date.now() - asked < (this.#o.waitTimeSeconds * 1000) / 2) await this.#pause();
        continue;
      }
      const batch = [...first];
      const windowEnds = Date.now() + this.#o.batchingWindowMs;
      while (batch.length < this.#o.batchSize && Date.now() < windowEnds && !this.#stop.signal.aborted) {
        // Wait no longer than the window has left (whole seconds, as SQS takes them).
        const more = await this.#receive(
          this.#o.batchSize - batch.length,
          Math.min(this.#o.waitTimeSeconds, Math.floor((windowEnds - Date.now()) / 1000)),
        );
        if (more.length === 0) break;
        batch.push(...more);
      }
      this.stats.lastMessageAt = Date.now();
      await this.#invoke(batch);
    }
  }

  async #invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toLambdaRecord(m, this.#o.queueArn, this.#o.region));
    const started = Date.now();
    const context = lambdaContext(this.#o.functionTimeoutMs, { functionName: 'swarm-send-local' });
    this.stats.invocations += 1;
    this.stats.records += records.length;
    let failedIds: Set<string>;
    let error: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    const heartbeat = this.#startHeartbeat(records);
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Task timed out after ${this.#o.functionTimeoutMs} ms`)),
          this.#o.functionTimeoutMs,
        );
      });
      const response = await Promise.race([this.#o.handler({ Records: records }, context), timeout]);
      const failures = response?.batchItemFailures ?? [];
      const ids = new Set(records.map((r) => r.messageId));
      // Lambda fails the whole batch when an identifier is empty or not in the batch.
      if (failures.some((f) => !f.itemIdentifier || !ids.has(f.itemIdentifier))) {
        error = 'invalid batchItemFailures';
        failedIds = ids;
      } else {
        failedIds = new Set(failures.map((f) => f.itemIdentifier));
      }
    } catch (err) {
      error = (err as Error).message;
      failedIds = new Set(records.map((r) => r.messageId));
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
      for (const r of records) this.#beating.delete(r.messageId);
      await this.#beats;
    }
    const done = records.filter((r) => !failedIds.has(r.messageId));
    for (const chunk of chunks(done)) {
      try {
        const res = await this.#o.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#o.queueUrl,
            Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
          }),
        );
        const refused = failedEntries(res);
        for (const f of refused) this.#o.observer?.queueError?.('DeleteMessageBatch', f.code, 1, f.message);
        this.stats.deleted += chunk.length - refused.length;
        // A refused delete leaves the message to reappear; it counts as handed back.
        this.stats.returned += refused.length;
      } catch (err) {
        this.#queueError('DeleteMessageBatch', err, chunk.length);
        this.stats.returned += chunk.length;
      }
    }
    this.stats.returned += records.length - done.length;
    if (error) this.stats.errors += 1;
    this.#o.onInvoke?.({
      records: records.length,
      failed: records.length - done.length,
      error,
      durationMs: Date.now() - started,
    });
  }

  /** Starts extending the visibility of these records while they run; returns the timer. */
  #startHeartbeat(records: readonly SQSRecord[]): NodeJS.Timeout | undefined {
    const extendSeconds = this.#o.heartbeat?.extendSeconds;
    if (!extendSeconds) return undefined;
    for (const r of records) this.#beating.set(r.messageId, r.receiptHandle);
    const ids = records.map((r) => r.messageId);
    return setInterval(
      () => {
        const due = ids.filter((id) => this.#beating.has(id)).map((id) => ({ id, handle: this.#beating.get(id)! }));
        if (due.length === 0) return;
        const call = this.#extend(due, extendSeconds);
        this.#beats = Promise.all([this.#beats, call]).then(() => undefined);
      },
      Math.max(1000, (extendSeconds * 1000) / 3),
    );
  }

  async #extend(due: readonly { id: string; handle: string }[], seconds: number): Promise<void> {
    for (const batch of chunks(due)) {
      try {
        const res = await this.#o.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#o.queueUrl,
            Entries: batch.map((d, j) => ({ Id: String(j), ReceiptHandle: d.handle, VisibilityTimeout: seconds })),
          }),
        );
        const refused = failedEntries(res);
        for (const f of refused) this.#o.observer?.queueError?.('ChangeMessageVisibilityBatch', f.code, 1, f.message);
        this.#o.observer?.visibilityExtended?.(batch.length - refused.length);
      } catch (err) {
        this.#queueError('ChangeMessageVisibilityBatch', err, batch.length);
      }
    }
  }
}
