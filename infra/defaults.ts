import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BATCH_DEFAULTS, ENV_DEFAULTS, POWERTOOLS_DEFAULTS, QUEUE_DEFAULTS } from '../functions/env.js';

/**
 * Named defaults of the infrastructure constructs. Every optional prop that has a value default
 * takes it from here, so the docs, the constructs and the tests (test/infra/defaults.test.ts)
 * share one source.
 */

/** Repository root, found from this file (the project is ESM: no `__dirname`). */
export const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The SEND handler's entry file. */
export const DEFAULT_ENTRY = join(REPO_ROOT, 'functions', 'handlers', 'send.ts');

/** The reconcile handler's entry file. */
export const DEFAULT_RECONCILE_ENTRY = join(REPO_ROOT, 'functions', 'handlers', 'reconcile.ts');

/**
 * The Lambda runtime of every swarm-send function: the newest Node.js runtime the prebuilt
 * handlers are built for (esbuild `target: 'node24'`, `DEFAULT_BUNDLING`) and tested on.
 */
export const DEFAULT_RUNTIME = Runtime.NODEJS_24_X;

/** The handler's exported name. */
export const DEFAULT_HANDLER = 'handler';

const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

/**
 * The nearest lock file at or above `from`: this repository's own, or, when swarm-send is
 * installed as a dependency (under node_modules, where npm ships no lock file), the
 * consuming project's.
 */
export function findLockFile(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = LOCK_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
    if (found) return found;
    if (dirname(dir) === dir) return join(from, 'package-lock.json');
  }
}

/** Lock file that anchors esbuild's project root (never the current directory). */
export const DEPS_LOCK_FILE_PATH = findLockFile(REPO_ROOT);

/** The project esbuild bundles in: the folder of that lock file. */
export const PROJECT_ROOT = dirname(DEPS_LOCK_FILE_PATH);

/** Powertools service name: the `service` dimension of every metric. */
export const DEFAULT_SERVICE_NAME = POWERTOOLS_DEFAULTS.SERVICE_NAME;

/** CloudWatch namespace of the handler's EMF metrics. */
export const DEFAULT_METRICS_NAMESPACE = POWERTOOLS_DEFAULTS.METRICS_NAMESPACE;

/**
 * Function timeout. A SEND streams the whole object from the source to the destination cluster
 * and the feed SEND waits up to its own `timeout` (60 s in DESIGN.md's example), so one minute
 * would be tight; two leaves room for a batch.
 */
export const DEFAULT_FUNCTION_TIMEOUT = Duration.minutes(2);

/** Memory (MB). The work is network-bound: the object never passes through the function. */
export const DEFAULT_MEMORY_SIZE = 256;

/** Retention of the function's log group. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;

/** The handler's own attempt limit (mirrors the handler default). */
export const DEFAULT_MAX_ATTEMPTS = ENV_DEFAULTS.MAX_ATTEMPTS;

/** `maxReceiveCount` = attempts + this margin (why: QUEUE_DEFAULTS in functions/env.ts). */
export const MAX_RECEIVE_COUNT_MARGIN = QUEUE_DEFAULTS.MAX_RECEIVE_COUNT_MARGIN;

/** SENDs in flight per invocation (mirrors the handler default). */
export const DEFAULT_CONCURRENCY = ENV_DEFAULTS.CONCURRENCY;

/** Base of the handler's exponential backoff (mirrors the handler default). */
export const DEFAULT_BACKOFF_BASE = Duration.seconds(ENV_DEFAULTS.BACKOFF_BASE_SECONDS);

/** Cap of the handler's exponential backoff (mirrors the handler default). */
export const DEFAULT_BACKOFF_CAP = Duration.seconds(ENV_DEFAULTS.BACKOFF_CAP_SECONDS);

/** Queue visibility = this factor x function timeout (+ batching window): QUEUE_DEFAULTS in functions/env.ts. */
export const VISIBILITY_TIMEOUT_FACTOR = QUEUE_DEFAULTS.VISIBILITY_TIMEOUT_FACTOR;

/** Messages per invocation on a standard queue (why: BATCH_DEFAULTS in functions/env.ts). */
export const DEFAULT_BATCH_SIZE = BATCH_DEFAULTS.BATCH_SIZE;

/** Messages per invocation on a FIFO queue: Lambda allows at most 10 there. */
export const DEFAULT_FIFO_BATCH_SIZE = BATCH_DEFAULTS.FIFO_BATCH_SIZE;

/**
 * Batching window on a standard queue when the batch size is above 10 (Lambda then requires one
 * of at least 1 s). 1 s keeps the added replication lag at low traffic to a second.
 */
export const DEFAULT_MAX_BATCHING_WINDOW = Duration.seconds(BATCH_DEFAULTS.BATCHING_WINDOW_SECONDS);

/**
 * The batch size and window an event source mapping gets: the caller's values, else the
 * defaults for the queue's type (a window only where a standard queue's batch needs one).
 */
export function resolveBatching(
  fifo: boolean,
  batchSize?: number,
  maxBatchingWindow?: Duration,
): { batchSize: number; maxBatchingWindow: Duration | undefined } {
  const size = batchSize ?? (fifo ? DEFAULT_FIFO_BATCH_SIZE : DEFAULT_BATCH_SIZE);
  const window =
    maxBatchingWindow ?? (!fifo && size > DEFAULT_FIFO_BATCH_SIZE ? DEFAULT_MAX_BATCHING_WINDOW : undefined);
  return { batchSize: size, maxBatchingWindow: window };
}

/**
 * Concurrent invocations the event source mapping may run: caps the load on the source cluster
 * (this x `concurrency` SENDs at most). 2 is the SQS event source mapping's minimum.
 */
export const DEFAULT_MAX_CONCURRENCY = 5;

/** Retention of the SEND queue: as long as SQS allows, so an outage never silently drops work. */
export const DEFAULT_RETENTION_PERIOD = Duration.days(14);

/** Retention of the dead-letter queue (SQS maximum). */
export const DEFAULT_DEAD_LETTER_RETENTION_PERIOD = Duration.seconds(QUEUE_DEFAULTS.DEAD_LETTER_RETENTION_SECONDS);

/** Recovery-point objective: the oldest-message alarm fires beyond it. */
export const DEFAULT_RECOVERY_POINT_OBJECTIVE = Duration.minutes(15);

/** Failure-rate alarm threshold, percent of processed messages ending `failed`. */
export const DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT = 5;

/** Function errors (crashed invocations) per period that raise the alarm. */
export const DEFAULT_FUNCTION_ERRORS_THRESHOLD = 1;

/** Throttled invocations per period that raise the alarm. */
export const DEFAULT_THROTTLES_THRESHOLD = 1;

/** Period of every alarm and dashboard metric. */
export const DEFAULT_ALARM_PERIOD = Duration.minutes(5);

/**
 * Inline registry size limit (characters of JSON). Lambda allows 4 KB of environment in total;
 * the rest is kept for queue URLs and settings. Larger registries go in an SSM parameter.
 */
export const MAX_INLINE_REGISTRY_LENGTH = 3072;

/**
 * esbuild options. ESM output with a `createRequire` banner (some dependencies still call
 * `require` for Node built-ins), minified, with a source map that `NODE_OPTIONS` turns on.
 * The AWS SDK v3 clients are left to the Node.js 24 runtime, which carries them: the bundle is
 * 0.84 MB instead of 1.25 MB (npm run bench). Pass `externalModules: []` to bundle the SDK
 * too and run exactly the version package-lock.json pins (its cold import measured faster, at
 * the cost of the larger bundle).
 */
export const DEFAULT_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['@aws-sdk/*'],
  banner:
    "import { createRequire as __swarmSendCreateRequire } from 'node:module'; const require = __swarmSendCreateRequire(import.meta.url);",
};
