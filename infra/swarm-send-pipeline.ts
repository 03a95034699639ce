import { Annotations, type Duration } from 'aws-cdk-lib';
import { Row } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Registry } from '../functions/core/registry.js';
import {
  PipelineAlarms,
  pipelineAlarmsProblems,
  type PipelineAlarmsOptions,
  type PipelineMonitoringInputs,
} from './constructs/pipeline-alarms.js';
import { PipelineDashboard, type PipelineDashboardOptions } from './constructs/pipeline-dashboard.js';
import { PipelineNetwork, type PipelineNetworkOptions } from './constructs/pipeline-network.js';
import { SendFunction, sendFunctionProblems, type SendFunctionOptions } from './constructs/send-function.js';
import { ReconcileSchedule, reconcileProblems, type ReconcileOptions } from './constructs/reconcile-schedule.js';
import { SendQueues, resolveQueueSettings, sendQueuesProblems, type SendQueuesOptions } from './constructs/send-queues.js';
import { DEFAULT_ALARM_PERIOD, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_RECOVERY_POINT_OBJECTIVE } from './defaults.js';
import { failOnProblems } from './errors.js';
import { HandlerMetrics } from './handler-metrics.js';
import { egressProblems, registryProblems, validateRegistry } from './registry-config.js';

/**
 * Every inner construct's options (each prop is documented where it is declared), plus what only
 * the pipeline decides.
 */
export interface SwarmSendPipelineProps
  extends PipelineNetworkOptions,
    SendQueuesOptions,
    SendFunctionOptions,
    PipelineAlarmsOptions,
    PipelineDashboardOptions {
  /**
   * Period of the alarms and dashboard graphs (`period` of `PipelineAlarms` and `PipelineDashboard`).
   * @default DEFAULT_ALARM_PERIOD (5 minutes)
   */
  readonly alarmPeriod?: Duration;

  /**
   * Create the CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;

  /**
   * A scheduled reconcile (`ReconcileSchedule`): compares the source and DR listings of the given
   * scopes on a schedule, enqueues repairs, and alarms when divergence persists across two runs.
   * @default - no scheduled reconcile
   */
  readonly reconcile?: ReconcileOptions;
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
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
  if (props.reconcile) problems.push(...reconcileProblems({ ...props.reconcile, registry: props.registry }));
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
  /** The scheduled reconcile, when `reconcile` is given. */
  public readonly reconcile?: ReconcileSchedule;

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
      batchSize: props.batchSize,
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
    // What the alarms and the dashboard both watch.
    const monitored: PipelineMonitoringInputs = {
      sendQueue: this.sendQueue,
      deadLetterQueue: this.deadLetterQueue,
      lambdaFunction: this.lambdaFunction,
      metrics: this.metrics,
      period,
    };
    this.alarms = new PipelineAlarms(this, 'Alarms', { ...props, ...monitored });
    this.alarmTopic = this.alarms.alarmTopic;

    if (props.dashboard ?? true) {
      this.dashboard = new PipelineDashboard(this, 'Dashboard', { ...props, ...monitored });
    }

    if (props.reconcile) {
      this.reconcile = new ReconcileSchedule(this, 'Reconcile', {
        ...props.reconcile,
        ...pick(props, 'registry', 'registryParameter', 'bundling', 'bundleFromSource', 'logRetention', 'serviceName', 'metricsNamespace', 'environment'),
        ...pick(props, 'vpc', 'vpcSubnets', 'encryptionKey'),
        securityGroup: this.securityGroup,
        sendQueue: this.sendQueue,
        credentialsSecrets: this.sendFunction.secrets,
        alarmTopic: this.alarmTopic,
      });
      this.dashboard?.dashboard.addWidgets(...this.reconcile.widgets().map((row) => new Row(...row)));
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
