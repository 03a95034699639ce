import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaAwsAdapters } from '../aws-clients.js';
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
 * SDK calls that run inside the deadline margin (DLQ, visibility, outcomes, secrets) must end
 * well within it: 2 s each.
 */
const REQUEST_TIMEOUT_MS = 2000;

/** Builds the production dependencies from the environment (functions/compose.ts), once per container. */
export function depsFromEnvironment(
  env: Record<string, string | undefined>,
  logger: Logger,
  aws: AwsAdapters = lambdaAwsAdapters(REQUEST_TIMEOUT_MS),
): Promise<WorkerDeps> {
  return workerDepsFromEnvironment(env, logger, aws);
}

const logger = new Logger();
export const handler = createHandler(logger, () => depsFromEnvironment(process.env, logger));
