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
  /** SENDs in flight per invocation (default 64; an adaptive per-cluster limit may hold it lower). */
  CONCURRENCY: 'SWARM_SEND_CONCURRENCY',
  /** Connections (so SENDs in flight) per source node (default 32). */
  CONCURRENCY_PER_NODE: 'SWARM_SEND_CONCURRENCY_PER_NODE',
  /** Base of the exponential backoff between attempts, seconds (default 5). */
  BACKOFF_BASE_SECONDS: 'SWARM_SEND_BACKOFF_BASE_SECONDS',
  /** Cap of the exponential backoff between attempts, seconds (default 900). */
  BACKOFF_CAP_SECONDS: 'SWARM_SEND_BACKOFF_CAP_SECONDS',
  /** Time kept back before the Lambda deadline to return unfinished records, ms (default 3000). */
  DEADLINE_MARGIN_MS: 'SWARM_SEND_DEADLINE_MARGIN_MS',
  /** `true` (default) or `false`: stop waiting for a batch's stragglers (functions/worker/stragglers.ts). */
  HAND_BACK_STRAGGLERS: 'SWARM_SEND_HAND_BACK_STRAGGLERS',
  /** Name (or ARN) of the event bus outcome events are put on (docs/events.md); unset: no events. */
  EVENT_BUS_NAME: 'SWARM_SEND_EVENT_BUS_NAME',
  /**
   * Recovery point objective, seconds: an attempt that ends later than this after its message was
   * sent emits `Replication Missed Threshold` (docs/events.md); unset: no such events.
   */
  EVENTS_RPO_SECONDS: 'SWARM_SEND_EVENTS_RPO_SECONDS',
  /** `best-effort` (default: a failed event is counted, the message is acknowledged) or `keep-message`. */
  EVENTS_ON_FAILURE: 'SWARM_SEND_EVENTS_ON_FAILURE',
  /** EventBridge endpoint URL for `swarm-send worker` (a local stand-in); Lambda uses the region's. */
  EVENTS_ENDPOINT: 'SWARM_SEND_EVENTS_ENDPOINT',
  /** URL of the SEND queue: read by `swarm-send worker` (Lambda gets its records from the event source mapping). */
  QUEUE_URL: 'SWARM_SEND_QUEUE_URL',
  /**
   * URL of the large-object queue: where a route with `largeObjects.via: "long-running-tier"` moves
   * the objects that do not fit an invocation (docs/large-objects.md). Required when a route uses it.
   */
  LARGE_OBJECT_QUEUE_URL: 'SWARM_SEND_LARGE_OBJECT_QUEUE_URL',
  /**
   * `true`: this worker is the long-running tier: no invocation cap, every object fits, the batch
   * deadline lifted to SQS's 12-hour limit (the heartbeat keeps messages hidden). Default `false`.
   */
  LONG_RUNNING: 'SWARM_SEND_LONG_RUNNING',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Names the handler reports under when Powertools' own variables (POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE) are not set; the construct sets them to these by default.
 */
export const POWERTOOLS_DEFAULTS = {
  SERVICE_NAME: 'swarm-send',
  METRICS_NAMESPACE: 'SwarmSend',
} as const;

/** Powertools' own variables that name where a handler reports (Powertools reads them too). */
export const POWERTOOLS_ENV = {
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** The namespace a handler's metrics go to: POWERTOOLS_METRICS_NAMESPACE, else the product's. */
export function metricsNamespace(env: Record<string, string | undefined>): string {
  return env[POWERTOOLS_ENV.METRICS_NAMESPACE] ?? POWERTOOLS_DEFAULTS.METRICS_NAMESPACE;
}

/** Defaults the handler applies and the construct mirrors (maxReceiveCount sits above MAX_ATTEMPTS). */
export const ENV_DEFAULTS = {
  MAX_ATTEMPTS: 5,
  CONCURRENCY: 64,
  CONCURRENCY_PER_NODE: 32,
  BACKOFF_BASE_SECONDS: 5,
  BACKOFF_CAP_SECONDS: 900,
  DEADLINE_MARGIN_MS: 3000,
} as const;

/**
 * SQS's longest visibility timeout, seconds (12 hours): the longest a queue can hide a message, so
 * the longest backoff.
 */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Bounds of the handler's numeric variables: `loadConfig` rejects values outside them at cold
 * start, and the construct rejects props outside the same at synthesis, so a deployment that
 * synthesizes never fails to start on them.
 */
export const ENV_BOUNDS = {
  MAX_ATTEMPTS: { min: 1, max: 100 },
  CONCURRENCY: { min: 1, max: 1000 },
  CONCURRENCY_PER_NODE: { min: 1, max: 1000 },
  BACKOFF_SECONDS: { min: 0, max: SQS_MAX_VISIBILITY_SECONDS },
  DEADLINE_MARGIN_MS: { min: 0, max: 600_000 },
  EVENTS_RPO_SECONDS: { min: 1, max: 14 * 86_400 },
} as const;

/**
 * What a batch does with a final outcome whose event could not be put on the bus (docs/events.md):
 * `best-effort` acknowledges the message and counts the event in EventsNotPublished;
 * `keep-message` keeps a success's message on its queue, as a failed outcomes-queue write does,
 * so its next attempt (a 409) emits the event again.
 */
export const EVENTS_ON_FAILURE = ['best-effort', 'keep-message'] as const;
export type EventsOnFailure = (typeof EVENTS_ON_FAILURE)[number];

/**
 * Variables of the reconcile function (functions/handlers/reconcile.ts), set by the
 * `ReconcileSchedule` construct and read by `loadReconcileConfig` (functions/reconcile-config.ts).
 * It also reads the registry variables of `ENV` and `SWARM_SEND_CONCURRENCY_PER_NODE`.
 */
export const RECONCILE_ENV = {
  /** URL of the reconcile queue: the continuations (scope + marker) the function hands itself. */
  QUEUE_URL: 'SWARM_SEND_RECONCILE_QUEUE_URL',
  /** URL of the SEND queue that repairs are enqueued on (repair mode `enqueue`). */
  SEND_QUEUE_URL: 'SWARM_SEND_RECONCILE_SEND_QUEUE_URL',
  /** JSON array of scopes: `[{"domain":"d","buckets":["b"],"unnamed":true}]`; no `buckets` = every bucket. */
  SCOPES: 'SWARM_SEND_RECONCILE_SCOPES',
  /** Registry key of the source cluster (default: the registry's defaultRoute.from). */
  FROM: 'SWARM_SEND_RECONCILE_FROM',
  /** Registry key of the DR cluster (default: the registry's defaultRoute.to). */
  TO: 'SWARM_SEND_RECONCILE_TO',
  /** Objects younger than this are `too-new`, never repaired, seconds (default 600). */
  GRACE_SECONDS: 'SWARM_SEND_RECONCILE_GRACE_SECONDS',
  /** `enqueue` (confirmed candidates become SEND messages) or `report` (only counted and logged). */
  REPAIR: 'SWARM_SEND_RECONCILE_REPAIR',
  /** Rows per listing page (default 1000). */
  PAGE_SIZE: 'SWARM_SEND_RECONCILE_PAGE_SIZE',
  /** Time kept back before the Lambda deadline to save the continuation, ms (default 15000). */
  MARGIN_MS: 'SWARM_SEND_RECONCILE_MARGIN_MS',
} as const;

/** Defaults of the reconcile function that the construct mirrors. */
export const RECONCILE_ENV_DEFAULTS = {
  GRACE_SECONDS: 600,
  REPAIR: 'enqueue',
  PAGE_SIZE: 1000,
  MARGIN_MS: 15_000,
} as const;

/** Bounds the reconcile function enforces on its variables and the construct on its props. */
export const RECONCILE_ENV_BOUNDS = {
  GRACE_SECONDS: { min: 0, max: 30 * 86_400 },
  PAGE_SIZE: { min: 1, max: 10_000 },
  MARGIN_MS: { min: 0, max: 600_000 },
} as const;

/**
 * How the queue is read (Lambda's event source mapping, or `swarm-send worker` / `dev` locally):
 * defined here, without CDK, so the construct and the command line share them. A Lambda
 * invocation is billed until its slowest SEND ends, so a batch only a few times larger than its
 * SENDs in flight spends most of its time waiting for one large object: 1,000 messages over 64
 * SENDs kept the slots busy best in `npm run bench:realistic` (bench/results/realistic.md).
 */
export const BATCH_DEFAULTS = {
  /** Messages per invocation on a standard queue. */
  BATCH_SIZE: 1000,
  /** Messages per invocation on a FIFO queue (Lambda's maximum there). */
  FIFO_BATCH_SIZE: 10,
  /** Batching window for a standard queue's batches above 10 messages (Lambda needs >= 1 s). */
  BATCHING_WINDOW_SECONDS: 1,
} as const;

/**
 * How the SEND queue's settings follow from the function's: the construct derives them so, and
 * the local pipeline, the demo and the benchmarks lay out their fauxqs queues the same way.
 */
export const QUEUE_DEFAULTS = {
  /**
   * Visibility timeout = this factor x the function timeout (+ the batching window): Lambda's
   * SQS guide, so a batch that waits for a throttled retry is not redelivered while still worked.
   */
  VISIBILITY_TIMEOUT_FACTOR: 6,
  /**
   * `maxReceiveCount` = attempts + this margin. The handler dead-letters on its own after its last
   * attempt; the queue's redrive is only a safety net for invocations that crash or time out.
   */
  MAX_RECEIVE_COUNT_MARGIN: 2,
  /** Retention of the dead-letter queue, seconds: 14 days, the SQS maximum. */
  DEAD_LETTER_RETENTION_SECONDS: 1_209_600,
} as const;

/** The SEND queue's visibility timeout, seconds, for a function timeout and batching window (seconds). */
export function derivedVisibilityTimeoutSeconds(functionTimeoutSeconds: number, batchingWindowSeconds = 0): number {
  return QUEUE_DEFAULTS.VISIBILITY_TIMEOUT_FACTOR * functionTimeoutSeconds + batchingWindowSeconds;
}

/** The SEND queue's redrive `maxReceiveCount` for the handler's attempt limit. */
export function derivedMaxReceiveCount(maxAttempts: number): number {
  return maxAttempts + QUEUE_DEFAULTS.MAX_RECEIVE_COUNT_MARGIN;
}
