import { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import { PrometheusTelemetry } from '../functions/adapters/prometheus-telemetry.js';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import { createPowertoolsTelemetry } from '../functions/adapters/telemetry.js';
import { loadConfig, type Config } from '../functions/config.js';
import { ConfigError } from '../functions/core/errors.js';
import { BATCH_DEFAULTS, ENV, ENV_DEFAULTS } from '../functions/env.js';
import type { Telemetry } from '../functions/worker/ports.js';
import { percentile } from '../local/summary.js';
import { startLocalWorker } from '../local/worker.js';
import { startWorkerServer, type WorkerServer } from '../local/worker-server.js';
import { awsClients, describeAwsError, localCredentials, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';

/** Flags that stand for a handler environment variable (flags override the environment). */
const ENV_FLAGS = {
  'dlq-url': ENV.DLQ_URL,
  'outcomes-queue-url': ENV.OUTCOMES_QUEUE_URL,
  'max-attempts': ENV.MAX_ATTEMPTS,
  concurrency: ENV.CONCURRENCY,
  'concurrency-per-node': ENV.CONCURRENCY_PER_NODE,
  'backoff-base-seconds': ENV.BACKOFF_BASE_SECONDS,
  'backoff-cap-seconds': ENV.BACKOFF_CAP_SECONDS,
  'deadline-margin-ms': ENV.DEADLINE_MARGIN_MS,
} as const;

const REGISTRY_VARS = [ENV.REGISTRY, ENV.REGISTRY_FILE, ENV.REGISTRY_PARAMETER] as const;

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
  --batch-size N           messages per batch (default ${BATCH_DEFAULTS.BATCH_SIZE}; use 10 on a FIFO queue)
  --batching-window MS     gather messages this long before a batch (default ${BATCH_DEFAULTS.BATCHING_WINDOW_SECONDS * 1000}
                           when the batch is above ${BATCH_DEFAULTS.FIFO_BATCH_SIZE} messages, else 0)
  --max-concurrency N      batches at once, each with its own poller (default 4)
  --function-timeout S     a batch's deadline, seconds; SENDs still running are aborted and
                           retried (worker default 3600, dev default 30)
  --visibility-timeout S   visibility of received messages (default: the queue's); the worker
                           extends it every third of this while a message's SEND runs
  --until-idle             exit once nothing arrived for --idle-seconds and the queue holds
                           nothing visible, in flight or delayed (with a summary)
  --idle-seconds S         (default 5)
  --timeout S              stop after this long, draining first; with --until-idle, exit 1
                           if the queue was not idle by then
  --json                   print the summary at exit as one JSON line
${SQS_HELP}`;

const HELP = `Usage: swarm-send worker [flags]

Runs the SEND handler, the same code and environment contract as the Lambda function, against
an SQS queue: the service teams run next to an on-premises cluster. Several workers on one
queue share its messages. Every SWARM_SEND_* variable is read as the Lambda function reads it;
a flag overrides its variable. The effective settings are logged at start (no secrets).

It long-polls (20 s); each batch runs with a deadline; messages whose SEND runs long are kept
invisible on a heartbeat; logs are JSON lines (Powertools: info on stdout, warnings on stderr).
SIGTERM or SIGINT stops polling and drains the batches in flight for up to --drain-seconds,
then exits 0; a second signal exits at once (its unfinished messages reappear on the queue).

${WORKER_FLAGS_HELP}
  --metrics-port N         serve /metrics (Prometheus), /healthz and /readyz on this port
                           (0: any free port; the log says which)
  --metrics-host H         address to listen on (default 0.0.0.0)
  --drain-seconds S        how long a stop waits for batches in flight (default 25)

Exit codes: 0 stopped (drained or idle), 1 queue unreachable, or not idle by --timeout,
2 usage or configuration error, 130/143 a second SIGINT/SIGTERM.
`;

/** A whole-number flag, at least `min`; `fallback` when absent. */
export function positiveInt(values: Record<string, unknown>, flag: string, fallback: number, min = 1): number {
  const v = values[flag];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number, at least ${min}`);
  return n;
}

function queueUrlOf(values: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const url = (values['queue-url'] as string | undefined) ?? env[ENV.QUEUE_URL];
  if (!url) throw new UsageError(`--queue-url (or ${ENV.QUEUE_URL}) is required`);
  if (!/^https?:\/\/[^/]+\/.+/.test(url)) throw new UsageError(`queue URL "${url}" is not a queue URL`);
  return url;
}

/** Where each handler setting came from: a flag, a variable, or the default. */
function effectiveEnvironment(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
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
  if (values.registry !== undefined) {
    for (const name of REGISTRY_VARS) delete merged[name];
    merged[ENV.REGISTRY_FILE] = values.registry as string;
    sources[ENV.REGISTRY_FILE] = '--registry';
  }
  return { merged, sources };
}

/** The registry's origin, for the settings line: never the registry itself. */
function registryOrigin(merged: Record<string, string | undefined>, sources: Record<string, string>): string {
  if (merged[ENV.REGISTRY_FILE]) return `file ${merged[ENV.REGISTRY_FILE]} (${sources[ENV.REGISTRY_FILE]})`;
  if (merged[ENV.REGISTRY_PARAMETER]) return `SSM parameter ${merged[ENV.REGISTRY_PARAMETER]} (${ENV.REGISTRY_PARAMETER})`;
  if (merged[ENV.REGISTRY]) return `inline JSON (${ENV.REGISTRY})`;
  return 'none';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RunWorkerMode {
  /** The command name for messages. */
  readonly command: 'worker' | 'dev';
  /** Structured logs always (worker), or only with --verbose (dev). */
  readonly structuredLogs: boolean;
  readonly defaultFunctionTimeoutSeconds: number;
}

/** Runs the handler against a queue until a stop signal, --timeout or idleness (--until-idle). */
export async function runWorker(values: Record<string, unknown>, io: CommandIo, mode: RunWorkerMode): Promise<number> {
  const prefix = `swarm-send ${mode.command}`;
  const queueUrl = queueUrlOf(values, io.env);
  const batchSize = positiveInt(values, 'batch-size', BATCH_DEFAULTS.BATCH_SIZE);
  if (batchSize > 10_000) throw new UsageError('--batch-size is at most 10000');
  const batchingWindowMs = positiveInt(values, 'batching-window', batchSize > BATCH_DEFAULTS.FIFO_BATCH_SIZE ? BATCH_DEFAULTS.BATCHING_WINDOW_SECONDS * 1000 : 0, 0);
  const maxConcurrency = positiveInt(values, 'max-concurrency', 4);
  const functionTimeoutMs = positiveInt(values, 'function-timeout', mode.defaultFunctionTimeoutSeconds) * 1000;
  const idleMs = positiveInt(values, 'idle-seconds', 5) * 1000;
  const timeoutMs = values.timeout === undefined ? null : positiveInt(values, 'timeout', 0) * 1000;
  const drainMs = positiveInt(values, 'drain-seconds', 25, 0) * 1000;
  const metricsPort = values['metrics-port'] === undefined ? null : positiveInt(values, 'metrics-port', 0, 0);
  if (metricsPort !== null && metricsPort > 65_535) throw new UsageError('--metrics-port must be at most 65535');
  const metricsHost = (values['metrics-host'] as string | undefined) ?? '0.0.0.0';

  const { sqs, region } = awsClients(values, io.env);
  const { merged, sources } = effectiveEnvironment(values, io.env);
  let config: Config;
  try {
    config = await loadConfig(merged, {
      getParameter: async (name) => {
        const ssm = new SSMClient({ region, ...localCredentials(io.env.AWS_ENDPOINT_URL_SSM ?? io.env.AWS_ENDPOINT_URL, io.env) });
        try {
          return (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value ?? '';
        } finally {
          ssm.destroy();
        }
      },
    });
  } catch (err) {
    sqs.destroy();
    if (!(err instanceof ConfigError)) throw err;
    // A problem with a value a flag gave names the flag.
    let text = err.message;
    for (const [flag, name] of Object.entries(ENV_FLAGS)) if (sources[name] === `--${flag}`) text = text.replaceAll(name, `--${flag}`);
    io.stderr.write(`${prefix}: ${text}\n`);
    return EXIT.USAGE;
  }

  let queueArn: string;
  let queueVisibility: number;
  try {
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }))).Attributes ?? {};
    queueArn = attrs.QueueArn ?? '';
    queueVisibility = Number(attrs.VisibilityTimeout ?? 30);
  } catch (err) {
    io.stderr.write(`${prefix}: ${describeAwsError(err, queueUrl)}\n`);
    sqs.destroy();
    return EXIT.FAILED;
  }
  const visibilityTimeoutSeconds = values['visibility-timeout'] === undefined ? undefined : positiveInt(values, 'visibility-timeout', 30);
  const heartbeatSeconds = visibilityTimeoutSeconds ?? queueVisibility;

  const verbose = values.verbose === true;
  const logger = new Logger({ serviceName: io.env.POWERTOOLS_SERVICE_NAME ?? 'swarm-send', ...(!mode.structuredLogs && { logLevel: verbose ? 'INFO' : 'SILENT' }) });
  const prometheus = new PrometheusTelemetry();
  const logs = mode.structuredLogs || verbose ? createPowertoolsTelemetry(logger, null) : null;
  const telemetry: Telemetry = logs
    ? { outcome: (r, s) => (logs.outcome(r, s), prometheus.outcome(r, s)), warn: (m, f) => (logs.warn(m, f), prometheus.warn()), flush: () => undefined }
    : prometheus;
  const secretsEndpoint = io.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? io.env.AWS_ENDPOINT_URL;
  const credentials = createCredentialsProvider({ secretsManager: new SecretsManagerClient({ region, ...localCredentials(secretsEndpoint, io.env) }), env: io.env });

  const settings = {
    queueUrl,
    region,
    sqsEndpoint: (values['sqs-endpoint'] as string | undefined) ?? null,
    registry: registryOrigin(merged, sources),
    clusters: Object.keys(config.registry.clusters),
    dlqUrl: config.dlqUrl,
    outcomesQueueUrl: config.outcomesQueueUrl,
    maxAttempts: config.maxAttempts,
    concurrency: config.concurrency,
    concurrencyPerNode: config.concurrencyPerNode,
    backoffBaseSeconds: config.backoffBaseSeconds,
    backoffCapSeconds: config.backoffCapSeconds,
    deadlineMarginMs: config.deadlineMarginMs,
    sources: Object.fromEntries(Object.values(ENV_FLAGS).map((name) => [name, sources[name] ?? 'default'])),
    batchSize,
    batchingWindowMs,
    maxConcurrency,
    functionTimeoutMs,
    visibilityTimeoutSeconds: heartbeatSeconds,
    heartbeatEverySeconds: Math.max(1, heartbeatSeconds / 3),
    waitTimeSeconds: 20,
    drainSeconds: drainMs / 1000,
    metrics: metricsPort === null ? null : `${metricsHost}:${metricsPort}`,
  };

  const worker = startLocalWorker({
    sqs,
    queueUrl,
    queueArn,
    config,
    credentials,
    batchSize,
    batchingWindowMs,
    maxConcurrency,
    functionTimeoutMs,
    visibilityTimeoutSeconds,
    region,
    waitTimeSeconds: 20,
    heartbeatSeconds,
    telemetry,
    instruments: prometheus,
  });
  let accepting = true;
  let server: WorkerServer | null = null;
  const queueReachable = async () => {
    try {
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal: AbortSignal.timeout(2500) });
      return null;
    } catch (err) {
      return describeAwsError(err, 'queue');
    }
  };
  const refs = [...new Set(Object.values(config.registry.clusters).map((c) => c.credentials))];
  if (metricsPort !== null) {
    try {
      server = await startWorkerServer({
        host: metricsHost,
        port: metricsPort,
        metrics: () => prometheus.exposition(),
        accepting: () => accepting,
        readiness: {
          registry: async () => (Object.keys(config.registry.clusters).length ? null : 'no clusters'),
          credentials: async () => {
            const problems = await Promise.all(refs.map((ref) => credentials.get(ref).then(() => null, (err: unknown) => (err as Error).message)));
            const bad = problems.filter((p) => p !== null);
            return bad.length ? bad.join('; ') : null;
          },
          queue: queueReachable,
        },
      });
    } catch (err) {
      io.stderr.write(`${prefix}: cannot listen on ${metricsHost}:${metricsPort}: ${(err as Error).message}\n`);
      await worker.stop();
      sqs.destroy();
      return EXIT.FAILED;
    }
  }
  const listening = server ? `${server.address.address}:${server.address.port}` : null;
  if (mode.structuredLogs) logger.info('swarm-send worker started', { settings: { ...settings, metrics: listening } });
  else io.stderr.write(`${prefix}: polling ${queueUrl} (Ctrl-C drains in-flight work and exits)\n`);

  // The loop: until a stop signal, --timeout, or idleness with --until-idle.
  const started = Date.now();
  const untilIdle = values['until-idle'] === true;
  let stopReason: 'stop signal' | 'timeout' | 'idle' = 'stop signal';
  while (!io.signal.aborted) {
    await sleep(200, io.signal);
    if (io.signal.aborted) break;
    if (timeoutMs !== null && Date.now() - started >= timeoutMs) {
      stopReason = 'timeout';
      break;
    }
    if (untilIdle && Date.now() - worker.mapping.stats.lastMessageAt > idleMs && (await queueEmpty(sqs, queueUrl))) {
      stopReason = 'idle';
      break;
    }
  }
  const notIdle = untilIdle && stopReason === 'timeout';

  // Drain: /readyz turns 503, polling stops, batches in flight finish within the bound.
  accepting = false;
  const inFlightAtStop = worker.mapping.inFlight;
  const hardExit = (signal: NodeJS.Signals) => {
    const left = worker.mapping.inFlight;
    const line = `second ${signal}: exiting at once; ${left} message(s) in flight are not deleted and reappear after their visibility timeout`;
    if (mode.structuredLogs) logger.warn(line, { inFlight: left });
    else io.stderr.write(`${prefix}: ${line}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const onInt = () => hardExit('SIGINT');
  const onTerm = () => hardExit('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  if (mode.structuredLogs) logger.info('draining', { reason: stopReason, inFlight: inFlightAtStop, drainSeconds: drainMs / 1000 });
  const drainBound = new AbortController();
  const drained = await Promise.race([worker.stop().then(() => true), sleep(drainMs, drainBound.signal).then(() => false)]);
  drainBound.abort();
  if (!drained) {
    const left = worker.mapping.inFlight;
    const line = `drain bound of ${drainMs / 1000} s reached; ${left} message(s) in flight are not deleted and reappear after their visibility timeout`;
    if (mode.structuredLogs) logger.warn(line, { inFlight: left });
    else io.stderr.write(`${prefix}: ${line}\n`);
    process.exit(notIdle ? EXIT.FAILED : EXIT.OK);
  }
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  await server?.close();
  sqs.destroy();

  const stats = worker.mapping.stats;
  const s = worker.summary;
  const summary = {
    elapsedMs: Date.now() - started,
    stopped: stopReason,
    invocations: stats.invocations,
    records: stats.records,
    replicated: s.byOutcome.get('replicated') ?? 0,
    alreadyPresent: s.byOutcome.get('already-present') ?? 0,
    retried: s.retries,
    deadLettered: Object.fromEntries(s.deadLettered),
    queueCallErrors: stats.errors,
    lagP50Ms: percentile(s.lagsMs, 50),
    lagP99Ms: percentile(s.lagsMs, 99),
  };
  if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (mode.structuredLogs) logger.info('swarm-send worker stopped', { summary });
  else {
    const dead = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    io.stdout.write(`processed ${summary.records} records in ${summary.invocations} invocations: ${summary.replicated} replicated, ${summary.alreadyPresent} already present, ${summary.retried} retried, ${dead} dead-lettered ${JSON.stringify(summary.deadLettered)}\n`);
  }
  if (notIdle) {
    io.stderr.write(`${prefix}: the queue was not idle after --timeout ${timeoutMs! / 1000} s\n`);
    return EXIT.FAILED;
  }
  return EXIT.OK;
}

/** True when the queue has nothing visible, in flight or delayed. */
async function queueEmpty(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const c = await queueCounts(sqs, queueUrl).catch(() => null);
  return c !== null && c.visible + c.inFlight + c.delayed === 0;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the SEND handler as a service against a queue (next to an on-premises cluster)',
  help: HELP,
  options: {
    ...WORKER_OPTIONS,
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string' },
    'drain-seconds': { type: 'string' },
  },
  run: (values, _positionals, io) => runWorker(values, io, { command: 'worker', structuredLogs: true, defaultFunctionTimeoutSeconds: 3600 }),
};
