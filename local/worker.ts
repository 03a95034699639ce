import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CredentialsProvider } from '../functions/adapters/credentials.js';
import { createSqsQueueOps } from '../functions/adapters/sqs-queue-ops.js';
import { createPowertoolsTelemetry } from '../functions/adapters/telemetry.js';
import type { Config } from '../functions/config.js';
import { SendClient } from '../functions/core/send-client.js';
import { createHandler } from '../functions/handlers/send.js';
import { LocalEventSourceMapping } from './event-source-mapping.js';
import { SummaryTelemetry } from './summary.js';

export interface LocalWorkerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly config: Config;
  readonly credentials: CredentialsProvider;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly functionTimeoutMs: number;
  readonly visibilityTimeoutSeconds?: number | undefined;
  readonly region: string;
  /** Print the handler's structured logs and EMF metrics (as Lambda would). @default false */
  readonly verbose?: boolean;
}

export interface LocalWorker {
  readonly mapping: LocalEventSourceMapping;
  readonly summary: SummaryTelemetry;
  /** Stops polling, lets in-flight invocations finish, closes connections. */
  stop(): Promise<void>;
}

/**
 * Runs the real handler (createHandler, the same wiring as the Lambda entry) behind a local
 * event source mapping: the way a team runs the worker next to an on-premises cluster.
 */
export function startLocalWorker(o: LocalWorkerOptions): LocalWorker {
  const logger = new Logger({ serviceName: 'swarm-send', logLevel: o.verbose ? 'INFO' : 'SILENT' });
  const forward = o.verbose ? createPowertoolsTelemetry(logger, new Metrics({ namespace: 'SwarmSend', serviceName: 'swarm-send' })) : null;
  const summary = new SummaryTelemetry(forward);
  const client = new SendClient({ connectionsPerNode: o.config.concurrencyPerNode });
  const handler = createHandler(logger, async () => ({
    config: o.config,
    client,
    credentials: o.credentials,
    queue: createSqsQueueOps({ sqs: o.sqs, dlqUrl: o.config.dlqUrl, outcomesQueueUrl: o.config.outcomesQueueUrl }),
    telemetry: summary,
  }));
  const mapping = new LocalEventSourceMapping({
    sqs: o.sqs,
    queueUrl: o.queueUrl,
    queueArn: o.queueArn,
    handler: (event, context) => handler(event, context),
    batchSize: o.batchSize,
    batchingWindowMs: o.batchingWindowMs,
    maxConcurrency: o.maxConcurrency,
    functionTimeoutMs: o.functionTimeoutMs,
    visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
    region: o.region,
  }).start();
  return {
    mapping,
    summary,
    async stop() {
      await mapping.stop();
      await client.close();
    },
  };
}
