import './core/message/zod-locale.js';
import * as z from 'zod/mini';
import { envNumber, loadRegistry, type ConfigSources } from './config.js';
import { ConfigError } from './core/errors.js';
import type { Registry } from './core/registry/registry.js';
import { ENV, ENV_BOUNDS, ENV_DEFAULTS, RECONCILE_ENV, RECONCILE_ENV_BOUNDS, RECONCILE_ENV_DEFAULTS } from './env.js';

const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const BUCKET = /^[A-Za-z0-9_.-]+$/;

/**
 * What one scheduled reconcile covers in a domain: the named objects of the listed buckets (every
 * bucket the source lists when `buckets` is absent; none when it is empty), and the domain's
 * unnamed objects when `unnamed` is set.
 */
export const reconcileScopeSchema = z.strictObject({
  domain: z.string().check(z.minLength(1), z.maxLength(253), z.regex(DOMAIN, 'must be a domain name')),
  buckets: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(255), z.regex(BUCKET, 'must be a bucket name'))),
  ),
  unnamed: z.optional(z.boolean()),
});

export type ReconcileScopeConfig = z.infer<typeof reconcileScopeSchema>;

const scopesSchema = z.array(reconcileScopeSchema).check(z.minLength(1));

export const REPAIR_MODES = ['enqueue', 'report'] as const;
export type RepairMode = (typeof REPAIR_MODES)[number];

/** Every problem with a list of scopes (empty when it is valid). */
export function reconcileScopesProblems(scopes: unknown): string[] {
  const parsed = scopesSchema.safeParse(scopes);
  if (parsed.success) {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const s of parsed.data) {
      if (seen.has(s.domain))
        problems.push(`scopes: domain ${s.domain} is listed twice (merge its buckets into one scope)`);
      seen.add(s.domain);
      if (s.buckets?.length === 0 && !s.unnamed)
        problems.push(`scopes: domain ${s.domain} covers nothing (no buckets and not unnamed)`);
    }
    return problems;
  }
  return parsed.error.issues
    .slice(0, 10)
    .map((i) => `scopes${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
}

/** The reconcile function's configuration, read once per container. */
export interface ReconcileConfig {
  readonly registry: Registry;
  readonly from: string;
  readonly to: string;
  readonly scopes: readonly ReconcileScopeConfig[];
  readonly reconcileQueueUrl: string;
  readonly sendQueueUrl: string | null;
  readonly repair: RepairMode;
  readonly graceMs: number;
  readonly pageSize: number;
  readonly marginMs: number;
  readonly concurrencyPerNode: number;
}

const QUEUE_URL = /^https?:\/\//;

function readScopes(env: Record<string, string | undefined>, problems: string[]): ReconcileScopeConfig[] {
  try {
    const json: unknown = JSON.parse(env[RECONCILE_ENV.SCOPES] ?? '');
    const scopeProblems = reconcileScopesProblems(json);
    if (!scopeProblems.length) return json as ReconcileScopeConfig[];
    problems.push(...scopeProblems.map((p) => `${RECONCILE_ENV.SCOPES}: ${p}`));
  } catch {
    problems.push(`${RECONCILE_ENV.SCOPES} must be a JSON array of scopes`);
  }
  return [];
}

function readQueues(env: Record<string, string | undefined>, problems: string[]) {
  const reconcileQueueUrl = env[RECONCILE_ENV.QUEUE_URL] ?? '';
  if (!QUEUE_URL.test(reconcileQueueUrl)) problems.push(`${RECONCILE_ENV.QUEUE_URL} must be the reconcile queue URL`);
  const repair = (env[RECONCILE_ENV.REPAIR] || RECONCILE_ENV_DEFAULTS.REPAIR) as RepairMode;
  if (!REPAIR_MODES.includes(repair))
    problems.push(`${RECONCILE_ENV.REPAIR} must be one of ${REPAIR_MODES.join(', ')}`);
  const sendQueueUrl = env[RECONCILE_ENV.SEND_QUEUE_URL] || null;
  if (sendQueueUrl !== null && !QUEUE_URL.test(sendQueueUrl))
    problems.push(`${RECONCILE_ENV.SEND_QUEUE_URL} must be a queue URL`);
  if (repair === 'enqueue' && sendQueueUrl === null)
    problems.push(`repair mode enqueue needs ${RECONCILE_ENV.SEND_QUEUE_URL}`);
  return { reconcileQueueUrl, repair, sendQueueUrl };
}

function readRoute(env: Record<string, string | undefined>, registry: Registry | null, problems: string[]) {
  const from = env[RECONCILE_ENV.FROM] || registry?.defaultRoute?.from || '';
  const to = env[RECONCILE_ENV.TO] || registry?.defaultRoute?.to || '';
  if (registry) {
    for (const [name, key] of [
      [RECONCILE_ENV.FROM, from],
      [RECONCILE_ENV.TO, to],
    ] as const) {
      if (!key) problems.push(`${name} is not set and the registry has no defaultRoute`);
      else if (!registry.clusters[key]) problems.push(`${name}: "${key}" is not a cluster of the registry`);
    }
    if (from && from === to) problems.push(`${RECONCILE_ENV.FROM} and ${RECONCILE_ENV.TO} name the same cluster`);
  }
  return { from, to };
}

/**
 * Reads the reconcile function's environment (`RECONCILE_ENV` and the registry variables of
 * `ENV`). Every problem is collected and thrown as one `ConfigError`.
 */
export async function loadReconcileConfig(
  env: Record<string, string | undefined>,
  sources: ConfigSources = {},
): Promise<ReconcileConfig> {
  const problems: string[] = [];
  const registry = await loadRegistry(env, sources, problems);

  const scopes = readScopes(env, problems);
  const { reconcileQueueUrl, repair, sendQueueUrl } = readQueues(env, problems);
  const { from, to } = readRoute(env, registry, problems);

  const bounded = (name: 'GRACE_SECONDS' | 'PAGE_SIZE' | 'MARGIN_MS') =>
    envNumber(
      env,
      RECONCILE_ENV[name],
      RECONCILE_ENV_DEFAULTS[name],
      problems,
      RECONCILE_ENV_BOUNDS[name].min,
      RECONCILE_ENV_BOUNDS[name].max,
    );
  const graceSeconds = bounded('GRACE_SECONDS');
  const pageSize = bounded('PAGE_SIZE');
  const marginMs = bounded('MARGIN_MS');
  const perNode = ENV_BOUNDS.CONCURRENCY_PER_NODE;
  const concurrencyPerNode = envNumber(
    env,
    ENV.CONCURRENCY_PER_NODE,
    ENV_DEFAULTS.CONCURRENCY_PER_NODE,
    problems,
    perNode.min,
    perNode.max,
  );

  if (problems.length || !registry) throw new ConfigError(problems, 'swarm-send reconcile configuration');
  return Object.freeze({
    registry,
    from,
    to,
    scopes,
    reconcileQueueUrl,
    sendQueueUrl,
    repair,
    graceMs: graceSeconds * 1000,
    pageSize: Math.trunc(pageSize),
    marginMs,
    concurrencyPerNode,
  });
}
