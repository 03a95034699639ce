import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { checkLocalCredentials, createCredentialsProvider } from './adapters/credentials.js';
import type { CredentialsProvider, EventPublisher, QueueOps, Telemetry, WorkerDeps } from './worker/ports.js';
import { createEventBridgeEvents } from './adapters/eventbridge-events.js';
import { createSqsQueueOps } from './adapters/sqs-queue-ops.js';
import { createPowertoolsTelemetry } from './adapters/telemetry.js';
import { LinkEstimates } from './worker/link-estimates.js';
import { loadConfig, type Config } from './config.js';
import { SendClient, type SendClientOptions } from './core/send/send-client.js';
import { metricsNamespace, POWERTOOLS_DEFAULTS } from './env.js';

/**
 * The composition root of the SEND handler: the one place that turns a configuration and the
 * outside world (SQS, Secrets Manager, SSM, Powertools) into the worker's ports. The Lambda
 * entry (functions/handlers/send.ts), the local worker (local/worker.ts), the benchmark
 * (bench/harness.ts) and the tests (test/helpers/pipeline.ts) all build their dependencies
 * here. The AWS SDK clients are given, never built: each caller decides how its clients reach
 * AWS (or fauxqs), and nothing here reads the process environment.
 */

/** What the worker is built from: everything else is derived from the configuration. */
export interface WorkerParts {
  readonly config: Config;
  readonly credentials: CredentialsProvider;
  /**
   * The SQS client the queue adapter talks through, or finished QueueOps (the benchmark's
   * recording fake, a test's fault injection).
   */
  readonly queue: { readonly sqs: SQSClient } | { readonly ops: QueueOps };
  /** Wraps the queue adapter (the local worker's heartbeat wait and error counts). */
  readonly decorateQueue?: (ops: QueueOps) => QueueOps;
  readonly telemetry: Telemetry;
  /** Builds the SEND client from its options (an instrumented subclass). @default `new SendClient` */
  readonly client?: (options: SendClientOptions) => SendClient;
  /** Jitter source of the backoff. @default Math.random */
  readonly random?: () => number;
  /**
   * Where outcome events go when the configuration names a bus (`config.events`): the EventBridge
   * client the adapter puts them through, or a finished publisher (the local pipeline's sink).
   */
  readonly events?: { readonly eventBridge: EventBridgeClient } | { readonly publisher: EventPublisher };
}

/** The SEND client's options the configuration decides. */
export function sendClientOptions(config: Config): SendClientOptions {
  return { connectionsPerNode: config.concurrencyPerNode };
}

/** The worker's dependencies, one set per container (or per local worker). */
export function composeWorkerDeps(parts: WorkerParts): WorkerDeps {
  const { config } = parts;
  const options = sendClientOptions(config);
  const client = parts.client ? parts.client(options) : new SendClient(options);
  const adapter =
    'ops' in parts.queue
      ? parts.queue.ops
      : createSqsQueueOps({
          sqs: parts.queue.sqs,
          dlqUrl: config.dlqUrl,
          outcomesQueueUrl: config.outcomesQueueUrl,
          largeObjectQueueUrl: config.largeObjectQueueUrl ?? null,
        });
  const events = eventPublisher(config, parts.events);
  return {
    config,
    client,
    credentials: parts.credentials,
    queue: parts.decorateQueue ? parts.decorateQueue(adapter) : adapter,
    telemetry: parts.telemetry,
    linkEstimates: new LinkEstimates(),
    ...(parts.random && { random: parts.random }),
    ...(events && { events }),
  };
}

/** The events publisher of a configuration that names a bus and of the parts that reach it; else none. */
function eventPublisher(config: Config, events: WorkerParts['events']): EventPublisher | null {
  if (!config.events || !events) return null;
  if ('publisher' in events) return events.publisher;
  return createEventBridgeEvents({ eventBridge: events.eventBridge, busName: config.events.busName });
}

/** The Powertools metrics of a process outside Lambda: the product's namespace and service name. */
const LOCAL_METRICS = {
  namespace: POWERTOOLS_DEFAULTS.METRICS_NAMESPACE,
  serviceName: POWERTOOLS_DEFAULTS.SERVICE_NAME,
} as const;

/**
 * The telemetry the Lambda function writes: a JSON log line per outcome and EMF metrics. Outside
 * Lambda it gets the product's namespace and service name; the Lambda entry passes its own.
 */
export function powertoolsTelemetry(
  logger: Logger,
  metrics: ConstructorParameters<typeof Metrics>[0] = LOCAL_METRICS,
): Telemetry {
  return createPowertoolsTelemetry(logger, new Metrics(metrics));
}

/** A Powertools logger for a process outside Lambda: INFO when `verbose`, else silent. */
export function localLogger(verbose: boolean): Logger {
  return new Logger({ serviceName: POWERTOOLS_DEFAULTS.SERVICE_NAME, logLevel: verbose ? 'INFO' : 'SILENT' });
}

/** The AWS side of the production wiring, built by the caller (the Lambda entry builds the real ones). */
export interface AwsAdapters {
  readonly sqs: SQSClient;
  readonly secretsManager: SecretsManagerClient;
  /** Reads an SSM parameter, decrypted (the registry's SWARM_SEND_REGISTRY_PARAMETER). */
  readonly getParameter: (name: string) => Promise<string>;
  /** Puts outcome events (used only when SWARM_SEND_EVENT_BUS_NAME is set). */
  readonly eventBridge?: EventBridgeClient;
}

/**
 * The production dependencies from a handler environment (DESIGN.md section 2): the
 * configuration, the credentials provider (local references checked now), the SQS queue ops
 * and the Powertools telemetry. A broken configuration throws a `ConfigError`.
 */
export async function workerDepsFromEnvironment(
  env: Record<string, string | undefined>,
  logger: Logger,
  aws: AwsAdapters,
): Promise<WorkerDeps> {
  const telemetry = powertoolsTelemetry(logger, { namespace: metricsNamespace(env) });
  const config = await loadConfig(env, { getParameter: aws.getParameter });
  const credentials = createCredentialsProvider({ secretsManager: aws.secretsManager, env });
  await checkLocalCredentials(config.registry, credentials);
  return composeWorkerDeps({
    config,
    credentials,
    queue: { sqs: aws.sqs },
    telemetry,
    ...(aws.eventBridge && { events: { eventBridge: aws.eventBridge } }),
  });
}
