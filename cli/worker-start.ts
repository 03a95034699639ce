import { Logger } from '@aws-lambda-powertools/logger';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import type { CredentialsProvider, Telemetry } from '../functions/worker/ports.js';
import { PrometheusTelemetry } from '../functions/adapters/prometheus-telemetry.js';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import { createPowertoolsTelemetry } from '../functions/adapters/telemetry.js';
import { loadConfig, type Config } from '../functions/config.js';
import { ConfigError } from '../functions/core/errors.js';
import { ENV } from '../functions/env.js';
import { startWorkerServer, type WorkerServer } from '../local/worker-server.js';
import { describeAwsError, localCredentials } from './aws.js';
import { CommandError, type CommandIo } from './command.js';
import {
  effectiveEnvironment,
  ENV_FLAGS,
  registryOrigin,
  type RunWorkerMode,
  type WorkerFlags,
} from './worker-flags.js';

/** What `swarm-send worker` sets up before it polls: the configuration, the queue's attributes, logs and metrics. */

export interface WorkerConfig {
  readonly config: Config;
  /** Where the registry came from, for the settings line (never the registry itself). */
  readonly registry: string;
  /** Where each handler setting came from: a flag, a variable, or `default`. */
  readonly sources: Record<string, string>;
}

/**
 * The handler's configuration from its variables, flags overriding them, as the Lambda function
 * loads it (an SSM registry parameter too). A problem with a value a flag gave names the flag.
 */
export async function loadWorkerConfig(
  values: Record<string, unknown>,
  io: CommandIo,
  region: string,
): Promise<WorkerConfig> {
  const { merged, sources } = effectiveEnvironment(values, io.env);
  const getParameter = async (name: string) => {
    const ssm = new SSMClient({
      region,
      ...localCredentials(io.env.AWS_ENDPOINT_URL_SSM ?? io.env.AWS_ENDPOINT_URL, io.env),
    });
    try {
      return (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value ?? '';
    } finally {
      ssm.destroy();
    }
  };
  try {
    return { config: await loadConfig(merged, { getParameter }), registry: registryOrigin(merged, sources), sources };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A value a flag gave is named by its flag; a missing one (the problem is about it and nobody
    // gave it) by its flag and its variable.
    const byFlag = (text: string) =>
      Object.entries(ENV_FLAGS).reduce((t, [flag, name]) => {
        // The whole name only: SWARM_SEND_CONCURRENCY is also the start of SWARM_SEND_CONCURRENCY_PER_NODE.
        const whole = new RegExp(`${name}(?![A-Z_])`, 'g');
        if (sources[name] === `--${flag}`) return t.replace(whole, `--${flag}`);
        const missing = sources[name] === undefined && new RegExp(`^${name}(?![A-Z_])`).test(t);
        return missing ? t.replace(name, `--${flag} (or ${name})`) : t;
      }, text);
    throw new ConfigError(err.problems.map(byFlag), 'swarm-send configuration');
  }
}

/** The queue's ARN and visibility timeout; an unreachable queue ends the command (exit 1). */
export async function queueAttributes(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ queueArn: string; visibilitySeconds: number }> {
  try {
    const attrs =
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
        )
      ).Attributes ?? {};
    return { queueArn: attrs.QueueArn ?? '', visibilitySeconds: Number(attrs.VisibilityTimeout ?? 30) };
  } catch (err) {
    throw new CommandError(describeAwsError(err, queueUrl));
  }
}

export interface WorkerObservability {
  readonly logger: Logger;
  readonly prometheus: PrometheusTelemetry;
  /** Outcomes and warnings: to the logs (worker, or dev with --verbose) and always to Prometheus. */
  readonly telemetry: Telemetry;
}

export function workerObservability(io: CommandIo, mode: RunWorkerMode, verbose: boolean): WorkerObservability {
  const logger = new Logger({
    serviceName: io.env.POWERTOOLS_SERVICE_NAME ?? 'swarm-send',
    ...(!mode.structuredLogs && { logLevel: verbose ? 'INFO' : 'SILENT' }),
  });
  const prometheus = new PrometheusTelemetry();
  const logs = mode.structuredLogs || verbose ? createPowertoolsTelemetry(logger, null) : null;
  const telemetry: Telemetry = logs
    ? {
        outcome: (r, s) => (logs.outcome(r, s), prometheus.outcome(r, s)),
        warn: (m, f) => (logs.warn(m, f), prometheus.warn()),
        flush: () => undefined,
        eventsNotPublished: (n) => prometheus.eventsNotPublished(n),
      }
    : prometheus;
  return { logger, prometheus, telemetry };
}

/** Cluster credentials as the handler reads them (Secrets Manager, env: or file: references). */
export function workerCredentials(io: CommandIo, region: string): CredentialsProvider {
  const secretsEndpoint = io.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? io.env.AWS_ENDPOINT_URL;
  return createCredentialsProvider({
    secretsManager: new SecretsManagerClient({ region, ...localCredentials(secretsEndpoint, io.env) }),
    env: io.env,
  });
}

/** The effective settings, logged at start (no secrets). */
export function workerSettings(
  flags: WorkerFlags,
  wc: WorkerConfig,
  extra: { region: string; sqsEndpoint: string | null; heartbeatSeconds: number },
) {
  const { config } = wc;
  return {
    queueUrl: flags.queueUrl,
    region: extra.region,
    sqsEndpoint: extra.sqsEndpoint,
    registry: wc.registry,
    clusters: Object.keys(config.registry.clusters),
    dlqUrl: config.dlqUrl,
    outcomesQueueUrl: config.outcomesQueueUrl,
    maxAttempts: config.maxAttempts,
    concurrency: config.concurrency,
    concurrencyPerNode: config.concurrencyPerNode,
    backoffBaseSeconds: config.backoffBaseSeconds,
    backoffCapSeconds: config.backoffCapSeconds,
    deadlineMarginMs: config.deadlineMarginMs,
    largeObjectQueueUrl: config.largeObjectQueueUrl ?? null,
    longRunning: config.longRunning === true,
    sources: Object.fromEntries(
      [...Object.values(ENV_FLAGS), ENV.LONG_RUNNING].map((name) => [name, wc.sources[name] ?? 'default']),
    ),
    batchSize: flags.batchSize,
    batchingWindowMs: flags.batchingWindowMs,
    maxConcurrency: flags.maxConcurrency,
    functionTimeoutMs: flags.functionTimeoutMs,
    visibilityTimeoutSeconds: extra.heartbeatSeconds,
    heartbeatEverySeconds: Math.max(1, extra.heartbeatSeconds / 3),
    waitTimeSeconds: 20,
    drainSeconds: flags.drainMs / 1000,
    metrics: flags.metricsPort === null ? null : `${flags.metricsHost}:${flags.metricsPort}`,
  };
}

export interface MetricsServerParts {
  readonly prometheus: PrometheusTelemetry;
  readonly config: Config;
  readonly credentials: CredentialsProvider;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** False once draining: /readyz turns 503. */
  readonly accepting: () => boolean;
  /** Where a failed readiness check's details go (the /readyz body says only `failed`). */
  readonly logger: Logger;
}

/**
 * /metrics, /healthz and /readyz (registry, credentials, queue, accepting) with --metrics-port;
 * null without. A failed check is logged with its details; its results answer probes for 5 s.
 */
export async function startMetricsServer(flags: WorkerFlags, parts: MetricsServerParts): Promise<WorkerServer | null> {
  if (flags.metricsPort === null) return null;
  const refs = [...new Set(Object.values(parts.config.registry.clusters).map((c) => c.credentials))];
  const credentialsProblems = async () => {
    const problems = await Promise.all(
      refs.map((ref) =>
        parts.credentials.get(ref).then(
          () => null,
          (err: unknown) => (err as Error).message,
        ),
      ),
    );
    const bad = problems.filter((p) => p !== null);
    return bad.length ? bad.join('; ') : null;
  };
  // The queue checks read each queue's depth too: /metrics carries it (swarm_send_queue_messages).
  const queueProblem = (which: 'send' | 'dlq', url: string) => async () => {
    try {
      parts.prometheus.queueMessages(which, await queueCounts(parts.sqs, url, AbortSignal.timeout(2500)));
      return null;
    } catch (err) {
      return describeAwsError(err, which === 'send' ? 'queue' : 'dead-letter queue');
    }
  };
  try {
    return await startWorkerServer({
      host: flags.metricsHost,
      port: flags.metricsPort,
      metrics: () => parts.prometheus.exposition(),
      accepting: parts.accepting,
      checkFailed: (check, detail) => parts.logger.warn('readiness check failed', { check, detail }),
      checked: (passed) => {
        for (const [check, ok] of Object.entries(passed)) parts.prometheus.ready(check, ok);
        parts.prometheus.ready('accepting', parts.accepting());
      },
      readiness: {
        registry: async () => (Object.keys(parts.config.registry.clusters).length ? null : 'no clusters'),
        credentials: credentialsProblems,
        queue: queueProblem('send', parts.queueUrl),
        dlq: queueProblem('dlq', parts.config.dlqUrl),
      },
    });
  } catch (err) {
    throw new CommandError(`cannot listen on ${flags.metricsHost}:${flags.metricsPort}: ${(err as Error).message}`);
  }
}
