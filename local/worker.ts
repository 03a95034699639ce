import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CredentialsProvider, QueueOps, Telemetry } from '../functions/worker/ports.js';
import { sdkErrorCode } from '../functions/adapters/sqs-batches.js';
import { composeWorkerDeps, localLogger, powertoolsTelemetry, type WorkerParts } from '../functions/compose.js';
import type { Config } from '../functions/config.js';
import { SendClient, type SendClientOptions, type SendInput } from '../functions/core/send/send-client.js';
import { type SendReport } from '../functions/core/send/observation.js';
import { createHandler } from '../functions/handlers/send.js';
import { LocalEventSourceMapping, type InvocationInfo, type MappingObserver } from './event-source-mapping.js';
import { SummaryTelemetry } from './summary.js';

export interface LocalWorkerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly config: Config;
  readonly credentials: CredentialsProvider;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly functionTimeoutMs: number;
  readonly visibilityTimeoutSeconds?: number | undefined;
  readonly region: string;
  /** Print the handler's structured logs and EMF metrics (as Lambda would). @default false */
  readonly verbose?: boolean;
  /** Long-poll wait per receive, seconds. @default 1 */
  readonly waitTimeSeconds?: number;
  /** Extend the visibility of running messages to this many seconds on a heartbeat. @default off */
  readonly heartbeatSeconds?: number;
  /** Where outcomes go besides the summary (replaces the `verbose` Powertools telemetry). */
  readonly telemetry?: Telemetry;
  /** The service's instruments: SENDs in flight, batches, queue-call errors, heartbeats. */
  readonly instruments?: WorkerInstruments;
  /** Where outcome events go when `config.events` names a bus (EventBridge, or the demo's sink). */
  readonly events?: WorkerParts['events'];
}

/** What the on-premises worker measures beyond the Telemetry port (PrometheusTelemetry has these). */
export interface WorkerInstruments {
  sendStarted(): void;
  sendEnded(): void;
  batch(records: number, failed: boolean): void;
  queueError(operation: string, code: string, count?: number): void;
  visibilityExtended(count: number): void;
}

export interface LocalWorker {
  readonly mapping: LocalEventSourceMapping;
  readonly summary: SummaryTelemetry;
  /** Stops polling, lets in-flight invocations finish, closes connections. */
  stop(): Promise<void>;
}

/** A SendClient that reports each SEND's start and end (the in-flight gauge). */
class InstrumentedSendClient extends SendClient {
  constructor(
    private readonly instruments: WorkerInstruments,
    options: SendClientOptions,
  ) {
    super(options);
  }

  override async observe(input: SendInput): Promise<SendReport> {
    this.instruments.sendStarted();
    try {
      return await super.observe(input);
    } finally {
      this.instruments.sendEnded();
    }
  }
}

/**
 * QueueOps that wait for the heartbeat before changing a visibility (so a backoff is not undone
 * by a heartbeat landing after it) and count failed calls, with their codes.
 */
function instrumentedQueueOps(
  real: QueueOps,
  mapping: () => LocalEventSourceMapping,
  instruments: WorkerInstruments | undefined,
): QueueOps {
  const counted = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      const failed = (err as { failed?: readonly { code: string }[] }).failed;
      if (failed) for (const f of failed) instruments?.queueError(operation, f.code);
      else instruments?.queueError(operation, sdkErrorCode(err));
      throw err;
    }
  };
  return {
    async changeVisibility(entries) {
      await mapping().heartbeatIdle();
      return counted('ChangeMessageVisibilityBatch', () => real.changeVisibility(entries));
    },
    deadLetter: (record, outcome) => counted('SendMessage', () => real.deadLetter(record, outcome)),
    async publishOutcomes(outcomes) {
      const failed = await counted('SendMessageBatch', () => real.publishOutcomes(outcomes));
      if (failed.length) instruments?.queueError('SendMessageBatch', 'EntryFailed', failed.length);
      return failed;
    },
    fanOut: (record, parts) => counted('SendMessageBatch', () => real.fanOut(record, parts)),
    moveToLongRunningTier: (record) => counted('SendMessage', () => real.moveToLongRunningTier(record)),
    renew: (record, renewal) => counted('SendMessage', () => real.renew(record, renewal)),
  };
}

/**
 * Runs the real handler (createHandler, the same wiring as the Lambda entry) behind a local
 * event source mapping: the demo's worker, and `swarm-send worker` next to an on-premises cluster.
 */
export function startLocalWorker(o: LocalWorkerOptions): LocalWorker {
  const logger = localLogger(o.verbose ?? false);
  const forward = o.telemetry ?? (o.verbose ? powertoolsTelemetry(logger) : null);
  const summary = new SummaryTelemetry(forward);
  // An outcome ends the message's SEND: its heartbeat stops there.
  const telemetry: Telemetry = {
    outcome: (record, sent) => {
      if (record.messageId) mapping.settled(record.messageId);
      summary.outcome(record, sent);
    },
    warn: (message, fields) => summary.warn(message, fields),
    flush: () => summary.flush(),
    eventsNotPublished: (count) => summary.eventsNotPublished(count),
  };
  const instruments = o.instruments;
  const deps = composeWorkerDeps({
    config: o.config,
    credentials: o.credentials,
    queue: { sqs: o.sqs },
    decorateQueue: (real) => instrumentedQueueOps(real, () => mapping, instruments),
    telemetry,
    ...(instruments && { client: (options: SendClientOptions) => new InstrumentedSendClient(instruments, options) }),
    ...(o.events && { events: o.events }),
  });
  const handler = createHandler(logger, async () => deps);
  const observer: MappingObserver | undefined = o.instruments && {
    queueError: (operation, code, count) => o.instruments!.queueError(operation, code, count),
    visibilityExtended: (count) => o.instruments!.visibilityExtended(count),
  };
  const mapping: LocalEventSourceMapping = new LocalEventSourceMapping({
    sqs: o.sqs,
    queueUrl: o.queueUrl,
    queueArn: o.queueArn,
    handler: (event, context) => handler(event, context),
    batchSize: o.batchSize,
    batchingWindowMs: o.batchingWindowMs,
    maxConcurrency: o.maxConcurrency,
    functionTimeoutMs: o.functionTimeoutMs,
    visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
    region: o.region,
    ...(o.waitTimeSeconds !== undefined && { waitTimeSeconds: o.waitTimeSeconds }),
    ...(o.heartbeatSeconds && { heartbeat: { extendSeconds: o.heartbeatSeconds } }),
    ...(observer && { observer }),
    ...(o.instruments && {
      onInvoke: (info: InvocationInfo) => o.instruments!.batch(info.records, info.error !== null),
    }),
  }).start();
  return {
    mapping,
    summary,
    async stop() {
      await mapping.stop();
      await deps.client.close();
    },
  };
}
