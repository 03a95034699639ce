import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { checkLocalCredentials, createCredentialsProvider } from '../adapters/credentials.js';
import { createSqsQueueOps } from '../adapters/sqs-queue-ops.js';
import { createPowertoolsTelemetry } from '../adapters/telemetry.js';
import { loadConfig } from '../config.js';
import { SendClient } from '../core/send-client.js';
import { processBatch, type WorkerDeps } from '../worker/process-batch.js';

/**
 * The SQS-triggered SEND function. `createHandler` wires the real worker to the dependencies
 * it is given (tests and the local pipeline call it); `handler` is the Lambda entry, which
 * builds them once per container from the environment.
 */
export function createHandler(logger: Logger, deps: () => Promise<WorkerDeps>) {
  let ready: Promise<WorkerDeps> | null = null;
  const base = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // Built on the first invocation; a broken configuration fails the invocation (the only
    // thing that does) and is tried again on the next one.
    ready ??= deps().catch((err: unknown) => {
      ready = null;
      throw err;
    });
    const d = await ready;
    return processBatch(event.Records, context, d);
  };
  return middy(base).use(injectLambdaContext(logger));
}

/** Builds the production dependencies from the environment, once per container. */
export async function depsFromEnvironment(env: Record<string, string | undefined>, logger: Logger): Promise<WorkerDeps> {
  // Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE itself.
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'SwarmSend' });
  // SDK calls that run inside the deadline margin (DLQ, visibility, outcomes, secrets) must end
  // well within it, or a slow endpoint times the whole invocation out.
  const requestHandler = { connectionTimeout: 1000, requestTimeout: 2000 };
  const ssm = new SSMClient({ requestHandler });
  const config = await loadConfig(env, {
    getParameter: async (name) => {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    },
  });
  const sqs = new SQSClient({ requestHandler });
  const credentials = createCredentialsProvider({ secretsManager: new SecretsManagerClient({ requestHandler }), env });
  await checkLocalCredentials(config.registry, credentials);
  return {
    config,
    client: new SendClient({ connectionsPerNode: config.concurrencyPerNode }),
    credentials,
    queue: createSqsQueueOps({ sqs, dlqUrl: config.dlqUrl, outcomesQueueUrl: config.outcomesQueueUrl }),
    telemetry: createPowertoolsTelemetry(logger, metrics),
  };
}

const logger = new Logger();
export const handler = createHandler(logger, () => depsFromEnvironment(process.env, logger));
