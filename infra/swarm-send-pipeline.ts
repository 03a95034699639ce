import { Annotations, type Duration } from 'aws-cdk-lib';
import type { IPeer, ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Code, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Registry } from '../functions/core/registry.js';
import { PipelineAlarms, pipelineAlarmsProblems } from './constructs/pipeline-alarms.js';
import { PipelineDashboard } from './constructs/pipeline-dashboard.js';
import { PipelineNetwork } from './constructs/pipeline-network.js';
import { SendFunction, sendFunctionProblems } from './constructs/send-function.js';
import { SendQueues, resolveQueueSettings, sendQueuesProblems } from './constructs/send-queues.js';
import { DEFAULT_ALARM_PERIOD, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_RECOVERY_POINT_OBJECTIVE } from './defaults.js';
import { failOnProblems } from './errors.js';
import { HandlerMetrics } from './handler-metrics.js';
import { egressProblems, registryProblems, validateRegistry, type RegistryDocument } from './registry-config.js';

export interface SwarmSendPipelineProps {
  // ---- Network -------------------------------------------------------------------------------

  /** The VPC next to the Swarm clusters. */
  readonly vpc: IVpc;

  /**
   * Subnets of the function (and of the interface endpoints).
   * @default - the VPC's private subnets, as Lambda selects them
   */
  readonly vpcSubnets?: SubnetSelection;

  /**
   * Create SQS / Secrets Manager / SSM interface endpoints (only those the function needs), for
   * subnets without a NAT.
   * @default false
   */
  readonly interfaceEndpoints?: boolean;

  /**
   * Where the function may open HTTPS connections to AWS APIs.
   * @default - the created interface endpoints when `interfaceEndpoints` is on, else any IPv4
   *   address on 443 (public endpoints through the NAT)
   */
  readonly awsApiEgressPeer?: IPeer;

  // ---- Registry and credentials --------------------------------------------------------------

  /**
   * The cluster registry (DESIGN.md section 2). Validated at synthesis with the handler's own
   * parser; its networks bound the security group's egress, and its Secrets Manager credentials
   * references get read grants.
   */
  readonly registry: RegistryDocument;

  /**
   * An SSM parameter holding the registry JSON; the function reads it at cold start
   * (SWARM_SEND_REGISTRY_PARAMETER) instead of inline. `registry` must describe its content.
   * @default - the registry is passed inline in SWARM_SEND_REGISTRY
   */
  readonly registryParameter?: IStringParameter;

  /**
   * Secrets for credentials references, keyed by the reference as written in the registry
   * (e.g. to bring a secret's customer-managed KMS key along).
   * @default - each reference is imported by name, or by ARN when it is one
   */
  readonly secrets?: Readonly<Record<string, ISecret>>;

  // ---- Queues --------------------------------------------------------------------------------

  /**
   * A FIFO SEND queue (and FIFO dead-letter queue).
   * @default false
   */
  readonly fifo?: boolean;

  /**
   * Content-based deduplication on the FIFO SEND queue.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * Visibility timeout of the SEND queue; not shorter than `timeout`.
   * @default - 6 x `timeout` + `maxBatchingWindow`
   */
  readonly visibilityTimeout?: Duration;

  /**
   * Receives before SQS moves a message to the DLQ itself; greater than `maxAttempts`.
   * @default - `maxAttempts` + 2
   */
  readonly maxReceiveCount?: number;

  /**
   * Retention of the SEND queue.
   * @default DEFAULT_RETENTION_PERIOD (14 days)
   */
  readonly retentionPeriod?: Duration;

  /**
   * Retention of the dead-letter queue; not shorter than `retentionPeriod`.
   * @default DEFAULT_DEAD_LETTER_RETENTION_PERIOD (14 days)
   */
  readonly deadLetterRetentionPeriod?: Duration;

  /**
   * Customer-managed KMS key for the queues this construct creates.
   * @default - SQS-managed server-side encryption
   */
  readonly encryptionKey?: IKey;

  /**
   * An existing queue that receives one outcome record per message.
   * @default - none, unless `createOutcomesQueue`
   */
  readonly outcomesQueue?: IQueue;

  /**
   * Create an outcomes queue (standard, encrypted, TLS-only). Not with `outcomesQueue`.
   * @default false
   */
  readonly createOutcomesQueue?: boolean;

  // ---- Function ------------------------------------------------------------------------------

  /**
   * The handler's entry file.
   * @default DEFAULT_ENTRY (functions/handlers/send.ts)
   */
  readonly entry?: string;

  /**
   * The handler's exported name.
   * @default DEFAULT_HANDLER ('handler')
   */
  readonly handler?: string;

  /**
   * Prebuilt code instead of bundling `entry`.
   * @default - `entry` is bundled by esbuild locally
   */
  readonly code?: Code;

  /**
   * esbuild options merged over the defaults.
   * @default DEFAULT_BUNDLING
   */
  readonly bundling?: BundlingOptions;

  /**
   * Function timeout; the queue's visibility timeout is derived from it.
   * @default DEFAULT_FUNCTION_TIMEOUT (2 minutes)
   */
  readonly timeout?: Duration;

  /**
   * Function memory in MB.
   * @default DEFAULT_MEMORY_SIZE (256)
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's log group.
   * @default DEFAULT_LOG_RETENTION (one month)
   */
  readonly logRetention?: RetentionDays;

  /**
   * Extra environment variables; those the construct derives are rejected.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * The handler's attempt limit (SWARM_SEND_MAX_ATTEMPTS).
   * @default DEFAULT_MAX_ATTEMPTS (5)
   */
  readonly maxAttempts?: number;

  /**
   * SENDs in flight per invocation (SWARM_SEND_CONCURRENCY).
   * @default DEFAULT_CONCURRENCY (16)
   */
  readonly concurrency?: number;

  /**
   * Base of the backoff between attempts.
   * @default DEFAULT_BACKOFF_BASE (5 seconds)
   */
  readonly backoffBase?: Duration;

  /**
   * Cap of the backoff between attempts.
   * @default DEFAULT_BACKOFF_CAP (900 seconds)
   */
  readonly backoffCap?: Duration;

  /**
   * Powertools service name (the `service` metric dimension).
   * @default DEFAULT_SERVICE_NAME ('swarm-send')
   */
  readonly serviceName?: string;

  /**
   * Namespace of the handler's metrics.
   * @default DEFAULT_METRICS_NAMESPACE ('SwarmSend')
   */
  readonly metricsNamespace?: string;

  // ---- Event source mapping ------------------------------------------------------------------

  /**
   * Messages per invocation.
   * @default DEFAULT_BATCH_SIZE (10)
   */
  readonly batchSize?: number;

  /**
   * Batching window (standard queues only; required above 10 messages per batch).
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Concurrent invocations (2 to 1000), to protect the source cluster.
   * @default DEFAULT_MAX_CONCURRENCY (5)
   */
  readonly maxConcurrency?: number;

  // ---- Alarms and dashboard ------------------------------------------------------------------

  /**
   * Topic the alarms notify.
   * @default - a new TLS-only topic
   */
  readonly alarmTopic?: ITopic;

  /**
   * Recovery-point objective: the oldest-message alarm fires beyond it.
   * @default DEFAULT_RECOVERY_POINT_OBJECTIVE (15 minutes)
   */
  readonly recoveryPointObjective?: Duration;

  /**
   * Failure-rate alarm threshold, percent of processed messages.
   * @default DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT (5)
   */
  readonly failureRateThresholdPercent?: number;

  /**
   * Function errors per period that raise the alarm.
   * @default DEFAULT_FUNCTION_ERRORS_THRESHOLD (1)
   */
  readonly functionErrorsThreshold?: number;

  /**
   * Throttles per period that raise the alarm.
   * @default DEFAULT_THROTTLES_THRESHOLD (1)
   */
  readonly throttlesThreshold?: number;

  /**
   * Period of the alarms and dashboard graphs.
   * @default DEFAULT_ALARM_PERIOD (5 minutes)
   */
  readonly alarmPeriod?: Duration;

  /**
   * Create the CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * Name of the dashboard.
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
}

/** Worst-case total backoff of a message that uses every attempt (full jitter never exceeds it). */
export function worstCaseBackoffSeconds(maxAttempts: number, base: Duration, cap: Duration): number {
  let total = 0;
  for (let n = 1; n < maxAttempts; n++) total += Math.min(cap.toSeconds(), base.toSeconds() * 2 ** (n - 1));
  return total;
}

/** Every reason these props cannot work together (empty when they can). */
export function swarmSendPipelineProblems(props: SwarmSendPipelineProps): string[] {
  const queueSettings = {
    ...props,
    functionTimeout: props.timeout,
  };
  const problems = [
    ...sendQueuesProblems(queueSettings),
    ...sendFunctionProblems(props, props.fifo ?? false),
    ...pipelineAlarmsProblems({ ...props, period: props.alarmPeriod }),
  ];
  if (props.outcomesQueue && props.createOutcomesQueue) problems.push('give outcomesQueue or createOutcomesQueue, not both');
  if (props.dashboardName !== undefined && props.dashboard === false) problems.push('dashboardName is set but dashboard is false');
  if (registryProblems(props.registry).length === 0) problems.push(...egressProblems(validateRegistry(props.registry)));
  return [...new Set(problems)];
}

/**
 * The swarm-send pipeline in one construct: the SEND queue and its DLQ, the SEND function in the
 * VPC next to the clusters with its event source mapping, the network fence, alarms and a
 * dashboard. Each concern is its own construct, exposed below.
 *
 * @example
 * new SwarmSendPipeline(this, 'SwarmSend', {
 *   vpc,
 *   registry: JSON.parse(readFileSync('config/registry.json', 'utf8')),
 *   recoveryPointObjective: Duration.minutes(10),
 * });
 */
export class SwarmSendPipeline extends Construct {
  /** The validated registry. */
  public readonly registry: Registry;
  /** SEND queue, DLQ and the optional created outcomes queue. */
  public readonly queues: SendQueues;
  /** Security groups and interface endpoints. */
  public readonly network: PipelineNetwork;
  /** The function, its role, log group and event source. */
  public readonly sendFunction: SendFunction;
  /** The alarms and their topic. */
  public readonly alarms: PipelineAlarms;
  /** The dashboard, unless `dashboard: false`. */
  public readonly dashboard?: PipelineDashboard;
  /** The handler's metrics (for your own alarms and widgets). */
  public readonly metrics: HandlerMetrics;

  /** Shortcut: the queue producers send SEND requests to. */
  public readonly sendQueue: IQueue;
  /** Shortcut: the dead-letter queue. */
  public readonly deadLetterQueue: IQueue;
  /** Shortcut: the outcomes queue (given or created), if any. */
  public readonly outcomesQueue?: IQueue;
  /** Shortcut: the SEND function. */
  public readonly lambdaFunction: IFunction;
  /** Shortcut: the function's security group. */
  public readonly securityGroup: ISecurityGroup;
  /** Shortcut: the topic the alarms notify. */
  public readonly alarmTopic: ITopic;

  constructor(scope: Construct, id: string, props: SwarmSendPipelineProps) {
    super(scope, id);
    // Every problem at once, before anything is built (or bundled).
    failOnProblems('SwarmSendPipeline', swarmSendPipelineProblems(props));
    this.registry = validateRegistry(props.registry);

    this.queues = new SendQueues(this, 'Queues', {
      fifo: props.fifo,
      contentBasedDeduplication: props.contentBasedDeduplication,
      functionTimeout: props.timeout,
      maxBatchingWindow: props.maxBatchingWindow,
      visibilityTimeout: props.visibilityTimeout,
      maxAttempts: props.maxAttempts,
      maxReceiveCount: props.maxReceiveCount,
      retentionPeriod: props.retentionPeriod,
      deadLetterRetentionPeriod: props.deadLetterRetentionPeriod,
      encryptionKey: props.encryptionKey,
      createOutcomesQueue: props.createOutcomesQueue,
    });
    this.sendQueue = this.queues.sendQueue;
    this.deadLetterQueue = this.queues.deadLetterQueue;
    this.outcomesQueue = props.outcomesQueue ?? this.queues.outcomesQueue;

    this.network = new PipelineNetwork(this, 'Network', {
      vpc: props.vpc,
      registry: this.registry,
      vpcSubnets: props.vpcSubnets,
      interfaceEndpoints: props.interfaceEndpoints,
      registryFromParameter: props.registryParameter !== undefined,
      awsApiEgressPeer: props.awsApiEgressPeer,
    });
    this.securityGroup = this.network.securityGroup;

    this.sendFunction = new SendFunction(this, 'SendFunction', {
      ...props,
      securityGroup: this.network.securityGroup,
      sendQueue: this.queues.sendQueue,
      deadLetterQueue: this.queues.deadLetterQueue,
      outcomesQueue: this.outcomesQueue,
    });
    this.lambdaFunction = this.sendFunction.lambdaFunction;
    // The endpoints must accept connections before the function first runs.
    if (this.network.sqsEndpoint) this.lambdaFunction.node.addDependency(this.network);

    const period = props.alarmPeriod ?? DEFAULT_ALARM_PERIOD;
    this.metrics = new HandlerMetrics({ namespace: props.metricsNamespace, serviceName: props.serviceName, period });
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      ...props,
      sendQueue: this.sendQueue,
      deadLetterQueue: this.deadLetterQueue,
      lambdaFunction: this.lambdaFunction,
      metrics: this.metrics,
      period,
    });
    this.alarmTopic = this.alarms.alarmTopic;

    if (props.dashboard ?? true) {
      this.dashboard = new PipelineDashboard(this, 'Dashboard', {
        ...props,
        sendQueue: this.sendQueue,
        deadLetterQueue: this.deadLetterQueue,
        lambdaFunction: this.lambdaFunction,
        metrics: this.metrics,
        period,
      });
    }

    const settings = resolveQueueSettings({ ...props, functionTimeout: props.timeout });
    const backoff = worstCaseBackoffSeconds(settings.maxAttempts, props.backoffBase ?? DEFAULT_BACKOFF_BASE, props.backoffCap ?? DEFAULT_BACKOFF_CAP);
    const rpo = props.recoveryPointObjective ?? DEFAULT_RECOVERY_POINT_OBJECTIVE;
    if (backoff > rpo.toSeconds()) {
      Annotations.of(this).addWarningV2(
        'swarm-send:rpo-below-backoff',
        `A message that uses all ${settings.maxAttempts} attempts can back off for up to ${backoff} s, longer than the recovery-point objective (${rpo.toSeconds()} s): expect oldest-message alarms during long outages of the DR cluster.`,
      );
    }
  }
}
