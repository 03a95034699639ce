import { BATCH_DEFAULTS, ENV, ENV_DEFAULTS, SQS_MAX_VISIBILITY_SECONDS } from '../functions/env.js';
import { SQS_HELP, SQS_OPTIONS } from './aws.js';
import { UsageError } from './command.js';
import { COUNT, numberFlag, optionalNumberFlag, stringFlag, WHOLE, type FlagValues } from './flags.js';

/** The flags of `swarm-send worker` and `dev` attached to a queue, and how they meet the SWARM_SEND_* variables. */

/** Flags that stand for a handler environment variable (flags override the environment). */
export const ENV_FLAGS = {
  'dlq-url': ENV.DLQ_URL,
  'outcomes-queue-url': ENV.OUTCOMES_QUEUE_URL,
  'max-attempts': ENV.MAX_ATTEMPTS,
  concurrency: ENV.CONCURRENCY,
  'concurrency-per-node': ENV.CONCURRENCY_PER_NODE,
  'backoff-base-seconds': ENV.BACKOFF_BASE_SECONDS,
  'backoff-cap-seconds': ENV.BACKOFF_CAP_SECONDS,
  'deadline-margin-ms': ENV.DEADLINE_MARGIN_MS,
  'large-object-queue': ENV.LARGE_OBJECT_QUEUE_URL,
} as const;

/** `--long-running` stands for SWARM_SEND_LONG_RUNNING=true (a switch, so outside ENV_FLAGS). */
export const LONG_RUNNING_FLAG = 'long-running';

const REGISTRY_VARS = [ENV.REGISTRY, ENV.REGISTRY_FILE, ENV.REGISTRY_PARAMETER] as const;

/** The address /metrics, /healthz and /readyz listen on, unless --metrics-host says otherwise. */
export const METRICS_HOST_VAR = 'SWARM_SEND_METRICS_HOST';
/** Loopback: the endpoint has no authentication, so reaching it from elsewhere is a choice. */
export const METRICS_HOST_DEFAULT = '127.0.0.1';

/** Options shared by `worker` and `dev` attached to a queue. */
export const WORKER_OPTIONS = {
  'queue-url': { type: 'string' },
  registry: { type: 'string' },
  ...Object.fromEntries(Object.keys(ENV_FLAGS).map((f) => [f, { type: 'string' }])),
  'batch-size': { type: 'string' },
  'batching-window': { type: 'string' },
  'max-concurrency': { type: 'string' },
  'function-timeout': { type: 'string' },
  'visibility-timeout': { type: 'string' },
  'until-idle': { type: 'boolean' },
  [LONG_RUNNING_FLAG]: { type: 'boolean' },
  'idle-seconds': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  ...SQS_OPTIONS,
} as const;

export const WORKER_FLAGS_HELP = `  --queue-url URL          the SEND queue (else $${ENV.QUEUE_URL})
  --registry FILE          the cluster registry JSON (else $${ENV.REGISTRY}, $${ENV.REGISTRY_FILE}
                           or $${ENV.REGISTRY_PARAMETER})
  --dlq-url URL            its dead-letter queue (else $${ENV.DLQ_URL})
  --outcomes-queue-url URL queue for outcome records (else $${ENV.OUTCOMES_QUEUE_URL})
  --max-attempts N         attempts before dead-lettering (else $${ENV.MAX_ATTEMPTS}, default 5)
  --concurrency N          SENDs in flight per batch (else $${ENV.CONCURRENCY}, default ${ENV_DEFAULTS.CONCURRENCY})
  --concurrency-per-node N connections per source node (else $${ENV.CONCURRENCY_PER_NODE}, default ${ENV_DEFAULTS.CONCURRENCY_PER_NODE})
  --backoff-base-seconds S, --backoff-cap-seconds S, --deadline-margin-ms MS
                           (else the SWARM_SEND_ variables of the same names; defaults 5, 900, 3000)
  --large-object-queue URL where a route with largeObjects.via "long-running-tier" moves the
                           objects that do not fit a batch (else $${ENV.LARGE_OBJECT_QUEUE_URL})
  --long-running           this worker is the long-running tier: every object is copied here,
                           the batch deadline is SQS's 12 hours (else $${ENV.LONG_RUNNING}=true)
  --batch-size N           messages per batch (default ${BATCH_DEFAULTS.BATCH_SIZE}; use 10 on a FIFO queue)
  --batching-window MS     gather messages this long before a batch (default ${BATCH_DEFAULTS.BATCHING_WINDOW_SECONDS * 1000}
                           when the batch is above ${BATCH_DEFAULTS.FIFO_BATCH_SIZE} messages, else 0)
  --max-concurrency N      batches at once, each with its own poller (default 4)
  --function-timeout S     a batch's deadline, seconds; SENDs still running are aborted and
                           retried (worker default 3600, dev default 30, --long-running 43200)
  --visibility-timeout S   visibility of received messages (default: the queue's); the worker
                           extends it every third of this while a message's SEND runs
  --until-idle             exit once nothing arrived for --idle-seconds and the queue holds
                           nothing visible, in flight or delayed (with a summary)
  --idle-seconds S         (default 5)
  --timeout S              stop after this long, draining first; with --until-idle, exit 1
                           if the queue was not idle by then
  --json                   print the summary at exit as one JSON line
${SQS_HELP}`;

/** How `worker` and `dev` differ. */
export interface RunWorkerMode {
  /** The command name for messages. */
  readonly command: 'worker' | 'dev';
  /** Structured logs always (worker), or only with --verbose (dev). */
  readonly structuredLogs: boolean;
  readonly defaultFunctionTimeoutSeconds: number;
}

function queueUrlOf(values: FlagValues, env: NodeJS.ProcessEnv): string {
  const url = (values['queue-url'] as string | undefined) ?? env[ENV.QUEUE_URL];
  if (!url) throw new UsageError(`--queue-url (or ${ENV.QUEUE_URL}) is required`);
  if (!/^https?:\/\/[^/]+\/.+/.test(url)) throw new UsageError(`queue URL "${url}" is not a queue URL`);
  return url;
}

/** Where each handler setting came from: a flag, a variable, or the default. */
export function effectiveEnvironment(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  const merged: Record<string, string | undefined> = {};
  const sources: Record<string, string> = {};
  for (const name of Object.values(ENV)) {
    if (env[name] !== undefined && env[name] !== '') {
      merged[name] = env[name];
      sources[name] = name;
    }
  }
  for (const [flag, name] of Object.entries(ENV_FLAGS)) {
    if (values[flag] !== undefined) {
      merged[name] = values[flag] as string;
      sources[name] = `--${flag}`;
    }
  }
  if (values[LONG_RUNNING_FLAG] === true) {
    merged[ENV.LONG_RUNNING] = 'true';
    sources[ENV.LONG_RUNNING] = `--${LONG_RUNNING_FLAG}`;
  }
  if (values.registry !== undefined) {
    for (const name of REGISTRY_VARS) delete merged[name];
    merged[ENV.REGISTRY_FILE] = values.registry as string;
    sources[ENV.REGISTRY_FILE] = '--registry';
  }
  return { merged, sources };
}

/** The registry's origin, for the settings line: never the registry itself. */
export function registryOrigin(merged: Record<string, string | undefined>, sources: Record<string, string>): string {
  if (merged[ENV.REGISTRY_FILE]) return `file ${merged[ENV.REGISTRY_FILE]} (${sources[ENV.REGISTRY_FILE]})`;
  if (merged[ENV.REGISTRY_PARAMETER])
    return `SSM parameter ${merged[ENV.REGISTRY_PARAMETER]} (${ENV.REGISTRY_PARAMETER})`;
  if (merged[ENV.REGISTRY]) return `inline JSON (${ENV.REGISTRY})`;
  return 'none';
}

/** The worker's own flags (not the handler's variables), read and checked before anything starts. */
export function readWorkerFlags(values: FlagValues, env: NodeJS.ProcessEnv, mode: RunWorkerMode) {
  const queueUrl = queueUrlOf(values, env);
  const batchSize = numberFlag(values, 'batch-size', BATCH_DEFAULTS.BATCH_SIZE, { ...COUNT, max: 10_000 });
  const batchingWindowMs = numberFlag(
    values,
    'batching-window',
    batchSize > BATCH_DEFAULTS.FIFO_BATCH_SIZE ? BATCH_DEFAULTS.BATCHING_WINDOW_SECONDS * 1000 : 0,
    WHOLE,
  );
  const timeoutSeconds = optionalNumberFlag(values, 'timeout', COUNT);
  const metricsPort = optionalNumberFlag(values, 'metrics-port', { integer: true, min: 0, max: 65_535 });
  // The long-running tier's batch is bounded only by how long SQS keeps a received message hidden.
  const longRunning = values[LONG_RUNNING_FLAG] === true || env[ENV.LONG_RUNNING] === 'true';
  const defaultTimeoutSeconds = longRunning ? SQS_MAX_VISIBILITY_SECONDS : mode.defaultFunctionTimeoutSeconds;
  return {
    queueUrl,
    batchSize,
    batchingWindowMs,
    maxConcurrency: numberFlag(values, 'max-concurrency', 4, COUNT),
    functionTimeoutMs: numberFlag(values, 'function-timeout', defaultTimeoutSeconds, COUNT) * 1000,
    idleMs: numberFlag(values, 'idle-seconds', 5, COUNT) * 1000,
    timeoutMs: timeoutSeconds === undefined ? null : timeoutSeconds * 1000,
    drainMs: numberFlag(values, 'drain-seconds', 25, WHOLE) * 1000,
    metricsPort: metricsPort ?? null,
    metricsHost: stringFlag(values, 'metrics-host') ?? (env[METRICS_HOST_VAR] || METRICS_HOST_DEFAULT),
    visibilityTimeoutSeconds: optionalNumberFlag(values, 'visibility-timeout', COUNT),
    untilIdle: values['until-idle'] === true,
    verbose: values.verbose === true,
    json: values.json === true,
  };
}

export type WorkerFlags = ReturnType<typeof readWorkerFlags>;
