import { Duration } from 'aws-cdk-lib';
import { SQS_MAX_VISIBILITY_SECONDS } from '../functions/env.js';

/**
 * Service limits the constructs check their props against: AWS's numbers, not choices (those are
 * in defaults.ts). The handler's own bounds are `ENV_BOUNDS` in functions/env.ts.
 */

/** SQS's longest visibility timeout (12 hours), the same limit the handler caps its backoff at. */
export const MAX_VISIBILITY_TIMEOUT = Duration.seconds(SQS_MAX_VISIBILITY_SECONDS);

/** Limits of Lambda's SQS event source mapping. */
export const SQS_ESM_LIMITS = {
  /** Largest batch on a standard queue. */
  maxBatchSize: 10_000,
  /** Largest batch on a FIFO queue, and on a standard queue without a batching window. */
  maxBatchSizeWithoutWindow: 10,
  /** Longest batching window. */
  maxBatchingWindow: Duration.minutes(5),
  /** Smallest and largest `maxConcurrency`. */
  minMaxConcurrency: 2,
  maxMaxConcurrency: 1000,
} as const;

/** Limits of a Lambda function. */
export const LAMBDA_LIMITS = {
  /** Longest timeout, seconds (15 minutes). */
  maxTimeoutSeconds: 900,
  /** Memory, MB. */
  minMemorySize: 128,
  maxMemorySize: 10_240,
} as const;
