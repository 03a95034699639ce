import { Duration, Validations } from 'aws-cdk-lib';
import { AdjustmentType } from 'aws-cdk-lib/aws-applicationautoscaling';
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  Cluster,
  ContainerInsights,
  LogDrivers,
  OperatingSystemFamily,
  RepositoryImage,
  type CfnService,
  type CfnTaskDefinition,
  type ContainerImage,
} from 'aws-cdk-lib/aws-ecs';
import { QueueProcessingFargateService } from 'aws-cdk-lib/aws-ecs-patterns';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/env.js';
import { DEFAULT_LOG_RETENTION } from '../defaults.js';
import { failOnProblems } from '../errors.js';
import { acknowledgeKmsDataKeyGrants } from './function-parts.js';
import {
  LONG_RUNNING_TIER_DEFAULTS,
  LONG_RUNNING_TIER_ENV,
  longRunningTierSettingsProblems,
  resolveLongRunningTierSettings,
  type LongRunningTierProps,
  type LongRunningTierSettings,
} from './long-running-tier-options.js';
import { queueSecurity } from './send-queues.js';

/**
 * `QueueProcessingFargateService` (aws-cdk-lib's pattern for a queue consumed by Fargate tasks)
 * without its scaling: the pattern scales in one task whenever no message is *visible*, but a
 * large-object SEND keeps its message in flight (hidden) for hours, so that step would stop tasks
 * in the middle of their copies, and so would its CPU target tracking (a task waiting on a copy
 * uses almost no CPU). `LongRunningTier` sets the scaling itself, on the queue's whole depth.
 */
class LongRunningWorkerService extends QueueProcessingFargateService {
  protected override configureAutoscalingForService(): void {
    // See LongRunningTier.scale.
  }
}

/**
 * The long-running tier (docs/large-objects.md): the large-object queue and its DLQ, and a
 * Fargate service in the SEND function's VPC, subnets and security group running
 * `swarm-send worker --long-running` on that queue, scaled on its depth down to zero; its task
 * role may consume that queue, dead-letter, read the registry and the clusters' secrets, and
 * nothing else. Its alarms notify the pipeline's topic; `widgets()` gives its dashboard row.
 */
export class LongRunningTier extends Construct {
  /** Where the SEND function moves objects that do not fit its invocation. */
  public readonly queue: Queue;
  /** Where the tier's worker dead-letters (and SQS redrives crashed messages). */
  public readonly deadLetterQueue: Queue;
  /** The cluster (Container Insights on: it reports the running task count). */
  public readonly cluster: Cluster;
  /** The pattern: service, task definition, container. */
  public readonly worker: QueueProcessingFargateService;
  /** The worker's log group, with the retention set. */
  public readonly logGroup: LogGroup;
  /** The task role (the worker's AWS identity). */
  public readonly taskRole: Role;
  /** The container's environment. */
  public readonly environment: Readonly<Record<string, string>>;
  /** Messages were dead-lettered by the tier. */
  public readonly deadLetterQueueNotEmpty: Alarm;
  /** The oldest large-object message is older than `oldestMessageAgeThreshold`. */
  public readonly oldestMessageAge: Alarm;
  /** Messages wait and no task runs. */
  public readonly noRunningTask: Alarm;
  /** All of the above. */
  public readonly alarms: readonly Alarm[];
  readonly #period: Duration;

  constructor(
    scope: Construct,
    id: string,
    props: LongRunningTierProps,
    s: LongRunningTierSettings = resolveLongRunningTierSettings(props),
  ) {
    super(scope, id);
    failOnProblems('LongRunningTier', longRunningTierSettingsProblems(s));
    this.#period = props.period;

    const queues = this.createQueues(props, s);
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ContainerInsights.ENABLED,
    });
    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention ?? DEFAULT_LOG_RETENTION });
    this.environment = {
      ...props.workerEnvironment,
      ...props.outcomeEvents?.environment(),
      [ENV.QUEUE_URL]: this.queue.queueUrl,
      [ENV.DLQ_URL]: this.deadLetterQueue.queueUrl,
      // Read by a worker whose registry has a route with via "long-running-tier"; here every object fits.
      [LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL]: this.queue.queueUrl,
      [LONG_RUNNING_TIER_ENV.LONG_RUNNING]: 'true',
    };
    this.worker = this.createWorker(props, s);
    this.taskRole = this.worker.taskDefinition.taskRole as Role;
    this.grant(props);
    this.scale(s);
    this.acknowledge(props.image);

    const alarms = this.createAlarms(s);
    this.deadLetterQueueNotEmpty = alarms.deadLetterQueueNotEmpty;
    this.oldestMessageAge = alarms.oldestMessageAge;
    this.noRunningTask = alarms.noRunningTask;
    this.alarms = [this.deadLetterQueueNotEmpty, this.oldestMessageAge, this.noRunningTask];
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      alarm.addOkAction(new SnsAction(props.alarmTopic));
    }
  }

  /**
   * Lets the SEND function move objects here: the queue's URL in its environment and
   * `sqs:SendMessage` on this queue alone.
   */
  attach(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment(LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL, this.queue.queueUrl);
    this.queue.grantSendMessages(fn);
  }

  /** The running tasks, from Container Insights. */
  metricRunningTasks(statistic = 'Minimum'): Metric {
    return new Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.worker.service.serviceName },
      period: this.#period,
      statistic,
      label: 'running tasks',
    });
  }

  /** Dashboard row: the queue's depth, its oldest message, the running tasks and the DLQ. */
  widgets(width = 6, height = 6): IWidget[] {
    const period = this.#period;
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width, height });
    return [
      graph('Large-object queue depth', [
        this.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: 'waiting' }),
        this.queue.metricApproximateNumberOfMessagesNotVisible({
          period,
          statistic: 'Maximum',
          label: 'copying or backing off',
        }),
      ]),
      graph('Oldest large-object message (s)', [
        this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: 'age' }),
      ]),
      graph('Long-running tier tasks', [this.metricRunningTasks('Maximum')]),
      graph('Large-object DLQ depth', [
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period,
          statistic: 'Maximum',
          label: 'dead-lettered',
        }),
      ]),
    ];
  }

  /**
   * The large-object queue and its DLQ: standard queues, whatever the SEND queue is (a large
   * object leaves its FIFO order when it moves).
   */
  private createQueues(
    props: LongRunningTierProps,
    s: LongRunningTierSettings,
  ): { queue: Queue; deadLetterQueue: Queue } {
    const security = queueSecurity(props.encryptionKey);
    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...security,
      retentionPeriod: props.queueSettings.deadLetterRetentionPeriod,
    });
    const queue = new Queue(this, 'LargeObjectQueue', {
      ...security,
      retentionPeriod: props.queueSettings.retentionPeriod,
      visibilityTimeout: s.visibilityTimeout,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.queueSettings.maxReceiveCount },
    });
    return { queue, deadLetterQueue };
  }

  /** The pattern's service and task definition, running `swarm-send worker --long-running`. */
  private createWorker(props: LongRunningTierProps, s: LongRunningTierSettings): QueueProcessingFargateService {
    const worker = new LongRunningWorkerService(this, 'Worker', {
      cluster: this.cluster,
      image: props.image,
      // After the image's entry point, `swarm-send worker`.
      command: [
        '--long-running',
        '--max-concurrency',
        String(s.copiesPerTask),
        '--batch-size',
        '1',
        '--drain-seconds',
        String(LONG_RUNNING_TIER_DEFAULTS.drainSeconds),
      ],
      environment: { ...this.environment },
      logDriver: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'long-running' }),
      queue: this.queue,
      minScalingCapacity: 0,
      maxScalingCapacity: s.maxTasks,
      disableCpuBasedScaling: true,
      cpu: s.cpu,
      memoryLimitMiB: s.memoryLimitMiB,
      runtimePlatform: { cpuArchitecture: s.cpuArchitecture, operatingSystemFamily: OperatingSystemFamily.LINUX },
      taskSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      assignPublicIp: false,
      // A deployment starts the new tasks before it stops the old ones.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
    });
    // The pattern adds stack outputs naming the queue; a library construct leaves outputs to its user.
    for (const output of ['SQSQueue', 'SQSQueueArn']) worker.node.tryRemoveChild(output);
    // No DesiredCount in the template: a deployment keeps the count the scaling set, instead of
    // resetting it (and stopping tasks in their copies).
    (worker.service.node.defaultChild as CfnService).desiredCount = undefined;
    (worker.taskDefinition.node.defaultChild as CfnTaskDefinition).addPropertyOverride(
      'ContainerDefinitions.0.StopTimeout',
      LONG_RUNNING_TIER_DEFAULTS.stopTimeoutSeconds,
    );
    return worker;
  }

  /**
   * Beyond consuming its queue (the pattern grants that): send to it (fan-out splits a message
   * back onto its own queue) and to its DLQ, the outcomes queue, the events bus, the registry
   * parameter and the clusters' secrets, as the SEND function may.
   */
  private grant(props: LongRunningTierProps): void {
    const role = this.taskRole;
    this.queue.grantSendMessages(role);
    this.deadLetterQueue.grantSendMessages(role);
    props.outcomesQueue?.grantSendMessages(role);
    props.outcomeEvents?.grantPutEvents(role);
    props.registryParameter?.grantRead(role);
    for (const secret of props.credentialsSecrets) secret.grantRead(role);
    if (props.encryptionKey || props.outcomesQueue?.encryptionMasterKey) acknowledgeKmsDataKeyGrants(role);
  }

  /**
   * From zero on the queue's depth: scale out by one task when a message waits (visible), scale
   * in to zero only when nothing waits and nothing is in flight, so no task is stopped while it
   * copies. A second task starts only when the first leaves messages waiting.
   */
  private scale(s: LongRunningTierSettings): void {
    const d = LONG_RUNNING_TIER_DEFAULTS;
    const minute = Duration.minutes(1);
    const target = this.worker.service.autoScaleTaskCount({ minCapacity: 0, maxCapacity: s.maxTasks });
    target.scaleOnMetric('ScaleOutOnWaitingMessages', {
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
      scalingSteps: [
        { upper: 0, change: 0 },
        { lower: 1, change: +1 },
      ],
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: d.scaleOutCooldown,
    });
    target.scaleOnMetric('ScaleInWhenEmpty', {
      metric: new MathExpression({
        expression: 'visible + inFlight',
        usingMetrics: {
          visible: this.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
          inFlight: this.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, statistic: 'Maximum' }),
        },
        period: minute,
        label: 'messages waiting or in flight',
      }),
      // Every task at once (never below zero): the queue is empty, no task copies.
      scalingSteps: [
        { upper: 0, change: -s.maxTasks },
        { lower: 1, change: 0 },
      ],
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      evaluationPeriods: d.emptyMinutesBeforeScaleIn,
    });
  }

  private createAlarms(s: LongRunningTierSettings) {
    const period = this.#period;
    const threshold = s.oldestMessageAgeThreshold;
    const alarm = (id: string, props: Omit<ConstructorParameters<typeof Alarm>[2], 'treatMissingData'>) =>
      // No data means an idle queue (SQS stops reporting) or no task (none needed): healthy.
      new Alarm(this, id, { treatMissingData: TreatMissingData.NOT_BREACHING, ...props });
    return {
      deadLetterQueueNotEmpty: alarm('DeadLetterQueueNotEmpty', {
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        alarmDescription:
          'swarm-send long-running tier: large-object SEND requests were dead-lettered. Read their reasons (swarm-send status), fix the cause, then swarm-send redrive.',
      }),
      oldestMessageAge: alarm('OldestMessageAge', {
        metric: this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        threshold: threshold.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        alarmDescription: `swarm-send long-running tier: a large object has waited or copied longer than ${threshold.toHumanString()}; check the link and the tier's logs.`,
      }),
      noRunningTask: alarm('NoRunningTask', {
        metric: new MathExpression({
          expression: 'IF(waiting >= 1 AND FILL(running, 0) == 0, 1, 0)',
          usingMetrics: {
            waiting: this.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Minimum' }),
            running: this.metricRunningTasks('Maximum'),
          },
          period,
          label: 'messages waiting, no task',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: LONG_RUNNING_TIER_DEFAULTS.noTaskPeriods,
        alarmDescription:
          'swarm-send long-running tier: large-object messages wait and no task runs. Check the service events (image pull, subnets, the task role) and its scaling.',
      }),
    };
  }

  private acknowledge(image: ContainerImage): void {
    Validations.of(this.worker.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "The worker's variables are queue URLs, the registry (credentials as references, never secrets) and its settings, the same as the SEND function's; it reads the clusters' credentials from Secrets Manager at run time.",
    });
    // An image from a registry other than ECR (RepositoryImage) needs no ECR token.
    const executionRole = this.worker.taskDefinition.executionRole;
    if (executionRole && !(image instanceof RepositoryImage)) {
      Validations.of(executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which ECS needs to pull the image from ECR, does not support resource-level permissions; the pull itself is granted on the one repository.',
      });
    }
  }
}
