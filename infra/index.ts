/**
 * Public surface of `swarm-send/infra`: the constructs, their props, the error they throw and the
 * documented defaults. Everything else in infra/ is the constructs' own business.
 */
export { SwarmSendPipeline, swarmSendPipelineProblems, type SwarmSendPipelineProps } from './swarm-send-pipeline.js';
export { SendQueues, type SendQueuesOptions, type SendQueuesProps } from './constructs/send-queues.js';
export { SendFunction } from './constructs/send-function.js';
export type { SendFunctionOptions, SendFunctionProps } from './constructs/send-function-options.js';
export {
  PipelineNetwork,
  type PipelineNetworkOptions,
  type PipelineNetworkProps,
} from './constructs/pipeline-network.js';
export {
  PipelineAlarms,
  type PipelineAlarmsOptions,
  type PipelineAlarmsProps,
  type PipelineMonitoringInputs,
} from './constructs/pipeline-alarms.js';
export {
  PipelineDashboard,
  type PipelineDashboardOptions,
  type PipelineDashboardProps,
} from './constructs/pipeline-dashboard.js';
export { ReconcileSchedule } from './constructs/reconcile-schedule.js';
export {
  OutcomeEvents,
  type OutcomeEventPattern,
  type OutcomeEventsOptions,
  type OutcomeEventsProps,
} from './constructs/outcome-events.js';
export { LongRunningTier } from './constructs/long-running-tier.js';
export {
  LONG_RUNNING_TIER_DEFAULTS,
  type LongRunningTierOptions,
  type LongRunningTierProps,
} from './constructs/long-running-tier-options.js';
export {
  RECONCILE_DEFAULTS,
  type ReconcileOptions,
  type ReconcileScheduleProps,
} from './constructs/reconcile-options.js';
// The metric factory `metrics` props take and `SwarmSendPipeline.metrics` is (for your own alarms).
export { HandlerMetrics, type HandlerMetricsProps } from './handler-metrics.js';
export type { ReconcileMetrics } from './reconcile-metrics.js';
export type { RegistryDocument } from './registry-config.js';
export { PipelinePropsError } from './errors.js';
// Other handlers reuse the prebuilt-bundle mechanism (docs/deploy-aws.md: "Installing the package in a CDK app").
export { handlerFunction, type HandlerCodeOptions } from './handler-code.js';
export {
  DEFAULT_ENTRY,
  DEFAULT_RECONCILE_ENTRY,
  DEFAULT_HANDLER,
  DEFAULT_RUNTIME,
  DEFAULT_SERVICE_NAME,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_FUNCTION_TIMEOUT,
  DEFAULT_MEMORY_SIZE,
  DEFAULT_LOG_RETENTION,
  DEFAULT_MAX_ATTEMPTS,
  MAX_RECEIVE_COUNT_MARGIN,
  DEFAULT_CONCURRENCY,
  DEFAULT_BACKOFF_BASE,
  DEFAULT_BACKOFF_CAP,
  VISIBILITY_TIMEOUT_FACTOR,
  DEFAULT_BATCH_SIZE,
  DEFAULT_FIFO_BATCH_SIZE,
  DEFAULT_MAX_BATCHING_WINDOW,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_RETENTION_PERIOD,
  DEFAULT_DEAD_LETTER_RETENTION_PERIOD,
  DEFAULT_RECOVERY_POINT_OBJECTIVE,
  DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT,
  DEFAULT_FUNCTION_ERRORS_THRESHOLD,
  DEFAULT_THROTTLES_THRESHOLD,
  DEFAULT_ALARM_PERIOD,
  MAX_INLINE_REGISTRY_LENGTH,
  DEFAULT_BUNDLING,
} from './defaults.js';
