import type { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import type { HandlerCodeOptions } from '../handler-code.js';
import type { RegistryDocument } from '../registry-config.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';

/**
 * What a `SendFunction` user chooses; `SwarmSendPipelineProps` extends it. Where the code comes
 * from (`code`, `bundleFromSource`, `entry`, `bundling`, `handler`): see `HandlerCodeOptions`; by
 * default the package's prebuilt bundle of the SEND handler.
 */
export interface SendFunctionOptions extends HandlerCodeOptions {
  /**
   * An existing queue that receives one outcome record per message. In `SwarmSendPipeline`, not
   * together with `createOutcomesQueue`.
   * @default - no outcomes queue (in `SwarmSendPipeline`, unless `createOutcomesQueue`); outcomes
   *   are only logged and counted
   */
  readonly outcomesQueue?: IQueue;

  /**
   * The cluster registry document (DESIGN.md section 2), validated at synthesis with the
   * handler's own `parseRegistry`. Its Secrets Manager credentials references get read grants;
   * in `SwarmSendPipeline`, its networks also bound the security group's egress.
   */
  readonly registry: RegistryDocument;

  /**
   * An SSM parameter holding the registry JSON, which the function reads at cold start
   * (SWARM_SEND_REGISTRY_PARAMETER) instead of inline. The `registry` prop must describe the
   * parameter's content: egress and secret grants are derived from it.
   * @default - the registry JSON is passed inline in SWARM_SEND_REGISTRY
   */
  readonly registryParameter?: IStringParameter;

  /**
   * Secrets for credentials references, keyed by the reference as written in the registry. Use
   * it to hand over a secret together with its customer-managed KMS key (the grant then covers
   * `kms:Decrypt`), or to be exact about an ARN.
   * @default - each reference is imported by name, or by ARN when it is one
   */
  readonly secrets?: Readonly<Record<string, ISecret>>;

  /**
   * Function timeout. In `SwarmSendPipeline`, the SEND queue's visibility timeout is derived from it.
   * @default DEFAULT_FUNCTION_TIMEOUT (2 minutes)
   */
  readonly timeout?: Duration;

  /**
   * Memory in MB.
   * @default DEFAULT_MEMORY_SIZE (256)
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's log group.
   * @default DEFAULT_LOG_RETENTION (one month)
   */
  readonly logRetention?: RetentionDays;

  /**
   * Extra environment variables (e.g. SWARM_SEND_CONCURRENCY_PER_NODE, POWERTOOLS_LOG_LEVEL, or
   * the variable an `env:` credentials reference names). Variables derived from other props
   * (`RESERVED_ENVIRONMENT`) are rejected.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * The handler's attempt limit (SWARM_SEND_MAX_ATTEMPTS); the SEND queue's `maxReceiveCount`
   * must exceed it.
   * @default DEFAULT_MAX_ATTEMPTS (5)
   */
  readonly maxAttempts?: number;

  /**
   * SENDs in flight per invocation (SWARM_SEND_CONCURRENCY).
   * @default DEFAULT_CONCURRENCY (16)
   */
  readonly concurrency?: number;

  /**
   * Base of the exponential backoff between attempts (SWARM_SEND_BACKOFF_BASE_SECONDS).
   * @default DEFAULT_BACKOFF_BASE (5 seconds)
   */
  readonly backoffBase?: Duration;

  /**
   * Cap of the exponential backoff (SWARM_SEND_BACKOFF_CAP_SECONDS); at most 12 hours, SQS's
   * longest visibility timeout, which the handler uses to delay a retry.
   * @default DEFAULT_BACKOFF_CAP (900 seconds)
   */
  readonly backoffCap?: Duration;

  /**
   * Powertools service name: log field and the `service` metric dimension.
   * @default DEFAULT_SERVICE_NAME ('swarm-send')
   */
  readonly serviceName?: string;

  /**
   * Namespace of the handler's EMF metrics.
   * @default DEFAULT_METRICS_NAMESPACE ('SwarmSend')
   */
  readonly metricsNamespace?: string;

  /**
   * Messages per invocation. At most 10 on a FIFO queue, or without a batching window.
   * @default DEFAULT_BATCH_SIZE (1,000) on a standard queue, DEFAULT_FIFO_BATCH_SIZE (10) on a FIFO one
   */
  readonly batchSize?: number;

  /**
   * How long the event source mapping gathers messages before invoking (at least 1 second to take
   * more than 10 messages per batch); it is added to the SEND queue's derived visibility timeout.
   * Standard queues only.
   * @default DEFAULT_MAX_BATCHING_WINDOW (1 s) on a standard queue whose batch is above 10; none otherwise
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Concurrent invocations the event source mapping may run (2 to 1000): the cap that protects
   * the source cluster.
   * @default DEFAULT_MAX_CONCURRENCY (5)
   */
  readonly maxConcurrency?: number;
}

/** `SendFunctionOptions` plus where the function runs and the queues it uses. */
export interface SendFunctionProps extends SendFunctionOptions, Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'> {
  /** The function's security group (see `PipelineNetwork`). */
  readonly securityGroup: ISecurityGroup;

  /** The SEND queue the function consumes. */
  readonly sendQueue: IQueue;

  /** The dead-letter queue the handler forwards permanent failures to. */
  readonly deadLetterQueue: IQueue;
}
