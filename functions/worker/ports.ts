import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../core/outcome.js';

/** What the worker needs from the queue service; the SQS adapter implements it. */
export interface QueueOps {
  /** Sets each message's visibility (the backoff before its next attempt). Best effort. */
  changeVisibility(entries: readonly { record: SQSRecord; seconds: number }[]): Promise<void>;
  /**
   * Sends the original message, with its outcome, to the dead-letter queue. Rejects when the
   * DLQ did not take it: the caller then leaves the message on its queue, so nothing is lost.
   */
  deadLetter(record: SQSRecord, outcome: OutcomeRecord): Promise<void>;
  /** Publishes terminal outcomes; resolves to the indexes that could not be published. */
  publishOutcomes(outcomes: readonly OutcomeRecord[]): Promise<number[]>;
}

/** Where outcomes are written besides the queues: structured logs and metrics. */
export interface Telemetry {
  /** One structured log line and the EMF metrics of one message's outcome. */
  outcome(record: OutcomeRecord, sentTimestampMs: number | null): void;
  /** A warning that is not a message outcome (ignored node hint, DLQ write failure...). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Writes buffered metrics (EMF). Called once per invocation. */
  flush(): void;
}
