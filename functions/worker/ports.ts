import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../core/outcome.js';

/**
 * What the worker needs from the queue service; the SQS adapter implements it. Each call takes
 * an abort signal bounded by the invocation's remaining time; an aborted call rejects (or, for
 * outcomes, reports every index as not published).
 */
export interface QueueOps {
  /** Sets each message's visibility (the backoff before its next attempt). Best effort. */
  changeVisibility(entries: readonly { record: SQSRecord; seconds: number }[], signal?: AbortSignal): Promise<void>;
  /**
   * Sends the original message, with its outcome, to the dead-letter queue. Rejects when the
   * DLQ did not take it: the caller then leaves the message on its queue, so nothing is lost.
   * May resolve to the outcome record as dead-lettered (e.g. saying the body was truncated).
   */
  deadLetter(record: SQSRecord, outcome: OutcomeRecord, signal?: AbortSignal): Promise<OutcomeRecord | void>;
  /** Publishes terminal outcomes; resolves to the indexes that could not be published. */
  publishOutcomes(outcomes: readonly OutcomeRecord[], signal?: AbortSignal): Promise<number[]>;
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
