import { Duration, Token } from 'aws-cdk-lib';
import { RECONCILE_ENV_BOUNDS, RECONCILE_ENV_DEFAULTS } from '../../functions/env.js';
import { reconcileScopesProblems, type RepairMode } from '../../functions/reconcile-config.js';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { checkInteger } from '../errors.js';
import { LAMBDA_LIMITS, SQS_ESM_LIMITS } from '../limits.js';
import { checkRegistry, type CheckedRegistry } from '../registry-config.js';
import { RECONCILE_DEFAULTS, type ReconcileOptions, type ReconcileScheduleProps } from './reconcile-options.js';

/** Longest scopes JSON: Lambda's environment holds 4 KB, the registry may take 3 KB of it. */
export const MAX_SCOPES_LENGTH = 768;

/** The period a `rate()` expression fires at, or undefined for cron/at expressions. */
export function rateOf(schedule: ScheduleExpression): Duration | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2]!.startsWith('minute')
    ? Duration.minutes(n)
    : m[2]!.startsWith('hour')
      ? Duration.hours(n)
      : Duration.days(n);
}

/** What `reconcileProblems` and the settings are resolved from. */
export type ReconcileSettingsInput = ReconcileOptions & Pick<ReconcileScheduleProps, 'registry'>;

/** A `ReconcileSchedule`'s settings: the caller's values, else the defaults, applied once. */
export interface ReconcileSettings {
  /** The divergence alarm's period; undefined when it can be neither given nor read (a problem). */
  readonly interval: Duration | undefined;
  readonly grace: Duration;
  readonly repair: RepairMode;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly maxConcurrency: number;
  readonly pageSize: number;
  /** The `registry` prop, parsed once. */
  readonly registry: CheckedRegistry;
}

/**
 * Applies the defaults to the reconcile options (the caller's values win). `registry` is the
 * `registry` prop already checked, when the caller has it (`SwarmSendPipeline` does).
 */
export function resolveReconcileSettings(
  props: ReconcileSettingsInput,
  registry: CheckedRegistry = checkRegistry(props.registry),
): ReconcileSettings {
  return {
    interval: props.interval ?? rateOf(props.schedule),
    grace: props.grace ?? RECONCILE_DEFAULTS.grace,
    repair: props.repair ?? RECONCILE_DEFAULTS.repair,
    timeout: props.timeout ?? RECONCILE_DEFAULTS.timeout,
    memorySize: props.memorySize ?? RECONCILE_DEFAULTS.memorySize,
    maxConcurrency: props.maxConcurrency ?? RECONCILE_DEFAULTS.maxConcurrency,
    pageSize: props.pageSize ?? RECONCILE_ENV_DEFAULTS.PAGE_SIZE,
    registry,
  };
}

/** Every reason these options cannot work (empty when they can). */
export function reconcileProblems(props: ReconcileSettingsInput): string[] {
  return reconcileSettingsProblems(props, resolveReconcileSettings(props));
}

/**
 * Every reason resolved settings cannot work (empty when they can). The registry's own problems are
 * the SEND function's to report.
 */
export function reconcileSettingsProblems(props: ReconcileSettingsInput, s: ReconcileSettings): string[] {
  const problems = reconcileScopesProblems(props.scopes).map((p) => `reconcile.${p}`);
  problems.push(...intervalProblems(props.schedule, s.interval));
  const scopesLength = JSON.stringify(props.scopes).length;
  if (scopesLength > MAX_SCOPES_LENGTH) {
    problems.push(
      `reconcile.scopes is ${scopesLength} characters of JSON, more than the ${MAX_SCOPES_LENGTH} that fit beside the registry in Lambda's 4 KB environment; leave out buckets to reconcile every bucket of a domain`,
    );
  }
  problems.push(...runtimeProblems(s), ...routeProblems(props, s.registry));
  return problems;
}

/**
 * CloudWatch: periods are multiples of 60 s; two of them may span at most 1 day under an hour's
 * period, and 7 days otherwise.
 */
function intervalProblems(schedule: ScheduleExpression, interval: Duration | undefined): string[] {
  if (!interval)
    return [
      `reconcile.interval is required when the schedule is not a rate() expression (got ${schedule.expressionString})`,
    ];
  if (Token.isUnresolved(interval.toSeconds())) return [];
  const s = interval.toSeconds();
  if (s % 60 !== 0 || s < 60) return [`reconcile.interval (${s} s) must be a whole number of minutes`];
  if (2 * s > (s < 3600 ? 86_400 : 604_800))
    return [`reconcile.interval (${s} s) is too long for a two-run CloudWatch alarm (at most 3.5 days)`];
  return [];
}

/** Lambda's limits, the event source's, and the reconcile function's own bounds. */
function runtimeProblems(s: ReconcileSettings): string[] {
  const problems: string[] = [];
  const timeout = s.timeout.toSeconds();
  const margin = RECONCILE_ENV_DEFAULTS.MARGIN_MS;
  if (timeout > LAMBDA_LIMITS.maxTimeoutSeconds)
    problems.push(`reconcile.timeout (${timeout} s) exceeds Lambda's maximum of 900 s`);
  if (s.timeout.toMilliseconds() <= 2 * margin)
    problems.push(
      `reconcile.timeout (${timeout} s) leaves no time to work after the ${margin} ms kept to save the continuation`,
    );
  checkInteger(
    problems,
    'reconcile.memorySize',
    s.memorySize,
    LAMBDA_LIMITS.minMemorySize,
    LAMBDA_LIMITS.maxMemorySize,
  );
  checkInteger(
    problems,
    'reconcile.maxConcurrency',
    s.maxConcurrency,
    SQS_ESM_LIMITS.minMaxConcurrency,
    SQS_ESM_LIMITS.maxMaxConcurrency,
  );
  checkInteger(
    problems,
    'reconcile.pageSize',
    s.pageSize,
    RECONCILE_ENV_BOUNDS.PAGE_SIZE.min,
    RECONCILE_ENV_BOUNDS.PAGE_SIZE.max,
  );
  const grace = s.grace.toSeconds();
  if (grace < RECONCILE_ENV_BOUNDS.GRACE_SECONDS.min || grace > RECONCILE_ENV_BOUNDS.GRACE_SECONDS.max)
    problems.push(`reconcile.grace (${grace} s) must be from 0 to 30 days`);
  return problems;
}

/** The source and DR clusters must be two clusters of a valid registry. */
function routeProblems(props: Pick<ReconcileOptions, 'from' | 'to'>, checked: CheckedRegistry): string[] {
  const { registry } = checked;
  if (!registry) return [];
  const problems: string[] = [];
  const from = props.from ?? registry.defaultRoute?.from;
  const to = props.to ?? registry.defaultRoute?.to;
  for (const [name, key] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!key) problems.push(`reconcile.${name} is required: the registry has no defaultRoute`);
    else if (!registry.clusters[key]) problems.push(`reconcile.${name} ("${key}") is not a cluster of the registry`);
  }
  if (from && from === to) problems.push('reconcile.from and reconcile.to name the same cluster');
  return problems;
}
