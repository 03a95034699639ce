import type { SQSRecord } from 'aws-lambda';
import type { Config } from '../config.js';
import type { Credentials } from '../core/transport/digest-auth.js';
import type { ObjectRef } from '../core/message/message.js';
import type { HeadResult, SendReport } from '../core/send/observation.js';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import type { OutcomeEvent } from '../core/outcome/outcome-event.js';
import type { ClusterConfig } from '../core/registry/registry.js';
import type { SendInput } from '../core/send/send-client.js';
import type { ObjectAnswer, ObjectMethod } from '../core/send/object-request.js';
import type { CopyInput, CopyResult } from '../core/copy/object-copy.js';
import type { LinkEstimates } from './link-estimates.js';

/*
 * Every port the worker uses, in one place: the SEND client, credentials, the queue service and
 * telemetry, and the dependencies object that carries them. Adapters (functions/adapters/) and
 * the core's SendClient implement them; unit tests pass plain objects.
 */

/**
 * SEND and HEAD on a Swarm cluster; `SendClient` implements it. Neither call throws for anything
 * the cluster or network does.
 */
export interface SendPort {
  /** Performs one SEND and reports what it observed, without a verdict (`core/outcome/decide.ts` gives that). */
  observe(input: SendInput): Promise<SendReport>;
  /** HEAD of an object on a cluster (admin realm): used to verify a copy. */
  head(cluster: ClusterConfig, object: ObjectRef, credentials: Credentials, signal?: AbortSignal): Promise<HeadResult>;
  /** Copies an object itself, GET from the source and PUT to DR, streamed (`replaceStale: "copy"`). */
  copy(input: CopyInput): Promise<CopyResult>;
  /** Closes its connections; whoever built the dependencies calls it when the process stops. */
  close(): Promise<void>;
  /** One HEAD or DELETE of an object (admin realm): a delete's proof, the DELETE, its confirmation. */
  objectRequest(
    method: ObjectMethod,
    cluster: ClusterConfig,
    object: ObjectRef,
    credentials: Credentials,
    signal?: AbortSignal,
  ): Promise<ObjectAnswer>;
}

/**
 * Reads the registry's `credentials` references. `get` rejects when a value cannot be read
 * (`credentials-unavailable`), or with a `CredentialsError` whose reason is `credentials-invalid`
 * when it can never be used.
 */
export interface CredentialsProvider {
  get(ref: string): Promise<Credentials>;
  /** Forgets a cached value; the next `get` reads it again. */
  refresh(ref: string): void;
}

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
  /**
   * Puts a multi-destination message's parts, one message per destination, on the queue the
   * record came from (docs/fan-out.md). Rejects unless every part was taken: the record then
   * stays and is split again, and a part taken twice is harmless (its second SEND is a 409).
   */
  fanOut(record: SQSRecord, parts: readonly FanOutPart[], signal?: AbortSignal): Promise<void>;
  /**
   * Puts the record's message, its body and its sender's attributes as they came, on the
   * large-object queue the long-running tier consumes (docs/large-objects.md). Rejects unless the
   * queue took it (none configured included): the record then stays and is tried again.
   */
  moveToLongRunningTier(record: SQSRecord, signal?: AbortSignal): Promise<void>;
  /**
   * Puts the record's message again on its own queue as a new message, its body and its sender's
   * attributes as they came plus `swarm-send.copy-started-at` (docs/large-objects.md): a large
   * object's wait that is not a failure, renewed so the queue's redrive does not count it. A
   * standard queue delays it `min(900, delaySeconds)`; a FIFO queue keeps its message group,
   * deduplicates it by message id and attempt, and cannot delay it. Rejects unless the queue took
   * it: the record then waits as any retry, its receives counting towards the redrive.
   */
  renew(record: SQSRecord, renewal: Renewal, signal?: AbortSignal): Promise<void>;
}

/** What a renewed message carries besides the original (`QueueOps.renew`). */
export interface Renewal {
  /** When the copy is taken to have started, epoch ms (`copyStartedAtOf`). */
  readonly copyStartedAtMs: number;
  /** The wait before the next ask, seconds (a standard queue's DelaySeconds, at most 900). */
  readonly delaySeconds: number;
}

/** One destination's message of a split (`QueueOps.fanOut`). */
export interface FanOutPart {
  /** The registry key of its destination (also its FIFO deduplication suffix). */
  readonly destination: string;
  /** The message body, `to` set to `destination`. */
  readonly body: string;
}

/**
 * Puts outcome events on an event bus (docs/events.md); the EventBridge adapter implements it.
 * Resolves to the indexes of the events that could not be put after its bounded retries; never
 * rejects for what the bus answers (an aborted call reports every index).
 */
export interface EventPublisher {
  publish(events: readonly OutcomeEvent[], signal?: AbortSignal): Promise<number[]>;
}

/** Where outcomes are written besides the queues: structured logs and metrics. */
export interface Telemetry {
  /** One structured log line and the EMF metrics of one message's outcome. */
  outcome(record: OutcomeRecord, sentTimestampMs: number | null): void;
  /** A warning that is not a message outcome (ignored node hint, DLQ write failure, an unexpected error's stack...). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Writes buffered metrics (EMF). Called once per invocation. */
  flush(): void;
  /** Counts outcome events that could not be put on the bus (metric EventsNotPublished). */
  eventsNotPublished?(count: number): void;
}

/** The slice of the Lambda context the worker reads. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

/** Everything `processBatch` works with; built once per container by the composition root. */
export interface WorkerDeps {
  readonly config: Config;
  readonly client: SendPort;
  readonly credentials: CredentialsProvider;
  readonly queue: QueueOps;
  readonly telemetry: Telemetry;
  readonly random?: () => number;
  /**
   * Each large-object route's link estimate, kept for the life of the process (link-estimates.ts);
   * the composition root builds it. Absent: every message starts from the configured rate.
   */
  readonly linkEstimates?: LinkEstimates;
  /** Where outcome events go; absent: no events (the default). */
  readonly events?: EventPublisher;
}
