import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type AlarmProps, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_ALARM_PERIOD,
  DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
  DEFAULT_FUNCTION_ERRORS_THRESHOLD,
  DEFAULT_RECOVERY_POINT_OBJECTIVE,
  DEFAULT_THROTTLES_THRESHOLD,
} from '../defaults.js';
import { checkInteger, failOnProblems } from '../errors.js';
import { HandlerMetrics } from '../handler-metrics.js';

/**
 * What `PipelineAlarms` and `PipelineDashboard` watch: the pipeline's queues and function, the
 * handler's metrics, and the period.
 */
export interface PipelineMonitoringInputs {
  /** The SEND queue (depth, age of the oldest message). */
  readonly sendQueue: IQueue;
  /** The dead-letter queue (depth). */
  readonly deadLetterQueue: IQueue;
  /** The SEND function (invocations, errors, throttles, duration). */
  readonly lambdaFunction: IFunction;

  /**
   * The handler's metrics (namespace and service name must match the function's).
   * @default - `new HandlerMetrics({ period })`: namespace 'SwarmSend', service 'swarm-send'
   */
  readonly metrics?: HandlerMetrics;

  /**
   * Period of every alarm (a multiple of one minute) and of the dashboard's queue and function
   * metrics.
   * @default DEFAULT_ALARM_PERIOD (5 minutes)
   */
  readonly period?: Duration;
}

/** What a `PipelineAlarms` user chooses; `SwarmSendPipelineProps` extends it. */
export interface PipelineAlarmsOptions {
  /**
   * Topic every alarm notifies (on ALARM and on OK).
   * @default - a new topic, TLS-only, that CloudWatch alarms of this account may publish to
   */
  readonly alarmTopic?: ITopic;

  /**
   * Recovery-point objective: alarm when the oldest SEND request has waited longer. The dashboard
   * draws it as a line on the replication-lag and oldest-message graphs.
   * @default DEFAULT_RECOVERY_POINT_OBJECTIVE (15 minutes)
   */
  readonly recoveryPointObjective?: Duration;

  /**
   * Alarm when more than this percent of processed messages end `failed`. The dashboard draws it
   * as a line on the failure-rate graph.
   * @default DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT (5)
   */
  readonly failureRateThresholdPercent?: number;

  /**
   * Alarm when the function errors (crashed or timed-out invocations) this many times per period.
   * @default DEFAULT_FUNCTION_ERRORS_THRESHOLD (1)
   */
  readonly functionErrorsThreshold?: number;

  /**
   * Alarm when the function is throttled this many times per period.
   * @default DEFAULT_THROTTLES_THRESHOLD (1)
   */
  readonly throttlesThreshold?: number;
}

/** `PipelineAlarmsOptions` plus what the alarms watch. */
export interface PipelineAlarmsProps extends PipelineMonitoringInputs, PipelineAlarmsOptions {}

/** What alarms and dashboard watch with, the caller's values, else the defaults, applied once. */
export interface MonitoringSettings {
  readonly period: Duration;
  readonly metrics: HandlerMetrics;
  readonly recoveryPointObjective: Duration;
  readonly failureRateThresholdPercent: number;
  readonly functionErrorsThreshold: number;
  readonly throttlesThreshold: number;
}

/** Applies the defaults of `PipelineAlarms` and `PipelineDashboard` (the caller's values win). */
export function resolveMonitoringSettings(
  props: Omit<PipelineAlarmsProps, 'sendQueue' | 'deadLetterQueue' | 'lambdaFunction' | 'alarmTopic'>,
): MonitoringSettings {
  const period = props.period ?? DEFAULT_ALARM_PERIOD;
  return {
    period,
    metrics: props.metrics ?? new HandlerMetrics({ period }),
    recoveryPointObjective: props.recoveryPointObjective ?? DEFAULT_RECOVERY_POINT_OBJECTIVE,
    failureRateThresholdPercent: props.failureRateThresholdPercent ?? DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
    functionErrorsThreshold: props.functionErrorsThreshold ?? DEFAULT_FUNCTION_ERRORS_THRESHOLD,
    throttlesThreshold: props.throttlesThreshold ?? DEFAULT_THROTTLES_THRESHOLD,
  };
}

/** Every reason these props cannot work (empty when they can). */
export function pipelineAlarmsProblems(
  props: Omit<PipelineAlarmsProps, 'sendQueue' | 'deadLetterQueue' | 'lambdaFunction'>,
): string[] {
  return monitoringSettingsProblems(resolveMonitoringSettings(props));
}

/** Every reason resolved settings cannot work (empty when they can). */
export function monitoringSettingsProblems(s: MonitoringSettings): string[] {
  const problems: string[] = [];
  const rpo = s.recoveryPointObjective.toSeconds();
  const period = s.period.toSeconds();
  const rate = s.failureRateThresholdPercent;
  if (rpo < 60) problems.push(`recoveryPointObjective (${rpo} s) must be at least 1 minute, SQS's metric resolution`);
  if (period < 60 || period % 60 !== 0) problems.push(`alarm period (${period} s) must be a whole number of minutes`);
  if (!(rate > 0 && rate <= 100))
    problems.push(`failureRateThresholdPercent (${rate}) must be above 0 and at most 100`);
  checkInteger(problems, 'functionErrorsThreshold', s.functionErrorsThreshold, 1);
  checkInteger(problems, 'throttlesThreshold', s.throttlesThreshold, 1);
  return problems;
}

/**
 * The pipeline's alarms, all notifying one SNS topic: DLQ not empty, oldest SEND request older
 * than the recovery-point objective, function errors, function throttles, and the failure rate
 * from the handler's EMF metrics.
 */
export class PipelineAlarms extends Construct {
  /** The topic every alarm notifies (given or created). */
  public readonly alarmTopic: ITopic;
  /** The topic, when this construct created it. */
  public readonly createdTopic?: Topic;
  /** Messages are waiting in the dead-letter queue. */
  public readonly deadLetterQueueNotEmpty: Alarm;
  /** The oldest SEND request has waited longer than the recovery-point objective. */
  public readonly oldestMessageAge: Alarm;
  /** The function crashed or timed out. */
  public readonly functionErrors: Alarm;
  /** The function was throttled. */
  public readonly functionThrottles: Alarm;
  /** Too many messages ended `failed`. */
  public readonly failureRate: Alarm;
  /** All of the above. */
  public readonly alarms: readonly Alarm[];

  /** @param s the props with their defaults applied (`SwarmSendPipeline` passes the ones it validated) */
  constructor(
    scope: Construct,
    id: string,
    props: PipelineAlarmsProps,
    s: MonitoringSettings = resolveMonitoringSettings(props),
  ) {
    super(scope, id);
    failOnProblems('PipelineAlarms', monitoringSettingsProblems(s));
    const { period } = s;
    const rpo = s.recoveryPointObjective;

    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      this.createdTopic = alarmTopic(this);
      this.alarmTopic = this.createdTopic;
    }
    const alarm = (
      name: string,
      metric: IMetric,
      threshold: number,
      comparisonOperator: ComparisonOperator,
      alarmDescription: string,
    ): Alarm =>
      notifyingAlarm(this, name, { metric, threshold, comparisonOperator, alarmDescription }, this.alarmTopic);
    const atLeast = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

    this.deadLetterQueueNotEmpty = alarm(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      atLeast,
      'swarm-send: SEND requests were dead-lettered. Read their reasons (swarm-send status), fix the cause, then swarm-send redrive.',
    );
    this.oldestMessageAge = alarm(
      'OldestMessageAge',
      props.sendQueue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      rpo.toSeconds(),
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `swarm-send: the oldest SEND request has waited longer than the recovery-point objective (${rpo.toHumanString()}); the DR cluster is falling behind.`,
    );
    // Crashed or timed-out invocations, and throttled ones: their sum per period, at or above the threshold.
    this.functionErrors = alarm(
      'FunctionErrors',
      props.lambdaFunction.metricErrors({ period, statistic: 'Sum' }),
      s.functionErrorsThreshold,
      atLeast,
      'swarm-send: invocations crashed or timed out (their whole batch returns to the queue). Check the function logs.',
    );
    this.functionThrottles = alarm(
      'FunctionThrottles',
      props.lambdaFunction.metricThrottles({ period, statistic: 'Sum' }),
      s.throttlesThreshold,
      atLeast,
      'swarm-send: invocations were throttled (account concurrency exhausted?); SEND requests wait longer.',
    );
    const rate = s.failureRateThresholdPercent;
    this.failureRate = alarm(
      'FailureRate',
      s.metrics.failureRate(),
      rate,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `swarm-send: more than ${rate}% of processed SEND requests failed permanently (dead-lettered).`,
    );
    this.alarms = [
      this.deadLetterQueueNotEmpty,
      this.oldestMessageAge,
      this.functionErrors,
      this.functionThrottles,
      this.failureRate,
    ];
  }
}

/**
 * A topic for the alarms: TLS-only, which replaces SNS's default topic policy (what let CloudWatch
 * publish), so CloudWatch alarms of this account only are granted it back.
 */
function alarmTopic(scope: Construct): Topic {
  const topic = new Topic(scope, 'Topic', { displayName: 'swarm-send alarms', enforceSSL: true });
  const stack = Stack.of(scope);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'Alarm notifications carry only alarm names and states. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would be a cost and a key policy every adopter must own; pass alarmTopic to use an encrypted topic of your own.',
  });
  return topic;
}

/** One alarm of one period that notifies `topic` on ALARM and on OK. */
function notifyingAlarm(
  scope: Construct,
  id: string,
  props: Pick<AlarmProps, 'metric' | 'threshold' | 'comparisonOperator' | 'alarmDescription'>,
  topic: ITopic,
): Alarm {
  const alarm = new Alarm(scope, id, {
    ...props,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // No data means no traffic (SQS stops reporting idle queues; EMF metrics exist only when
    // messages are processed), which is healthy.
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  alarm.addOkAction(new SnsAction(topic));
  return alarm;
}
