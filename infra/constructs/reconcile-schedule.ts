import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ContextAttribute, Schedule, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_ENV } from '../../functions/env.js';
import { VISIBILITY_TIMEOUT_FACTOR } from '../defaults.js';
import { failOnProblems } from '../errors.js';
import { ReconcileMetrics } from '../reconcile-metrics.js';
import {
  acknowledgeKmsDataKeyGrants,
  powertoolsEnvironment,
  registryEnvironment,
  vpcNodejsFunction,
  type VpcNodejsFunctionParts,
} from './function-parts.js';
import { RECONCILE_DEFAULTS, type ReconcileScheduleProps } from './reconcile-options.js';
import { reconcileSettingsProblems, resolveReconcileSettings, type ReconcileSettings } from './reconcile-settings.js';
import { queueSecurity } from './send-queues.js';

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

  /**
   * @param s the props with their defaults applied; `SwarmSendPipeline` passes the ones it
   *   validated (so the registry is parsed once), anyone else leaves them to be resolved from `props`
   */
  constructor(
    scope: Construct,
    id: string,
    props: ReconcileScheduleProps,
    s: ReconcileSettings = resolveReconcileSettings(props),
  ) {
    super(scope, id);
    failOnProblems('ReconcileSchedule', reconcileSettingsProblems(props, s));

    const security = queueSecurity(props.encryptionKey);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...security,
      fifo: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...security,
      fifo: true,
      // Runs are at most days apart; a continuation older than that is stale.
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * s.timeout.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: RECONCILE_DEFAULTS.maxReceiveCount },
    });

    const parts = vpcNodejsFunction(this, 'reconcile', props, {
      ...props,
      description:
        'swarm-send reconcile: compares source and DR listings one scope slice at a time and enqueues repairs',
      roleDescription:
        "swarm-send reconcile function: its log group, its queues, the registry and the clusters' credentials",
      timeout: s.timeout,
      memorySize: s.memorySize,
      environment: reconcileEnvironment(props, s, this.queue),
    });
    this.lambdaFunction = parts.lambdaFunction;
    this.environment = parts.environment;

    // One continuation per invocation: the time budget is the scope's.
    this.lambdaFunction.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: s.maxConcurrency, reportBatchItemFailures: true }),
    );
    grantReconcile(parts, props, s, this.queue);
    this.schedule = startSchedule(this, props, this.lambdaFunction);

    this.metrics = new ReconcileMetrics({
      namespace: props.metricsNamespace,
      serviceName: props.serviceName,
      period: s.interval!,
    });
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
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'swarm-send reconcile: a continuation was dead-lettered after repeated crashes; its scope stopped before its end. Read the reconcile logs; redrive the message to resume from its marker.',
    });
    notify([this.divergenceAlarm, this.deadLetterAlarm], props.alarmTopic);
  }

  /** Dashboard rows: what the runs found, and how they ran. */
  widgets(width = 8, height = 6): IWidget[][] {
    const m = this.metrics;
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width, height });
    return [
      [
        graph('Reconcile: missing or different', [m.missingOnDr(), m.different(), m.extraOnDr(), m.unconfirmed()]),
        graph('Reconcile: missing on DR (bytes)', [m.missingOnDrBytes()]),
        graph('Reconcile: objects scanned', [m.objectsScanned(), m.repairsEnqueued(), m.extraDeleted()]),
      ],
      [
        graph('Reconcile: run duration (ms)', [m.runDuration()]),
        graph('Reconcile: scope errors', [
          m.scopeErrors(),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            statistic: 'Maximum',
            label: 'dead-lettered continuations',
          }),
        ]),
        graph('Reconcile: continuations waiting', [
          this.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'waiting' }),
        ]),
      ],
      [
        graph('Reconcile: scopes complete (both listings ended)', [m.scopesComplete(), m.countWarnings()]),
        graph('Reconcile: rows listed', [m.sourceRowsListed(), m.drRowsListed()]),
        graph('Reconcile: unnameable', [m.unnameable()]),
      ],
    ];
  }
}

/** The reconcile handler's environment: the caller's variables, then the derived ones. */
function reconcileEnvironment(
  props: ReconcileScheduleProps,
  s: ReconcileSettings,
  queue: Queue,
): Record<string, string> {
  return {
    ...props.environment,
    ...registryEnvironment(props),
    [RECONCILE_ENV.QUEUE_URL]: queue.queueUrl,
    [RECONCILE_ENV.SEND_QUEUE_URL]: props.sendQueue.queueUrl,
    [RECONCILE_ENV.SCOPES]: JSON.stringify(props.scopes),
    ...(props.from ? { [RECONCILE_ENV.FROM]: props.from } : {}),
    ...(props.to ? { [RECONCILE_ENV.TO]: props.to } : {}),
    [RECONCILE_ENV.GRACE_SECONDS]: String(s.grace.toSeconds()),
    [RECONCILE_ENV.REPAIR]: s.repair,
    [RECONCILE_ENV.PAGE_SIZE]: String(s.pageSize),
    ...powertoolsEnvironment(props),
  };
}

/** Its own queue, the SEND queue when it repairs by enqueueing, the registry parameter and the clusters' secrets. */
function grantReconcile(
  { role }: VpcNodejsFunctionParts,
  props: ReconcileScheduleProps,
  s: ReconcileSettings,
  queue: Queue,
): void {
  queue.grantSendMessages(role);
  if (s.repair === 'enqueue') props.sendQueue.grantSendMessages(role);
  props.registryParameter?.grantRead(role);
  for (const secret of props.credentialsSecrets ?? []) secret.grantRead(role);
  if (props.encryptionKey || props.sendQueue.encryptionMasterKey) acknowledgeKmsDataKeyGrants(role);
}

/**
 * The schedule that starts a run, with its own role (instead of the stack-wide one the target
 * would make), so the acknowledgment sits on exactly what it covers.
 */
function startSchedule(scope: Construct, props: ReconcileScheduleProps, fn: LambdaFunction): Schedule {
  const schedulerRole = new Role(scope, 'SchedulerRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: 'swarm-send reconcile schedule: invokes the reconcile function',
  });
  const functionId = Stack.of(scope).getLogicalId(fn.node.defaultChild as CfnElement);
  Validations.of(schedulerRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
    reason:
      'grantInvoke names the function and its versions and aliases (ARN:*); the schedule may invoke nothing else.',
  });
  return new Schedule(scope, 'Schedule', {
    schedule: props.schedule,
    description: 'swarm-send reconcile: starts a run (one continuation per scope on the reconcile queue)',
    enabled: props.enabled ?? true,
    target: new LambdaInvoke(fn, {
      role: schedulerRole,
      // The scheduled time names the run; Scheduler's retries of one start carry the same one,
      // so the fan-out deduplicates on the FIFO queue.
      input: ScheduleTargetInput.fromObject({ reconcile: 'start', scheduledTime: ContextAttribute.scheduledTime }),
      retryAttempts: RECONCILE_DEFAULTS.startRetryAttempts,
      maxEventAge: RECONCILE_DEFAULTS.startMaxEventAge,
    }),
  });
}

/** The alarms notify the topic on ALARM and on OK, when there is one. */
function notify(alarms: readonly Alarm[], topic: ITopic | undefined): void {
  if (!topic) return;
  for (const alarm of alarms) {
    alarm.addAlarmAction(new SnsAction(topic));
    alarm.addOkAction(new SnsAction(topic));
  }
}
