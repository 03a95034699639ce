import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { CpuArchitecture, type ContainerImage } from 'aws-cdk-lib/aws-ecs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ENV } from '../../functions/env.js';
import { checkInteger } from '../errors.js';
import { MAX_VISIBILITY_TIMEOUT } from '../limits.js';
import type { OutcomeEvents } from './outcome-events.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';
import type { SendFunctionOptions } from './send-function-options.js';
import type { ResolvedQueueSettings, SendQueuesOptions } from './send-queues.js';

/**
 * The variables of the long-running tier (docs/large-objects.md), defined in functions/env.ts:
 * where the SEND worker moves an object that does not fit its invocation, and the switch that
 * makes a worker the tier itself (no invocation cap, every object fits).
 */
export const LONG_RUNNING_TIER_ENV = {
  LARGE_OBJECT_QUEUE_URL: ENV.LARGE_OBJECT_QUEUE_URL,
  LONG_RUNNING: ENV.LONG_RUNNING,
} as const;

/** What a user of the tier chooses: the `longRunningTier` prop of `SwarmSendPipeline`. */
export interface LongRunningTierOptions {
  /**
   * The worker image, built from deploy/Dockerfile (docs/container-image.md), e.g.
   * `ContainerImage.fromAsset(repoRoot, { file: 'deploy/Dockerfile', platform: Platform.LINUX_ARM64 })`
   * or an image pushed to ECR. Its entry point is `swarm-send worker`; the tier adds `--long-running`.
   */
  readonly image: ContainerImage;

  /**
   * The CPU architecture the image is built for.
   * @default CpuArchitecture.ARM64 (Graviton, as the SEND function)
   */
  readonly cpuArchitecture?: CpuArchitecture;

  /**
   * Task CPU units (a Fargate size: 256 is a quarter vCPU). A SEND's bytes flow between the
   * clusters, not through the task, which only holds the connections.
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Task memory, MiB (a Fargate size that fits `cpu`).
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * Tasks at most. The service scales from zero: one task when a message waits, one more each
   * time messages keep waiting past the scale-out cooldown, and back to zero once the queue holds
   * nothing, waiting or in flight.
   * @default 2
   */
  readonly maxTasks?: number;

  /**
   * Large-object SENDs one task runs at once (`swarm-send worker --max-concurrency N
   * --batch-size 1`: one message a batch, so a long copy never holds up a shorter one).
   * @default 4
   */
  readonly copiesPerTask?: number;

  /**
   * Visibility timeout of the large-object queue. The worker's heartbeat extends a message's
   * visibility every third of it while its SEND runs; a task that dies leaves the message hidden
   * this long before another task takes it (and first asks DR whether the copy landed).
   * @default 10 minutes
   */
  readonly visibilityTimeout?: Duration;

  /**
   * Alarm when the large-object queue's oldest message is older than this. A large object's copy
   * takes hours by design (1 TB at 1 Gbit/s: about 2.2 hours), so the SEND queue's
   * recovery-point objective does not apply here.
   * @default 24 hours
   */
  readonly oldestMessageAgeThreshold?: Duration;
}

/** The tier's options with their defaults applied. */
export interface LongRunningTierSettings {
  readonly cpuArchitecture: CpuArchitecture;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly maxTasks: number;
  readonly copiesPerTask: number;
  readonly visibilityTimeout: Duration;
  readonly oldestMessageAgeThreshold: Duration;
}

export const LONG_RUNNING_TIER_DEFAULTS = {
  cpu: 256,
  memoryLimitMiB: 512,
  maxTasks: 2,
  copiesPerTask: 4,
  visibilityTimeout: Duration.minutes(10),
  oldestMessageAgeThreshold: Duration.hours(24),
  /** Time between two scale-outs: a task takes about a minute to start and take messages. */
  scaleOutCooldown: Duration.minutes(3),
  /** The queue must stay empty (nothing waiting or in flight) this many minutes before the tasks stop. */
  emptyMinutesBeforeScaleIn: 5,
  /** Fargate's longest stop timeout: SIGTERM drains, then the task is killed. */
  stopTimeoutSeconds: 120,
  /** The worker's drain on SIGTERM, below the stop timeout. */
  drainSeconds: 100,
  /** Alarm when messages wait and no task runs for this many alarm periods. */
  noTaskPeriods: 2,
} as const;

/** Applies the defaults (the caller's values win). */
export function resolveLongRunningTierSettings(o: LongRunningTierOptions): LongRunningTierSettings {
  const d = LONG_RUNNING_TIER_DEFAULTS;
  return {
    cpuArchitecture: o.cpuArchitecture ?? CpuArchitecture.ARM64,
    cpu: o.cpu ?? d.cpu,
    memoryLimitMiB: o.memoryLimitMiB ?? d.memoryLimitMiB,
    maxTasks: o.maxTasks ?? d.maxTasks,
    copiesPerTask: o.copiesPerTask ?? d.copiesPerTask,
    visibilityTimeout: o.visibilityTimeout ?? d.visibilityTimeout,
    oldestMessageAgeThreshold: o.oldestMessageAgeThreshold ?? d.oldestMessageAgeThreshold,
  };
}

/** Every reason resolved settings cannot work (empty when they can). */
export function longRunningTierSettingsProblems(s: LongRunningTierSettings): string[] {
  const problems: string[] = [];
  checkInteger(problems, 'longRunningTier.maxTasks', s.maxTasks, 1, 100);
  checkInteger(problems, 'longRunningTier.copiesPerTask', s.copiesPerTask, 1, 100);
  const visibility = s.visibilityTimeout.toSeconds();
  if (visibility < 30 || visibility > MAX_VISIBILITY_TIMEOUT.toSeconds())
    problems.push(`longRunningTier.visibilityTimeout (${visibility} s) must be from 30 s to 12 hours`);
  if (s.oldestMessageAgeThreshold.toSeconds() < 60)
    problems.push('longRunningTier.oldestMessageAgeThreshold must be at least 1 minute');
  return problems;
}

/** `LongRunningTierOptions` plus what the pipeline hands over. */
export interface LongRunningTierProps
  extends
    LongRunningTierOptions,
    Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'>,
    Pick<SendQueuesOptions, 'encryptionKey'>,
    Pick<SendFunctionOptions, 'registryParameter' | 'logRetention'> {
  /** The SEND function's security group: the tasks reach the same clusters and APIs. */
  readonly securityGroup: ISecurityGroup;
  /** The SEND queue's settings: the large-object queue keeps its retention and redrive. */
  readonly queueSettings: Pick<
    ResolvedQueueSettings,
    'maxReceiveCount' | 'retentionPeriod' | 'deadLetterRetentionPeriod'
  >;
  /**
   * The SEND function's environment (registry, attempts, backoff, Powertools names, outcomes
   * queue): the worker reads the same variables; the tier sets its own queues over them.
   */
  readonly workerEnvironment: Readonly<Record<string, string>>;
  /** The clusters' credentials secrets the worker reads, as the SEND function does. */
  readonly credentialsSecrets: readonly ISecret[];
  /** The outcomes queue, when there is one. */
  readonly outcomesQueue?: IQueue;
  /** The outcome events, when they are on. */
  readonly outcomeEvents?: OutcomeEvents;
  /** Topic the tier's alarms notify (on ALARM and on OK). */
  readonly alarmTopic: ITopic;
  /** Period of the alarms and graphs. */
  readonly period: Duration;
}
