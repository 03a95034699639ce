import { Annotations, type Duration } from 'aws-cdk-lib';
import { Row } from 'aws-cdk-lib/aws-cloudwatch';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { configuredRoutes, type Registry } from '../functions/core/registry/registry.js';
import {
  PipelineAlarms,
  monitoringSettingsProblems,
  resolveMonitoringSettings,
  type MonitoringSettings,
  type PipelineAlarmsOptions,
  type PipelineMonitoringInputs,
} from './constructs/pipeline-alarms.js';
import { LongRunningTier } from './constructs/long-running-tier.js';
import {
  longRunningTierSettingsProblems,
  resolveLongRunningTierSettings,
  type LongRunningTierOptions,
  type LongRunningTierSettings,
} from './constructs/long-running-tier-options.js';
import { OutcomeEvents, type OutcomeEventPattern, type OutcomeEventsOptions } from './constructs/outcome-events.js';
import { PipelineDashboard, type PipelineDashboardOptions } from './constructs/pipeline-dashboard.js';
import { PipelineNetwork, type PipelineNetworkOptions } from './constructs/pipeline-network.js';
import { SendFunction } from './constructs/send-function.js';
import type { SendFunctionOptions } from './constructs/send-function-options.js';
import {
  resolveSendFunctionSettings,
  sendFunctionSettingsProblems,
  type SendFunctionSettings,
} from './constructs/send-function-settings.js';
import { ReconcileSchedule } from './constructs/reconcile-schedule.js';
import type { ReconcileOptions } from './constructs/reconcile-options.js';
import {
  reconcileSettingsProblems,
  resolveReconcileSettings,
  type ReconcileSettings,
} from './constructs/reconcile-settings.js';
import {
  SendQueues,
  queueSettingsProblems,
  resolveQueueSettings,
  type ResolvedQueueSettings,
  type SendQueuesOptions,
} from './constructs/send-queues.js';
import { DEFAULT_ALARM_PERIOD } from './defaults.js';
import { failOnProblems } from './errors.js';
import { HandlerMetrics } from './handler-metrics.js';
import { checkRegistry, egressProblems, type CheckedRegistry } from './registry-config.js';

/**
 * Every inner construct's options (each prop is documented where it is declared), plus what only
 * the pipeline decides.
 */
export interface SwarmSendPipelineProps
  extends
    PipelineNetworkOptions,
    SendQueuesOptions,
    SendFunctionOptions,
    PipelineAlarmsOptions,
    PipelineDashboardOptions,
    OutcomeEventsOptions {
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

  /**
   * The long-running tier (`LongRunningTier`, docs/large-objects.md): a large-object queue
   * consumed by `swarm-send worker --long-running` on Fargate, in the SEND function's network,
   * scaled on the queue's depth down to zero. The SEND function moves there the objects of a
   * route with `largeObjects.via: "long-running-tier"` that do not fit its invocation.
   * @default - no tier (a registry route with that via is then refused)
   */
  readonly longRunningTier?: LongRunningTierOptions;
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

/** Every inner construct's settings, resolved once from the pipeline's props, around one parse of the registry. */
export interface PipelineSettings {
  readonly registry: CheckedRegistry;
  readonly queues: ResolvedQueueSettings;
  readonly sendFunction: SendFunctionSettings;
  readonly monitoring: MonitoringSettings;
  readonly reconcile: ReconcileSettings | undefined;
  readonly longRunningTier: LongRunningTierSettings | undefined;
}

/** Applies every default of the pipeline's props once, parsing the registry once. */
export function resolvePipelineSettings(props: SwarmSendPipelineProps): PipelineSettings {
  const registry = checkRegistry(props.registry);
  const queues = resolveQueueSettings({ ...props, functionTimeout: props.timeout });
  const period = props.alarmPeriod ?? DEFAULT_ALARM_PERIOD;
  const metrics = new HandlerMetrics({ namespace: props.metricsNamespace, serviceName: props.serviceName, period });
  return {
    registry,
    queues,
    sendFunction: resolveSendFunctionSettings(props, queues.fifo, registry),
    monitoring: resolveMonitoringSettings({ ...props, period, metrics }),
    reconcile: props.reconcile && resolveReconcileSettings({ ...props.reconcile, registry: props.registry }, registry),
    longRunningTier: props.longRunningTier && resolveLongRunningTierSettings(props.longRunningTier),
  };
}

/** Every reason these props cannot work together (empty when they can). */
export function swarmSendPipelineProblems(props: SwarmSendPipelineProps): string[] {
  return pipelineSettingsProblems(props, resolvePipelineSettings(props));
}

function pipelineSettingsProblems(props: SwarmSendPipelineProps, s: PipelineSettings): string[] {
  const problems = [
    ...queueSettingsProblems(s.queues),
    ...sendFunctionSettingsProblems(props, s.sendFunction),
    ...monitoringSettingsProblems(s.monitoring),
  ];
  if (props.outcomesQueue && props.createOutcomesQueue)
    problems.push('give outcomesQueue or createOutcomesQueue, not both');
  if (props.dashboardName !== undefined && props.dashboard === false)
    problems.push('dashboardName is set but dashboard is false');
  if (s.registry.registry) problems.push(...egressProblems(s.registry.registry));
  if (props.reconcile && s.reconcile)
    problems.push(...reconcileSettingsProblems({ ...props.reconcile, registry: props.registry }, s.reconcile));
  if (s.longRunningTier) problems.push(...longRunningTierSettingsProblems(s.longRunningTier));
  else if (s.registry.registry) problems.push(...tierlessRouteProblems(s.registry.registry));
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
  /** The outcome events (bus, grant, rules), when `outcomeEvents` is set. */
  public readonly events?: OutcomeEvents;
  /** The long-running tier, when `longRunningTier` is given. */
  public readonly longRunningTier?: LongRunningTier;

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
    // Every default applied and every problem found at once, before anything is built (or bundled).
    const settings = resolvePipelineSettings(props);
    failOnProblems('SwarmSendPipeline', pipelineSettingsProblems(props, settings));
    this.registry = settings.registry.registry!;

    this.queues = new SendQueues(this, 'Queues', { ...props, functionTimeout: props.timeout }, settings.queues);
    this.sendQueue = this.queues.sendQueue;
    this.deadLetterQueue = this.queues.deadLetterQueue;
    this.outcomesQueue = props.outcomesQueue ?? this.queues.outcomesQueue;

    this.network = new PipelineNetwork(this, 'Network', {
      ...pick(props, 'vpc', 'vpcSubnets', 'interfaceEndpoints', 'awsApiEgressPeer'),
      registry: this.registry,
      registryFromParameter: props.registryParameter !== undefined,
      outcomeEvents: Boolean(props.outcomeEvents),
    });
    this.securityGroup = this.network.securityGroup;

    const queues = { sendQueue: this.sendQueue, deadLetterQueue: this.deadLetterQueue };
    this.sendFunction = new SendFunction(
      this,
      'SendFunction',
      { ...props, ...queues, securityGroup: this.securityGroup, outcomesQueue: this.outcomesQueue },
      settings.sendFunction,
    );
    this.lambdaFunction = this.sendFunction.lambdaFunction;
    // The endpoints must accept connections before the function first runs.
    if (this.network.sqsEndpoint) this.lambdaFunction.node.addDependency(this.network);
    if (props.outcomeEvents) {
      this.events = new OutcomeEvents(this, 'Events', {
        ...(typeof props.outcomeEvents === 'object' && { eventBus: props.outcomeEvents }),
        recoveryPointObjective: settings.monitoring.recoveryPointObjective,
      });
      this.events.attach(this.sendFunction.lambdaFunction);
    }

    // What the alarms and the dashboard both watch.
    const { metrics, period } = settings.monitoring;
    this.metrics = metrics;
    const monitored: PipelineMonitoringInputs = { ...queues, lambdaFunction: this.lambdaFunction, metrics, period };
    this.alarms = new PipelineAlarms(this, 'Alarms', { ...props, ...monitored }, settings.monitoring);
    this.alarmTopic = this.alarms.alarmTopic;
    if (props.dashboard ?? true)
      this.dashboard = new PipelineDashboard(this, 'Dashboard', { ...props, ...monitored }, settings.monitoring);

    if (props.reconcile) this.reconcile = this.addReconcile(props, props.reconcile, settings.reconcile!);
    if (props.longRunningTier) this.longRunningTier = this.addLongRunningTier(props, props.longRunningTier, settings);
    warnWhenBackoffExceedsRpo(this, settings);
  }

  /**
   * A rule on the outcome events' bus: events with source `swarm-send` matching `pattern` (detail-types,
   * outcomes, reasons, destinations) go to `target`. Needs `outcomeEvents`.
   */
  onOutcome(id: string, pattern: OutcomeEventPattern, target: IRuleTarget): Rule {
    if (!this.events) throw new Error('SwarmSendPipeline.onOutcome needs the outcomeEvents prop');
    return this.events.onOutcome(id, pattern, target);
  }

  /**
   * The long-running tier, in the SEND function's network, with its environment and secrets; the
   * function may move objects to its queue; its alarms notify the pipeline's topic and its
   * widgets join the dashboard.
   */
  private addLongRunningTier(
    props: SwarmSendPipelineProps,
    options: LongRunningTierOptions,
    settings: PipelineSettings,
  ): LongRunningTier {
    const tier = new LongRunningTier(
      this,
      'LongRunningTier',
      {
        ...options,
        ...pick(props, 'vpc', 'vpcSubnets', 'encryptionKey', 'registryParameter', 'logRetention'),
        securityGroup: this.securityGroup,
        queueSettings: settings.queues,
        workerEnvironment: this.sendFunction.environment,
        credentialsSecrets: this.sendFunction.secrets,
        ...(this.outcomesQueue && { outcomesQueue: this.outcomesQueue }),
        ...(this.events && { outcomeEvents: this.events }),
        alarmTopic: this.alarmTopic,
        period: settings.monitoring.period,
      },
      settings.longRunningTier,
    );
    tier.attach(this.sendFunction.lambdaFunction);
    if (props.interfaceEndpoints && !props.awsApiEgressPeer) {
      Annotations.of(tier).addWarningV2(
        'swarm-send:tier-image-egress',
        "The long-running tier's tasks pull their image from ECR (its layers from S3) and write to CloudWatch Logs, but with interfaceEndpoints the security group reaches only the endpoints created for SQS, Secrets Manager and SSM: add ECR (api, dkr) and Logs endpoints and the S3 gateway endpoint with an egress rule to them, or run the tier in subnets with a NAT (docs/deploy-aws.md).",
      );
    }
    this.dashboard?.dashboard.addWidgets(new Row(...tier.widgets()));
    return tier;
  }

  /** The scheduled reconcile, in the SEND function's network and with its secrets, and its dashboard rows. */
  private addReconcile(
    props: SwarmSendPipelineProps,
    options: ReconcileOptions,
    settings: ReconcileSettings,
  ): ReconcileSchedule {
    const reconcile = new ReconcileSchedule(
      this,
      'Reconcile',
      {
        ...options,
        ...pick(
          props,
          'registry',
          'registryParameter',
          'bundling',
          'bundleFromSource',
          'runtime',
          'logRetention',
          'serviceName',
          'metricsNamespace',
          'environment',
        ),
        ...pick(props, 'vpc', 'vpcSubnets', 'encryptionKey'),
        securityGroup: this.securityGroup,
        sendQueue: this.sendQueue,
        credentialsSecrets: this.sendFunction.secrets,
        alarmTopic: this.alarmTopic,
      },
      settings,
    );
    this.dashboard?.dashboard.addWidgets(...reconcile.widgets().map((row) => new Row(...row)));
    return reconcile;
  }
}

/** Routes that move large objects to a long-running tier the pipeline does not have. */
function tierlessRouteProblems(registry: Registry): string[] {
  return configuredRoutes(registry)
    .filter((r) => r.largeObjects?.via === 'long-running-tier')
    .map(
      (r) =>
        `registry: the route from ${r.from} to ${r.to} moves large objects to the long-running tier (largeObjects.via), which needs the longRunningTier prop`,
    );
}

/** Warns (synthesis goes on) when a message's worst-case backoff outlasts the recovery-point objective. */
function warnWhenBackoffExceedsRpo(scope: Construct, { sendFunction: f, monitoring }: PipelineSettings): void {
  const backoff = worstCaseBackoffSeconds(f.maxAttempts, f.backoffBase, f.backoffCap);
  const rpo = monitoring.recoveryPointObjective;
  if (backoff > rpo.toSeconds()) {
    Annotations.of(scope).addWarningV2(
      'swarm-send:rpo-below-backoff',
      `A message that uses all ${f.maxAttempts} attempts can back off for up to ${backoff} s, longer than the recovery-point objective (${rpo.toSeconds()} s): expect oldest-message alarms during long outages of the DR cluster.`,
    );
  }
}
