/**
 * Names of the handler's environment variables: the contract between the CDK construct that
 * sets them (infra/) and `loadConfig` that reads them (functions/config.ts). Defined once here.
 */
export const ENV = {
  /** The cluster registry as inline JSON. */
  REGISTRY: 'SWARM_SEND_REGISTRY',
  /** Path of a file holding the cluster registry JSON. */
  REGISTRY_FILE: 'SWARM_SEND_REGISTRY_FILE',
  /** Name of an SSM parameter holding the cluster registry JSON. */
  REGISTRY_PARAMETER: 'SWARM_SEND_REGISTRY_PARAMETER',
  /** URL of the dead-letter queue the handler forwards permanent failures to. */
  DLQ_URL: 'SWARM_SEND_DLQ_URL',
  /** Optional URL of a queue that receives one outcome record per message. */
  OUTCOMES_QUEUE_URL: 'SWARM_SEND_OUTCOMES_QUEUE_URL',
  /** Attempts per message before a transient failure is dead-lettered (default 5). */
  MAX_ATTEMPTS: 'SWARM_SEND_MAX_ATTEMPTS',
  /** SENDs in flight per invocation (default 16). */
  CONCURRENCY: 'SWARM_SEND_CONCURRENCY',
  /** SENDs in flight per source node (default 8). */
  CONCURRENCY_PER_NODE: 'SWARM_SEND_CONCURRENCY_PER_NODE',
  /** Base of the exponential backoff between attempts, seconds (default 5). */
  BACKOFF_BASE_SECONDS: 'SWARM_SEND_BACKOFF_BASE_SECONDS',
  /** Cap of the exponential backoff between attempts, seconds (default 900). */
  BACKOFF_CAP_SECONDS: 'SWARM_SEND_BACKOFF_CAP_SECONDS',
  /** Time kept back before the Lambda deadline to return unfinished records, ms (default 3000). */
  DEADLINE_MARGIN_MS: 'SWARM_SEND_DEADLINE_MARGIN_MS',
  /** `true` (default) or `false`: stop waiting for a batch's stragglers (functions/worker/stragglers.ts). */
  HAND_BACK_STRAGGLERS: 'SWARM_SEND_HAND_BACK_STRAGGLERS',
  /** URL of the SEND queue: read by `swarm-send worker` (Lambda gets its records from the event source mapping). */
  QUEUE_URL: 'SWARM_SEND_QUEUE_URL',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Defaults the handler applies and the construct mirrors (maxReceiveCount sits above MAX_ATTEMPTS). */
export const ENV_DEFAULTS = {
  MAX_ATTEMPTS: 5,
  CONCURRENCY: 16,
  CONCURRENCY_PER_NODE: 8,
  BACKOFF_BASE_SECONDS: 5,
  BACKOFF_CAP_SECONDS: 900,
  DEADLINE_MARGIN_MS: 3000,
} as const;
