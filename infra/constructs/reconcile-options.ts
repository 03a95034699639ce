import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { RECONCILE_ENV_DEFAULTS } from '../../functions/env.js';
import type { ReconcileScopeConfig, RepairMode } from '../../functions/reconcile-config.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';
import type { SendFunctionOptions } from './send-function-options.js';

/** Defaults of the scheduled reconcile. */
export const RECONCILE_DEFAULTS = {
  /** Objects younger than this are left alone (`too-new`): the pipeline may still be copying them. */
  grace: Duration.seconds(RECONCILE_ENV_DEFAULTS.GRACE_SECONDS),
  repair: RECONCILE_ENV_DEFAULTS.REPAIR as RepairMode,
  /** One slice of a scope; the continuation carries the rest. */
  timeout: Duration.minutes(5),
  /**
   * The walk keeps about 20 MiB alive (a page of 1,000 rows per side and a batch of candidates).
   * Lambda sizes V8's young generation from this memory (a twentieth of it per semi-space), and a
   * long walk grows it to that limit: at 512 MB peak RSS reached 202-206 MiB over 1,000,000
   * objects, at 256 MB it stays near 155 MiB at the same speed (`npm run bench:reconcile`).
   */
  memorySize: 256,
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
   * @default RECONCILE_DEFAULTS.memorySize (256)
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
  extends
    ReconcileOptions,
    Pick<
      SendFunctionOptions,
      | 'registry'
      | 'registryParameter'
      | 'bundling'
      | 'runtime'
      | 'logRetention'
      | 'serviceName'
      | 'metricsNamespace'
      | 'environment'
    >,
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
