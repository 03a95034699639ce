/** Public surface of the swarm-send infrastructure (explicit exports only). */
export { SwarmSendPipeline, swarmSendPipelineProblems, worstCaseBackoffSeconds, type SwarmSendPipelineProps } from './swarm-send-pipeline.js';
export {
  SendQueues,
  sendQueuesProblems,
  resolveQueueSettings,
  type SendQueuesOptions,
  type SendQueuesProps,
} from './constructs/send-queues.js';
export { SendFunction, sendFunctionProblems, type SendFunctionOptions, type SendFunctionProps } from './constructs/send-function.js';
export { RESERVED_ENVIRONMENT } from './constructs/send-function-settings.js';
export { POWERTOOLS_ENV } from './constructs/function-parts.js';
export { MAX_VISIBILITY_TIMEOUT, SQS_ESM_LIMITS } from './limits.js';
export { PipelineNetwork, AWS_API_PORT, type PipelineNetworkOptions, type PipelineNetworkProps } from './constructs/pipeline-network.js';
export {
  PipelineAlarms,
  pipelineAlarmsProblems,
  type PipelineAlarmsOptions,
  type PipelineAlarmsProps,
  type PipelineMonitoringInputs,
} from './constructs/pipeline-alarms.js';
export {
  ReconcileSchedule,
  reconcileProblems,
  rateOf,
  RECONCILE_DEFAULTS,
  type ReconcileOptions,
  type ReconcileScheduleProps,
} from './constructs/reconcile-schedule.js';
export { ReconcileMetrics, RECONCILE_METRIC_NAMES } from './reconcile-metrics.js';
export { PipelineDashboard, type PipelineDashboardOptions, type PipelineDashboardProps } from './constructs/pipeline-dashboard.js';
export { HandlerMetrics, HANDLER_METRIC_NAMES, OUTCOMES, SERVICE_DIMENSION, type HandlerMetricsProps } from './handler-metrics.js';
export {
  validateRegistry,
  registryProblems,
  secretReferences,
  clusterEgressRules,
  egressProblems,
  canonicalCidr,
  isSecretsManagerReference,
  type RegistryDocument,
  type ClusterEgressRule,
} from './registry-config.js';
export { PipelinePropsError } from './errors.js';
export {
  handlerFunction,
  prebuiltHandlerCode,
  prebuiltHandlerDir,
  handlerSourceEntry,
  bundlesFromSource,
  handlerHasSourceMap,
  type HandlerCodeOptions,
} from './handler-code.js';
export {
  REPO_ROOT,
  DEFAULT_ENTRY,
  DEFAULT_RECONCILE_ENTRY,
  DEFAULT_HANDLER,
  DEPS_LOCK_FILE_PATH,
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
