import { Duration, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alarm, ComparisonOperator, GraphWidget, TreatMissingData, type IMetric, type IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ContextAttribute, Schedule, ScheduleTargetInput, type ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type IQueue, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_ENV, RECONCILE_ENV_DEFAULTS } from '../../functions/env.js';
import { reconcileScopesProblems, type ReconcileScopeConfig, type RepairMode } from '../../functions/reconcile-config.js';
import { VISIBILITY_TIMEOUT_FACTOR } from '../defaults.js';
import { checkInteger, failOnProblems } from '../errors.js';
import { ReconcileMetrics } from '../reconcile-metrics.js';
import { registryProblems, validateRegistry } from '../registry-config.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';
import { powertoolsEnvironment, registryEnvironment, SQS_ESM_LIMITS, vpcNodejsFunction, type SendFunctionOptions } from './send-function.js';

/** Defaults of the scheduled reconcile. */
export const RECONCILE_DEFAULTS = {
  /** Objects younger than this are left alone (`too-new`): the pipeline may still be copying them. */
  grace: Duration.seconds(RECONCILE_ENV_DEFAULTS.GRACE_SECONDS),
  repair: RECONCILE_ENV_DEFAULTS.REPAIR as RepairMode,
  /** One slice of a scope; the continuation carries the rest. */
  timeout: Duration.minutes(5),
  /** Listing pages are parsed in memory one at a time: a page of 1000 rows is a few hundred KB. */
  memorySize: 512,
  /** Scopes (buckets) worked at once: bounds the listing and HEAD load on both clusters. */
  maxConcurrency: 4,
  /** Receives of one continuation before SQS moves it to the reconcile DLQ. */
  maxReceiveCount: 3,
  /** How long Scheduler keeps trying to start a run. */
  startRetryAttempts: 3,
  startMaxEventAge: Duration.hours(1),
} as const;

/** The scheduled reconcile as `SwarmSendPipeline`'s `reconcile` prop. */
export interface ReconcileOptions {
  /** When a run starts, e.g. `ScheduleExpression.rate(Duration.days(1))` or a cron expression. */
  readonly schedule: ScheduleExpression;

  /**
   * What each run compares: per domain, the named objects of `buckets` (every bucket the source
   * lists when absent) and, with `unnamed`, the domain's unnamed objects. Each bucket is its own
   * scope, worked in parallel with the others.
   */
  readonly scopes: readonly ReconcileScopeConfig[];

  /**
   * How often `schedule` starts a run: the period of the divergence alarm, which fires when two
   * consecutive periods (two runs) both find objects missing or different.
   * @default - read from a `rate()` schedule; required for `cron()` and `at()`
   */
  readonly interval?: Duration;

  /**
   * Objects whose source version is younger than this are `too-new` and never repaired.
   * @default RECONCILE_DEFAULTS.grace (10 minutes)
   */
  readonly grace?: Duration;

  /**
   * `enqueue`: each object confirmed missing or different becomes a SEND message on the SEND
   * queue (correlation id: the run). `report`: only counted, logged and alarmed on.
   * @default 'enqueue'
   */
  readonly repair?: RepairMode;

  /**
   * Registry keys of the source and DR clusters.
   * @default - the registry's defaultRoute
   */
  readonly from?: string;
  readonly to?: string;

  /**
   * Timeout of one reconcile invocation (one slice of one scope; at most 15 minutes).
   * @default RECONCILE_DEFAULTS.timeout (5 minutes)
   */
  readonly timeout?: Duration;

  /**
   * Memory of the reconcile function, MB.
   * @default RECONCILE_DEFAULTS.memorySize (512)
   */
  readonly memorySize?: number;

  /**
   * Scopes worked at once (the reconcile queue's event source `maxConcurrency`, 2 to 1000).
   * @default RECONCILE_DEFAULTS.maxConcurrency (4)
   */
  readonly maxConcurrency?: number;

  /**
   * Rows per listing page (SWARM_SEND_RECONCILE_PAGE_SIZE).
   * @default 1000 (Swarm's default page size)
   */
  readonly pageSize?: number;

  /**
   * Whether the schedule is enabled.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The reconcile handler's entry file.
   * @default DEFAULT_RECONCILE_ENTRY (functions/handlers/reconcile.ts)
   */
  readonly entry?: string;

  /**
   * Prebuilt code instead of bundling `entry`; the handler is `index.handler`.
   * @default - `entry` is bundled like the SEND function
   */
  readonly code?: Code;
}

/** `ReconcileOptions` plus what the pipeline shares with it. */
export interface ReconcileScheduleProps
  extends ReconcileOptions,
    Pick<SendFunctionOptions, 'registry' | 'registryParameter' | 'bundling' | 'logRetention' | 'serviceName' | 'metricsNamespace' | 'environment'>,
    Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'> {
  /** The SEND function's security group: the reconcile function reaches the same nodes. */
  readonly securityGroup: ISecurityGroup;
  /** Where repairs are enqueued. */
  readonly sendQueue: IQueue;
  /** The clusters' credentials secrets (the SEND function's `secrets`). */
  readonly credentialsSecrets?: readonly ISecret[];
  /**
   * Customer-managed KMS key for the reconcile queues.
   * @default - SSE-SQS
   */
  readonly encryptionKey?: IKey;
  /**
   * Topic the reconcile alarms notify.
   * @default - no alarm actions
   */
  readonly alarmTopic?: ITopic;
}

/** Longest scopes JSON: Lambda's environment holds 4 KB, the registry may take 3 KB of it. */
export const MAX_SCOPES_LENGTH = 768;

/** The period a `rate()` expression fires at, or undefined for cron/at expressions. */
export function rateOf(schedule: ScheduleExpression): Duration | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2]!.startsWith('minute') ? Duration.minutes(n) : m[2]!.startsWith('hour') ? Duration.hours(n) : Duration.days(n);
}

/** Every reason these options cannot work (empty when they can). */
export function reconcileProblems(props: ReconcileOptions & Pick<ReconcileScheduleProps, 'registry'>): string[] {
  const problems = reconcileScopesProblems(props.scopes).map((p) => `reconcile.${p}`);
  const interval = props.interval ?? rateOf(props.schedule);
  if (!interval) {
    problems.push(`reconcile.interval is required when the schedule is not a rate() expression (got ${props.schedule.expressionString})`);
  } else if (!Token.isUnresolved(interval.toSeconds())) {
    const s = interval.toSeconds();
    // CloudWatch: periods are multiples of 60 s; two of them may span at most 1 day under an
    // hour's period, and 7 days otherwise.
    if (s % 60 !== 0 || s < 60) problems.push(`reconcile.interval (${s} s) must be a whole number of minutes`);
    else if (2 * s > (s < 3600 ? 86_400 : 604_800)) problems.push(`reconcile.interval (${s} s) is too long for a two-run CloudWatch alarm (at most 3.5 days)`);
  }
  const scopesLength = JSON.stringify(props.scopes).length;
  if (scopesLength > MAX_SCOPES_LENGTH) {
    problems.push(`reconcile.scopes is ${scopesLength} characters of JSON, more than the ${MAX_SCOPES_LENGTH} that fit beside the registry in Lambda's 4 KB environment; leave out buckets to reconcile every bucket of a domain`);
  }
  const timeout = props.timeout ?? RECONCILE_DEFAULTS.timeout;
  if (timeout.toSeconds() > 900) problems.push(`reconcile.timeout (${timeout.toSeconds()} s) exceeds Lambda's maximum of 900 s`);
  if (timeout.toMilliseconds() <= 2 * RECONCILE_ENV_DEFAULTS.MARGIN_MS) {
    problems.push(`reconcile.timeout (${timeout.toSeconds()} s) leaves no time to work after the ${RECONCILE_ENV_DEFAULTS.MARGIN_MS} ms kept to save the continuation`);
  }
  checkInteger(problems, 'reconcile.memorySize', props.memorySize ?? RECONCILE_DEFAULTS.memorySize, 128, 10_240);
  checkInteger(problems, 'reconcile.maxConcurrency', props.maxConcurrency ?? RECONCILE_DEFAULTS.maxConcurrency, SQS_ESM_LIMITS.minMaxConcurrency, SQS_ESM_LIMITS.maxMaxConcurrency);
  checkInteger(problems, 'reconcile.pageSize', props.pageSize ?? RECONCILE_ENV_DEFAULTS.PAGE_SIZE, 1, 10_000);
  const grace = props.grace ?? RECONCILE_DEFAULTS.grace;
  if (grace.toSeconds() < 0 || grace.toSeconds() > 30 * 86_400) problems.push(`reconcile.grace (${grace.toSeconds()} s) must be from 0 to 30 days`);
  if (registryProblems(props.registry).length === 0) {
    const registry = validateRegistry(props.registry);
    const from = props.from ?? registry.defaultRoute?.from;
    const to = props.to ?? registry.defaultRoute?.to;
    for (const [name, key] of [['from', from], ['to', to]] as const) {
      if (!key) problems.push(`reconcile.${name} is required: the registry has no defaultRoute`);
      else if (!registry.clusters[key]) problems.push(`reconcile.${name} ("${key}") is not a cluster of the registry`);
    }
    if (from && from === to) problems.push('reconcile.from and reconcile.to name the same cluster');
  }
  return problems;
}

/**
 * The scheduled reconcile: an EventBridge Scheduler schedule starts the reconcile function, which
 * fans a run out as one continuation message per scope (bucket, or a domain's unnamed objects)
 * on the reconcile queue. The queue triggers the same function, which works one scope until its
 * time budget ends, enqueues the repairs, writes EMF metrics and hands itself the continuation
 * (scope + marker). The queue is FIFO with one message group per scope, so a scope is worked by
 * one invocation at a time, scopes in parallel, and a crash at any point only repeats a slice.
 * A divergence alarm fires when two consecutive runs find objects missing or different.
 */
export class ReconcileSchedule extends Construct {
  /** The reconcile function. */
  public readonly lambdaFunction: LambdaFunction;
  /** The queue of continuations. */
  public readonly queue: Queue;
  /** Continuations that failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: Queue;
  /** The schedule that starts each run. */
  public readonly schedule: Schedule;
  /** The reconcile metrics. */
  public readonly metrics: ReconcileMetrics;
  /** Objects missing or different in two consecutive runs. */
  public readonly divergenceAlarm: Alarm;
  /** A continuation was dead-lettered: a scope stopped before its end. */
  public readonly deadLetterAlarm: Alarm;
  /** The environment the function receives. */
  public readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ReconcileScheduleProps) {
    super(scope, id);
    failOnProblems('ReconcileSchedule', reconcileProblems(props));
    const timeout = props.timeout ?? RECONCILE_DEFAULTS.timeout;
    const interval = (props.interval ?? rateOf(props.schedule))!;

    const security: Pick<QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> = props.encryptionKey
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey, enforceSSL: true }
      : { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { ...security, fifo: true, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, 'Queue', {
      ...security,
      fifo: true,
      // Runs are at most days apart; a continuation older than that is stale.
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * timeout.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: RECONCILE_DEFAULTS.maxReceiveCount },
    });

    const parts = vpcNodejsFunction(this, 'reconcile', props, {
      ...props,
      description: 'swarm-send reconcile: compares source and DR listings one scope slice at a time and enqueues repairs',
      roleDescription: 'swarm-send reconcile function: its log group, its queues, the registry and the clusters\' credentials',
      timeout,
      memorySize: props.memorySize ?? RECONCILE_DEFAULTS.memorySize,
      environment: {
        ...props.environment,
        ...registryEnvironment(props),
        [RECONCILE_ENV.QUEUE_URL]: this.queue.queueUrl,
        [RECONCILE_ENV.SEND_QUEUE_URL]: props.sendQueue.queueUrl,
        [RECONCILE_ENV.SCOPES]: JSON.stringify(props.scopes),
        ...(props.from ? { [RECONCILE_ENV.FROM]: props.from } : {}),
        ...(props.to ? { [RECONCILE_ENV.TO]: props.to } : {}),
        [RECONCILE_ENV.GRACE_SECONDS]: String((props.grace ?? RECONCILE_DEFAULTS.grace).toSeconds()),
        [RECONCILE_ENV.REPAIR]: props.repair ?? RECONCILE_DEFAULTS.repair,
        [RECONCILE_ENV.PAGE_SIZE]: String(props.pageSize ?? RECONCILE_ENV_DEFAULTS.PAGE_SIZE),
        ...powertoolsEnvironment(props),
      },
    });
    this.lambdaFunction = parts.lambdaFunction;
    this.environment = parts.environment;

    // One continuation per invocation: the time budget is the scope's.
    this.lambdaFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        maxConcurrency: props.maxConcurrency ?? RECONCILE_DEFAULTS.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.queue.grantSendMessages(parts.role);
    if ((props.repair ?? RECONCILE_DEFAULTS.repair) === 'enqueue') props.sendQueue.grantSendMessages(parts.role);
    props.registryParameter?.grantRead(parts.role);
    for (const secret of props.credentialsSecrets ?? []) secret.grantRead(parts.role);
    if (props.encryptionKey || props.sendQueue.encryptionMasterKey) {
      for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
        Validations.of(parts.role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason:
            'Granted by grantSendMessages for a queue encrypted with a customer-managed key: SQS needs the data-key actions to encrypt messages, and the statement is limited to that one key.',
        });
      }
    }

    // The schedule's own role (instead of the stack-wide one the target would make), so the
    // acknowledgment below sits on exactly what it covers.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'swarm-send reconcile schedule: invokes the reconcile function',
    });
    const functionId = Stack.of(this).getLogicalId(this.lambdaFunction.node.defaultChild as CfnElement);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason: 'grantInvoke names the function and its versions and aliases (ARN:*); the schedule may invoke nothing else.',
    });

    this.schedule = new Schedule(this, 'Schedule', {
      schedule: props.schedule,
      description: 'swarm-send reconcile: starts a run (one continuation per scope on the reconcile queue)',
      enabled: props.enabled ?? true,
      target: new LambdaInvoke(this.lambdaFunction, {
        role: schedulerRole,
        // The scheduled time names the run; Scheduler's retries of one start carry the same one,
        // so the fan-out deduplicates on the FIFO queue.
        input: ScheduleTargetInput.fromObject({ reconcile: 'start', scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: RECONCILE_DEFAULTS.startRetryAttempts,
        maxEventAge: RECONCILE_DEFAULTS.startMaxEventAge,
      }),
    });

    this.metrics = new ReconcileMetrics({ namespace: props.metricsNamespace, serviceName: props.serviceName, period: interval });
    this.divergenceAlarm = new Alarm(this, 'DivergenceAlarm', {
      metric: this.metrics.divergence(),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // A period without a run says nothing about divergence.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'swarm-send reconcile: two consecutive runs found objects missing or different on the DR cluster. Repairs are not taking (see the SEND DLQ and the reconcile logs), or something keeps removing DR copies.',
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'swarm-send reconcile: a continuation was dead-lettered after repeated crashes; its scope stopped before its end. Read the reconcile logs; redrive the message to resume from its marker.',
    });
    if (props.alarmTopic) {
      for (const alarm of [this.divergenceAlarm, this.deadLetterAlarm]) {
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
        alarm.addOkAction(new SnsAction(props.alarmTopic));
      }
    }
  }

  /** Dashboard rows: what the runs found, and how they ran. */
  widgets(width = 8, height = 6): IWidget[][] {
    const m = this.metrics;
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width, height });
    return [
      [
        graph('Reconcile: missing or different', [m.missingOnDr(), m.different(), m.extraOnDr(), m.unconfirmed()]),
        graph('Reconcile: missing on DR (bytes)', [m.missingOnDrBytes()]),
        graph('Reconcile: objects scanned', [m.objectsScanned(), m.repairsEnqueued()]),
      ],
      [
        graph('Reconcile: run duration (ms)', [m.runDuration()]),
        graph('Reconcile: scope errors', [m.scopeErrors(), this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'dead-lettered continuations' })]),
        graph('Reconcile: continuations waiting', [this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'waiting' })]),
      ],
    ];
  }
}
