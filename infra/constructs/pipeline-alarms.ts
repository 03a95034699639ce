import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
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

/** Every reason these props cannot work (empty when they can). */
export function pipelineAlarmsProblems(props: Omit<PipelineAlarmsProps, 'sendQueue' | 'deadLetterQueue' | 'lambdaFunction'>): string[] {
  const problems: string[] = [];
  const rpo = props.recoveryPointObjective ?? DEFAULT_RECOVERY_POINT_OBJECTIVE;
  const period = props.period ?? DEFAULT_ALARM_PERIOD;
  const rate = props.failureRateThresholdPercent ?? DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT;
  if (rpo.toSeconds() < 60) problems.push(`recoveryPointObjective (${rpo.toSeconds()} s) must be at least 1 minute, SQS's metric resolution`);
  if (period.toSeconds() < 60 || period.toSeconds() % 60 !== 0) problems.push(`alarm period (${period.toSeconds()} s) must be a whole number of minutes`);
  if (!(rate > 0 && rate <= 100)) problems.push(`failureRateThresholdPercent (${rate}) must be above 0 and at most 100`);
  checkInteger(problems, 'functionErrorsThreshold', props.functionErrorsThreshold ?? DEFAULT_FUNCTION_ERRORS_THRESHOLD, 1);
  checkInteger(problems, 'throttlesThreshold', props.throttlesThreshold ?? DEFAULT_THROTTLES_THRESHOLD, 1);
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

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    failOnProblems('PipelineAlarms', pipelineAlarmsProblems(props));
    const period = props.period ?? DEFAULT_ALARM_PERIOD;
    const metrics = props.metrics ?? new HandlerMetrics({ period });
    const rpo = props.recoveryPointObjective ?? DEFAULT_RECOVERY_POINT_OBJECTIVE;

    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      const topic = new Topic(this, 'Topic', { displayName: 'swarm-send alarms', enforceSSL: true });
      // The TLS policy replaces SNS's default topic policy, which is what let CloudWatch publish;
      // grant it back, to alarms of this account only.
      const stack = Stack.of(this);
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarms',
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          },
        }),
      );
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry only alarm names and states. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would be a cost and a key policy every adopter must own; pass alarmTopic to use an encrypted topic of your own.',
      });
      this.createdTopic = topic;
      this.alarmTopic = topic;
    }

    const alarm = (
      name: string,
      metric: IMetric,
      threshold: number,
      comparisonOperator: ComparisonOperator,
      alarmDescription: string,
    ): Alarm => {
      const a = new Alarm(this, name, {
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No data means no traffic (SQS stops reporting idle queues; EMF metrics exist only when
        // messages are processed), which is healthy.
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription,
      });
      a.addAlarmAction(new SnsAction(this.alarmTopic));
      a.addOkAction(new SnsAction(this.alarmTopic));
      return a;
    };

    this.deadLetterQueueNotEmpty = alarm(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      1,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
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
    const invocationAlarm = (name: string, metric: 'metricErrors' | 'metricThrottles', threshold: number, alarmDescription: string): Alarm =>
      alarm(name, props.lambdaFunction[metric]({ period, statistic: 'Sum' }), threshold, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, alarmDescription);
    this.functionErrors = invocationAlarm(
      'FunctionErrors',
      'metricErrors',
      props.functionErrorsThreshold ?? DEFAULT_FUNCTION_ERRORS_THRESHOLD,
      'swarm-send: invocations crashed or timed out (their whole batch returns to the queue). Check the function logs.',
    );
    this.functionThrottles = invocationAlarm(
      'FunctionThrottles',
      'metricThrottles',
      props.throttlesThreshold ?? DEFAULT_THROTTLES_THRESHOLD,
      'swarm-send: invocations were throttled (account concurrency exhausted?); SEND requests wait longer.',
    );
    const rate = props.failureRateThresholdPercent ?? DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT;
    this.failureRate = alarm(
      'FailureRate',
      metrics.failureRate(),
      rate,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `swarm-send: more than ${rate}% of processed SEND requests failed permanently (dead-lettered).`,
    );
    this.alarms = [this.deadLetterQueueNotEmpty, this.oldestMessageAge, this.functionErrors, this.functionThrottles, this.failureRate];
  }
}
