import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { chunks } from '../functions/adapters/sqs-batches.js';

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
  readonly region?: string;
  /** Called after each invocation. */
  readonly onInvoke?: (info: InvocationInfo) => void;
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

function lambdaContext(timeoutMs: number, functionName: string): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Polls an SQS queue and invokes a handler the way Lambda's event source mapping does: long
 * polling, batches gathered up to a size or a window, a bounded number of concurrent
 * invocations, a context with a real deadline, partial batch responses (only the successful
 * records are deleted), and failures left to reappear after their visibility timeout. The
 * queue's own redrive policy moves messages to its DLQ.
 */
export class LocalEventSourceMapping {
  readonly stats: EventSourceMappingStats = { invocations: 0, records: 0, deleted: 0, returned: 0, errors: 0, lastMessageAt: Date.now() };
  readonly #o: Required<Omit<EventSourceMappingOptions, 'visibilityTimeoutSeconds' | 'onInvoke'>> & Pick<EventSourceMappingOptions, 'visibilityTimeoutSeconds' | 'onInvoke'>;
  readonly #stop = new AbortController();
  #pollers: Promise<void>[] = [];

  constructor(options: EventSourceMappingOptions) {
    this.#o = {
      batchSize: 10,
      batchingWindowMs: 0,
      maxConcurrency: 2,
      functionTimeoutMs: 60_000,
      waitTimeSeconds: 1,
      region: 'us-east-1',
      ...options,
    };
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

  async #receive(max: number): Promise<Message[]> {
    try {
      const out = await this.#o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#o.queueUrl,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: this.#o.waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.#o.visibilityTimeoutSeconds !== undefined && { VisibilityTimeout: this.#o.visibilityTimeoutSeconds }),
        }),
        { abortSignal: this.#stop.signal },
      );
      return out.Messages ?? [];
    } catch (err) {
      if (this.#stop.signal.aborted) return [];
      this.stats.errors += 1;
      await new Promise((r) => setTimeout(r, 500));
      return [];
    }
  }

  async #poll(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const first = await this.#receive(this.#o.batchSize);
      if (first.length === 0) continue;
      const batch = [...first];
      const windowEnds = Date.now() + this.#o.batchingWindowMs;
      while (batch.length < this.#o.batchSize && Date.now() < windowEnds && !this.#stop.signal.aborted) {
        const more = await this.#receive(this.#o.batchSize - batch.length);
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
    const context = lambdaContext(this.#o.functionTimeoutMs, 'swarm-send-local');
    this.stats.invocations += 1;
    this.stats.records += records.length;
    let failedIds: Set<string>;
    let error: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Task timed out after ${this.#o.functionTimeoutMs} ms`)), this.#o.functionTimeoutMs);
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
    }
    const done = records.filter((r) => !failedIds.has(r.messageId));
    for (const chunk of chunks(done)) {
      try {
        await this.#o.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.#o.queueUrl, Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })) }),
        );
        this.stats.deleted += chunk.length;
      } catch {
        this.stats.errors += 1;
      }
    }
    this.stats.returned += records.length - done.length;
    if (error) this.stats.errors += 1;
    this.#o.onInvoke?.({ records: records.length, failed: records.length - done.length, error, durationMs: Date.now() - started });
  }
}
