import type { Duration } from 'aws-cdk-lib';
import { ENV, ENV_BOUNDS, ENV_DEFAULTS } from '../../functions/env.js';
import {
  DEFAULT_BACKOFF_BASE,
  DEFAULT_BACKOFF_CAP,
  DEFAULT_CONCURRENCY,
  DEFAULT_FUNCTION_TIMEOUT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MEMORY_SIZE,
  MAX_INLINE_REGISTRY_LENGTH,
  resolveBatching,
} from '../defaults.js';
import { checkInteger } from '../errors.js';
import { LAMBDA_LIMITS, MAX_VISIBILITY_TIMEOUT, SQS_ESM_LIMITS } from '../limits.js';
import { checkRegistry, secretReferences, type CheckedRegistry } from '../registry-config.js';
import { POWERTOOLS_ENV } from './function-parts.js';
import { LONG_RUNNING_TIER_ENV } from './long-running-tier-options.js';
import type { SendFunctionOptions } from './send-function-options.js';

/**
 * Variables the construct owns: they are derived from typed props (and kept consistent with the
 * queues and alarms), so `environment` may not set them.
 */
export const RESERVED_ENVIRONMENT: readonly string[] = [
  ENV.REGISTRY,
  ENV.REGISTRY_FILE,
  ENV.REGISTRY_PARAMETER,
  ENV.DLQ_URL,
  ENV.OUTCOMES_QUEUE_URL,
  ENV.MAX_ATTEMPTS,
  ENV.CONCURRENCY,
  ENV.BACKOFF_BASE_SECONDS,
  ENV.BACKOFF_CAP_SECONDS,
  ENV.EVENT_BUS_NAME,
  ENV.EVENTS_RPO_SECONDS,
  LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL,
  LONG_RUNNING_TIER_ENV.LONG_RUNNING,
  POWERTOOLS_ENV.SERVICE_NAME,
  POWERTOOLS_ENV.METRICS_NAMESPACE,
];

/** The props `SendFunction`'s settings are resolved from: its options (queues and network aside). */
export type SendFunctionSettingsInput = Omit<SendFunctionOptions, 'outcomesQueue'>;

/** A `SendFunction`'s settings: the caller's values, else the defaults, applied once. */
export interface SendFunctionSettings {
  /** Whether the SEND queue is FIFO (it bounds the batch). */
  readonly fifo: boolean;
  readonly batchSize: number;
  /** The batching window, when there is one. */
  readonly maxBatchingWindow: Duration | undefined;
  readonly maxConcurrency: number;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly backoffBase: Duration;
  readonly backoffCap: Duration;
  /** The caller's extra variables (none when not given). */
  readonly environment: Readonly<Record<string, string>>;
  /** The `registry` prop, parsed once. */
  readonly registry: CheckedRegistry;
}

/**
 * Applies the defaults to a SEND function's props (the caller's values win). `registry` is the
 * `registry` prop already checked, when the caller has it (`SwarmSendPipeline` does).
 */
export function resolveSendFunctionSettings(
  props: SendFunctionSettingsInput,
  fifo: boolean,
  registry: CheckedRegistry = checkRegistry(props.registry),
): SendFunctionSettings {
  const batching = resolveBatching(fifo, props.batchSize, props.maxBatchingWindow);
  return {
    fifo,
    batchSize: batching.batchSize,
    maxBatchingWindow: batching.maxBatchingWindow,
    maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    timeout: props.timeout ?? DEFAULT_FUNCTION_TIMEOUT,
    memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
    maxAttempts: props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    concurrency: props.concurrency ?? DEFAULT_CONCURRENCY,
    backoffBase: props.backoffBase ?? DEFAULT_BACKOFF_BASE,
    backoffCap: props.backoffCap ?? DEFAULT_BACKOFF_CAP,
    environment: props.environment ?? {},
    registry,
  };
}

/** Every reason these props cannot work (empty when they can). */
export function sendFunctionProblems(props: SendFunctionSettingsInput, fifo: boolean): string[] {
  return sendFunctionSettingsProblems(props, resolveSendFunctionSettings(props, fifo));
}

/** Every reason resolved settings cannot work (empty when they can). */
export function sendFunctionSettingsProblems(
  props: Pick<SendFunctionOptions, 'secrets' | 'registryParameter'>,
  s: SendFunctionSettings,
): string[] {
  return [...eventSourceProblems(s), ...runtimeProblems(s), ...registryUseProblems(props, s)];
}

/** The event source mapping's limits: batch size, batching window, concurrency. */
function eventSourceProblems(s: SendFunctionSettings): string[] {
  const problems: string[] = [];
  const { fifo, batchSize } = s;
  const window = s.maxBatchingWindow?.toSeconds() ?? 0;
  const small = SQS_ESM_LIMITS.maxBatchSizeWithoutWindow;
  checkInteger(problems, 'batchSize', batchSize, 1, SQS_ESM_LIMITS.maxBatchSize);
  if (fifo && batchSize > small) problems.push(`batchSize (${batchSize}) must be at most ${small} on a FIFO queue`);
  if (fifo && window > 0) problems.push('maxBatchingWindow is not supported on a FIFO queue');
  if (!fifo && batchSize > small && window < 1) {
    problems.push(`batchSize (${batchSize}) above ${small} needs a maxBatchingWindow of at least 1 second`);
  }
  if (window > SQS_ESM_LIMITS.maxBatchingWindow.toSeconds())
    problems.push(`maxBatchingWindow (${window} s) exceeds Lambda's maximum of 300 s`);
  checkInteger(
    problems,
    'maxConcurrency',
    s.maxConcurrency,
    SQS_ESM_LIMITS.minMaxConcurrency,
    SQS_ESM_LIMITS.maxMaxConcurrency,
  );
  return problems;
}

/**
 * The handler's own bounds (its loadConfig enforces the same, so a deployment never fails at cold
 * start) and Lambda's.
 */
function runtimeProblems(s: SendFunctionSettings): string[] {
  const problems: string[] = [];
  checkInteger(problems, 'maxAttempts', s.maxAttempts, ENV_BOUNDS.MAX_ATTEMPTS.min, ENV_BOUNDS.MAX_ATTEMPTS.max);
  checkInteger(problems, 'concurrency', s.concurrency, ENV_BOUNDS.CONCURRENCY.min, ENV_BOUNDS.CONCURRENCY.max);
  checkInteger(problems, 'memorySize', s.memorySize, LAMBDA_LIMITS.minMemorySize, LAMBDA_LIMITS.maxMemorySize);
  const timeout = s.timeout.toSeconds();
  const margin = Number(s.environment[ENV.DEADLINE_MARGIN_MS] ?? ENV_DEFAULTS.DEADLINE_MARGIN_MS);
  if (s.timeout.toMilliseconds() <= margin)
    problems.push(`timeout (${timeout} s) must be longer than the handler's deadline margin (${margin} ms)`);
  if (timeout > LAMBDA_LIMITS.maxTimeoutSeconds)
    problems.push(`timeout (${timeout} s) exceeds Lambda's maximum of 900 s`);
  const base = s.backoffBase.toSeconds();
  const cap = s.backoffCap.toSeconds();
  if (base < 0 || base > cap) problems.push(`backoffBase (${base} s) must be between 0 and backoffCap (${cap} s)`);
  if (cap > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
    problems.push(`backoffCap (${cap} s) exceeds 12 hours, the longest delay SQS's ChangeMessageVisibility allows`);
  }
  const reserved = Object.keys(s.environment).filter((k) => RESERVED_ENVIRONMENT.includes(k));
  if (reserved.length > 0) {
    problems.push(`environment may not set ${reserved.join(', ')}: the construct derives them from its props`);
  }
  return problems;
}

/** The registry's problems, then what the other props must agree with in it. */
function registryUseProblems(
  props: Pick<SendFunctionOptions, 'secrets' | 'registryParameter'>,
  s: SendFunctionSettings,
): string[] {
  const { registry, document, problems: registryIssues } = s.registry;
  if (!registry) return [...registryIssues];
  const problems: string[] = [];
  for (const cluster of Object.values(registry.clusters)) {
    const variable = /^env:(.+)$/.exec(cluster.credentials)?.[1];
    if (variable !== undefined && s.environment[variable] === undefined) {
      problems.push(
        `registry: clusters.${cluster.key}.credentials reads the variable ${variable}, which environment does not set (in Lambda, prefer a Secrets Manager secret)`,
      );
    }
  }
  const refs = secretReferences(registry);
  for (const key of Object.keys(props.secrets ?? {})) {
    if (!refs.includes(key)) problems.push(`secrets.${key} is not the credentials of any cluster in the registry`);
  }
  const length = JSON.stringify(document).length;
  if (!props.registryParameter && length > MAX_INLINE_REGISTRY_LENGTH) {
    problems.push(
      `the registry is ${length} characters of JSON, more than the ${MAX_INLINE_REGISTRY_LENGTH} that fit in Lambda's 4 KB environment; pass registryParameter`,
    );
  }
  return problems;
}
