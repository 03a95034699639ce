import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { derivedMaxReceiveCount, derivedVisibilityTimeoutSeconds, ENV_BOUNDS } from '../../functions/env.js';
import {
  DEFAULT_DEAD_LETTER_RETENTION_PERIOD,
  DEFAULT_FUNCTION_TIMEOUT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETENTION_PERIOD,
  MAX_RECEIVE_COUNT_MARGIN,
  VISIBILITY_TIMEOUT_FACTOR,
  resolveBatching,
} from '../defaults.js';
import { checkInteger, failOnProblems } from '../errors.js';
import { MAX_VISIBILITY_TIMEOUT } from '../limits.js';
import type { SendFunctionOptions } from './send-function-options.js';

/** What a `SendQueues` user chooses; `SwarmSendPipelineProps` extends it. */
export interface SendQueuesOptions {
  /**
   * A FIFO SEND queue (and, as SQS requires, a FIFO dead-letter queue).
   * @default false
   */
  readonly fifo?: boolean;

  /**
   * Content-based deduplication on the FIFO SEND queue, so producers need not send a
   * `MessageDeduplicationId`. FIFO only.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * Visibility timeout of the SEND queue. Must not be shorter than the function timeout
   * (`functionTimeout`; `timeout` in `SwarmSendPipeline`).
   * @default - 6 x the function timeout + `maxBatchingWindow` (Lambda's SQS guidance)
   */
  readonly visibilityTimeout?: Duration;

  /**
   * Receives before SQS itself moves a message to the DLQ. The handler dead-letters on its own
   * after `maxAttempts`; this is the safety net for invocations that crash or time out, so it
   * must be greater than `maxAttempts`.
   * @default - `maxAttempts` + 2
   */
  readonly maxReceiveCount?: number;

  /**
   * Retention of the SEND queue.
   * @default DEFAULT_RETENTION_PERIOD (14 days)
   */
  readonly retentionPeriod?: Duration;

  /**
   * Retention of the dead-letter queue; must not be shorter than `retentionPeriod`.
   * @default DEFAULT_DEAD_LETTER_RETENTION_PERIOD (14 days)
   */
  readonly deadLetterRetentionPeriod?: Duration;

  /**
   * Customer-managed KMS key for all the queues created here.
   * @default - SQS-managed server-side encryption (SSE-SQS)
   */
  readonly encryptionKey?: IKey;

  /**
   * Also create an outcomes queue (standard, same encryption and TLS policy) that receives one
   * outcome record per message. In `SwarmSendPipeline`, not together with `outcomesQueue`.
   * @default false
   */
  readonly createOutcomesQueue?: boolean;
}

/**
 * `SendQueuesOptions` plus the settings of the function that consumes the queue, from which the
 * visibility timeout and `maxReceiveCount` are derived.
 */
export interface SendQueuesProps
  extends SendQueuesOptions, Pick<SendFunctionOptions, 'maxAttempts' | 'maxBatchingWindow' | 'batchSize'> {
  /**
   * Timeout of the function that consumes the queue: the visibility timeout is derived from it.
   * @default DEFAULT_FUNCTION_TIMEOUT (2 minutes)
   */
  readonly functionTimeout?: Duration;
}

/** A `SendQueues`' settings: the caller's values, else the defaults, and what derives from them. */
export interface ResolvedQueueSettings {
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  readonly functionTimeout: Duration;
  readonly visibilityTimeout: Duration;
  readonly maxAttempts: number;
  readonly maxReceiveCount: number;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
}

/** Applies the defaults (the caller's values win) and derives the dependent settings. */
export function resolveQueueSettings(props: SendQueuesProps): ResolvedQueueSettings {
  const functionTimeout = props.functionTimeout ?? DEFAULT_FUNCTION_TIMEOUT;
  const maxAttempts = props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const fifo = props.fifo ?? false;
  const window = resolveBatching(fifo, props.batchSize, props.maxBatchingWindow).maxBatchingWindow?.toSeconds() ?? 0;
  return {
    fifo,
    contentBasedDeduplication: props.contentBasedDeduplication ?? false,
    functionTimeout,
    visibilityTimeout:
      props.visibilityTimeout ?? Duration.seconds(derivedVisibilityTimeoutSeconds(functionTimeout.toSeconds(), window)),
    maxAttempts,
    maxReceiveCount: props.maxReceiveCount ?? derivedMaxReceiveCount(maxAttempts),
    retentionPeriod: props.retentionPeriod ?? DEFAULT_RETENTION_PERIOD,
    deadLetterRetentionPeriod: props.deadLetterRetentionPeriod ?? DEFAULT_DEAD_LETTER_RETENTION_PERIOD,
  };
}

/** Every reason these props cannot work (empty when they can). */
export function sendQueuesProblems(props: SendQueuesProps): string[] {
  return queueSettingsProblems(resolveQueueSettings(props));
}

/** Every reason resolved settings cannot work (empty when they can). */
export function queueSettingsProblems(s: ResolvedQueueSettings): string[] {
  const problems: string[] = [];
  if (s.contentBasedDeduplication && !s.fifo) problems.push('contentBasedDeduplication requires fifo: true');
  checkInteger(problems, 'maxAttempts', s.maxAttempts, ENV_BOUNDS.MAX_ATTEMPTS.min, ENV_BOUNDS.MAX_ATTEMPTS.max);
  checkInteger(problems, 'maxReceiveCount', s.maxReceiveCount, 1, 1000);
  if (s.maxReceiveCount <= s.maxAttempts) {
    problems.push(
      `maxReceiveCount (${s.maxReceiveCount}) must be greater than maxAttempts (${s.maxAttempts}): the handler dead-letters after its last attempt, and the redrive is only the safety net for crashed invocations (use maxAttempts + ${MAX_RECEIVE_COUNT_MARGIN})`,
    );
  }
  if (s.visibilityTimeout.toSeconds() < s.functionTimeout.toSeconds()) {
    problems.push(
      `visibilityTimeout (${s.visibilityTimeout.toSeconds()} s) is shorter than the function timeout (${s.functionTimeout.toSeconds()} s): messages would be delivered again while still being sent, and Lambda rejects the event source mapping (the derived default is ${VISIBILITY_TIMEOUT_FACTOR} x the timeout)`,
    );
  }
  if (s.visibilityTimeout.toSeconds() > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
    problems.push(`visibilityTimeout (${s.visibilityTimeout.toSeconds()} s) exceeds SQS's maximum of 12 hours`);
  }
  if (s.deadLetterRetentionPeriod.toSeconds() < s.retentionPeriod.toSeconds()) {
    problems.push(
      `deadLetterRetentionPeriod (${s.deadLetterRetentionPeriod.toSeconds()} s) is shorter than retentionPeriod (${s.retentionPeriod.toSeconds()} s): SQS keeps a redriven message's original enqueue time, so it could expire from the DLQ before anyone looks`,
    );
  }
  return problems;
}

/**
 * Server-side encryption (the customer-managed `key`, else SSE-SQS) and a TLS-only policy: every
 * queue the constructs create.
 */
export function queueSecurity(
  key: IKey | undefined,
): Pick<QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> {
  return key
    ? { encryption: QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true }
    : { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
}

/**
 * The SEND queue and its dead-letter queue (and optionally the outcomes queue): server-side
 * encryption, a TLS-only queue policy, redrive after `maxReceiveCount`, and the visibility
 * timeout derived from the consuming function's timeout.
 */
export class SendQueues extends Construct {
  /** The queue producers send SEND requests to. */
  public readonly sendQueue: Queue;
  /** Where the handler forwards permanent failures (and SQS redrives crashed messages). */
  public readonly deadLetterQueue: Queue;
  /** Receives one outcome record per message, when `createOutcomesQueue` is set. */
  public readonly outcomesQueue?: Queue;
  /** The visibility timeout applied to the SEND queue. */
  public readonly visibilityTimeout: Duration;
  /** The redrive `maxReceiveCount` applied to the SEND queue. */
  public readonly maxReceiveCount: number;

  /** @param s the props with their defaults applied (`SwarmSendPipeline` passes the ones it validated) */
  constructor(
    scope: Construct,
    id: string,
    props: SendQueuesProps = {},
    s: ResolvedQueueSettings = resolveQueueSettings(props),
  ) {
    super(scope, id);
    failOnProblems('SendQueues', queueSettingsProblems(s));
    this.visibilityTimeout = s.visibilityTimeout;
    this.maxReceiveCount = s.maxReceiveCount;

    const security = queueSecurity(props.encryptionKey);

    // A FIFO DLQ also dedupes on content, so a tool that dead-letters without a
    // MessageDeduplicationId still works (the handler gives one: the source message id).
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...security,
      retentionPeriod: s.deadLetterRetentionPeriod,
      ...(s.fifo ? { fifo: true, contentBasedDeduplication: true } : {}),
    });

    this.sendQueue = new Queue(this, 'SendQueue', {
      ...security,
      retentionPeriod: s.retentionPeriod,
      visibilityTimeout: s.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: s.maxReceiveCount },
      ...(s.fifo ? { fifo: true, contentBasedDeduplication: s.contentBasedDeduplication } : {}),
    });

    if (props.createOutcomesQueue) {
      this.outcomesQueue = new Queue(this, 'OutcomesQueue', { ...security, retentionPeriod: s.retentionPeriod });
      Validations.of(this.outcomesQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "The outcomes queue is a notification feed read by upstream applications; whether their failed reads need a dead-letter queue is their consumer's decision, and a DLQ here would only hold copies of records already logged and counted as metrics.",
      });
    }
  }
}
