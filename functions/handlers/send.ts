import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { workerDepsFromEnvironment, type AwsAdapters } from '../compose.js';
import { processBatch } from '../worker/process-batch.js';
import { type WorkerDeps } from '../worker/ports.js';

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

/**
 * The real AWS SDK clients. SDK calls that run inside the deadline margin (DLQ, visibility,
 * outcomes, secrets) must end well within it, or a slow endpoint times the whole invocation out.
 */
function lambdaAwsAdapters(): AwsAdapters {
  const requestHandler = { connectionTimeout: 1000, requestTimeout: 2000 };
  const ssm = new SSMClient({ requestHandler });
  return {
    sqs: new SQSClient({ requestHandler }),
    secretsManager: new SecretsManagerClient({ requestHandler }),
    getParameter: async (name) => {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    },
  };
}

/** Builds the production dependencies from the environment (functions/compose.ts), once per container. */
export function depsFromEnvironment(
  env: Record<string, string | undefined>,
  logger: Logger,
  aws: AwsAdapters = lambdaAwsAdapters(),
): Promise<WorkerDeps> {
  return workerDepsFromEnvironment(env, logger, aws);
}

const logger = new Logger();
export const handler = createHandler(logger, () => depsFromEnvironment(process.env, logger));
