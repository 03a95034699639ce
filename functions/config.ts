import { readFile } from 'node:fs/promises';
import { ConfigError } from './core/errors.js';
import { configuredRoutes, parseRegistry, type Registry } from './core/registry/registry.js';
import { ENV, ENV_BOUNDS, ENV_DEFAULTS, EVENTS_ON_FAILURE, type EventsOnFailure } from './env.js';

/** The handler's configuration, read and validated once per container. */
export interface Config {
  readonly registry: Registry;
  readonly dlqUrl: string;
  readonly outcomesQueueUrl: string | null;
  /** Outcome events (docs/events.md); null: none. */
  readonly events?: EventsConfig | null;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly concurrencyPerNode: number;
  readonly backoffBaseSeconds: number;
  readonly backoffCapSeconds: number;
  readonly deadlineMarginMs: number;
  /**
   * The straggler policy as configured (functions/worker/stragglers.ts); what it leaves out the
   * worker takes from DEFAULT_STRAGGLER_POLICY.
   */
  readonly stragglers?: Partial<StragglerOptions>;
  /** SWARM_SEND_LARGE_OBJECT_QUEUE_URL: where `via: "long-running-tier"` moves large objects; absent: none. */
  readonly largeObjectQueueUrl?: string | null;
  /** SWARM_SEND_LONG_RUNNING: this worker is the long-running tier (every object fits). */
  readonly longRunning?: boolean;
}

/** Where and how outcome events are published (docs/events.md). */
export interface EventsConfig {
  readonly busName: string;
  /** Null: no `Replication Missed Threshold` events. */
  readonly rpoSeconds: number | null;
  readonly onFailure: EventsOnFailure;
}

/** The events configuration of SWARM_SEND_EVENT_BUS_NAME and its companions; adds what is wrong to `problems`. */
export function loadEventsConfig(env: Record<string, string | undefined>, problems: string[]): EventsConfig | null {
  const busName = env[ENV.EVENT_BUS_NAME] || null;
  const onFailure = env[ENV.EVENTS_ON_FAILURE] || 'best-effort';
  if (!(EVENTS_ON_FAILURE as readonly string[]).includes(onFailure))
    problems.push(`${ENV.EVENTS_ON_FAILURE} must be ${EVENTS_ON_FAILURE.join(' or ')} (got "${onFailure}")`);
  const { min, max } = ENV_BOUNDS.EVENTS_RPO_SECONDS;
  const rpo = env[ENV.EVENTS_RPO_SECONDS] ? envNumber(env, ENV.EVENTS_RPO_SECONDS, 0, problems, min, max) : null;
  if (!busName) {
    if (env[ENV.EVENTS_RPO_SECONDS]) problems.push(`${ENV.EVENTS_RPO_SECONDS} needs ${ENV.EVENT_BUS_NAME}`);
    return null;
  }
  return { busName, rpoSeconds: rpo, onFailure: onFailure as EventsOnFailure };
}

/** The large-object settings (docs/large-objects.md); adds what is wrong to `problems`. */
export function loadLargeObjectConfig(
  env: Record<string, string | undefined>,
  registry: Registry | null,
  problems: string[],
): { largeObjectQueueUrl: string | null; longRunning: boolean } {
  const largeObjectQueueUrl = env[ENV.LARGE_OBJECT_QUEUE_URL] || null;
  if (largeObjectQueueUrl !== null && !/^https?:\/\//.test(largeObjectQueueUrl))
    problems.push(`${ENV.LARGE_OBJECT_QUEUE_URL} must be a queue URL`);
  const longRunning = env[ENV.LONG_RUNNING] ?? '';
  if (!['', 'true', 'false'].includes(longRunning))
    problems.push(`${ENV.LONG_RUNNING} must be true or false (got "${longRunning}")`);
  // The long-running tier itself copies every object: it never moves one on.
  if (largeObjectQueueUrl === null && longRunning !== 'true')
    for (const r of registry ? configuredRoutes(registry) : [])
      if (r.largeObjects?.via === 'long-running-tier')
        problems.push(
          `${ENV.LARGE_OBJECT_QUEUE_URL} is required: route ${r.from}->${r.to} moves large objects to the long-running tier (largeObjects.via)`,
        );
  return { largeObjectQueueUrl, longRunning: longRunning === 'true' };
}

/** When a batch stops waiting for its slowest SENDs (functions/worker/stragglers.ts). */
export interface StragglerOptions {
  /** Hand back at all. */
  readonly enabled: boolean;
  /** Tail: no SEND waits for a slot and at most this share of the slots is busy. */
  readonly tailShare: number;
  /** A SEND is a straggler after max(minMs, factor x the batch's median SEND time so far). */
  readonly factor: number;
  readonly minMs: number;
}

/** How the loader reaches outside: injected so tests and local runs need no AWS. */
export interface ConfigSources {
  /** Reads an SSM parameter (decrypted). Required only when SWARM_SEND_REGISTRY_PARAMETER is set. */
  readonly getParameter?: (name: string) => Promise<string>;
  readonly readTextFile?: (path: string) => Promise<string>;
}

export function envNumber(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  problems: string[],
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    problems.push(`${name}: "${raw}" must be a number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/**
 * What JSON.parse found wrong, with where when it says (line and column), without the text
 * around it that V8 quotes: the file may not be the registry at all, and its content stays out
 * of errors and logs.
 */
export function jsonSyntaxProblem(err: Error): string {
  return err.message
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ (?:in JSON )?at position \d+ \(line (\d+) column (\d+)\)/, ' at line $1, column $2');
}

/**
 * Reads the registry from whichever of SWARM_SEND_REGISTRY, _FILE or _PARAMETER is set, with the
 * CA bundles its clusters name; adds what is wrong to `problems` (then returns null).
 */
export async function loadRegistry(
  env: Record<string, string | undefined>,
  sources: ConfigSources,
  problems: string[],
): Promise<Registry | null> {
  const readText = sources.readTextFile ?? ((p: string) => readFile(p, 'utf8'));
  const given = [ENV.REGISTRY, ENV.REGISTRY_FILE, ENV.REGISTRY_PARAMETER].filter((k) => env[k]);
  let registryText: string | null = null;
  if (given.length !== 1) {
    problems.push(
      `set exactly one of ${ENV.REGISTRY}, ${ENV.REGISTRY_FILE}, ${ENV.REGISTRY_PARAMETER} (found ${given.length ? given.join(', ') : 'none'})`,
    );
  } else if (env[ENV.REGISTRY]) {
    registryText = env[ENV.REGISTRY]!;
  } else if (env[ENV.REGISTRY_FILE]) {
    try {
      registryText = await readText(env[ENV.REGISTRY_FILE]!);
    } catch (err) {
      problems.push(
        `${ENV.REGISTRY_FILE}: cannot read ${env[ENV.REGISTRY_FILE]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  } else if (!sources.getParameter) {
    problems.push(`${ENV.REGISTRY_PARAMETER} is set but no SSM client was given`);
  } else {
    try {
      registryText = await sources.getParameter(env[ENV.REGISTRY_PARAMETER]!);
    } catch (err) {
      problems.push(
        `${ENV.REGISTRY_PARAMETER}: cannot read parameter ${env[ENV.REGISTRY_PARAMETER]}: ${(err as Error).name}: ${(err as Error).message}`,
      );
    }
  }

  let registry: Registry | null = null;
  if (registryText !== null) {
    try {
      registry = parseRegistry(JSON.parse(registryText));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems.map((p) => `registry: ${p}`));
      else problems.push(`registry: not JSON: ${jsonSyntaxProblem(err as Error)}`);
    }
  }
  if (registry) {
    for (const cluster of Object.values(registry.clusters)) {
      if (!cluster.caFile) continue;
      try {
        const ca = await readText(cluster.caFile);
        (cluster as { ca: string | null }).ca = ca;
      } catch (err) {
        problems.push(
          `registry: clusters.${cluster.key}.caFile: cannot read ${cluster.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
  }
  return registry;
}

/**
 * Reads the environment (DESIGN.md section 2) into a `Config`. Every problem is collected and
 * thrown as one `ConfigError`, so a broken deployment says everything that is wrong at once.
 * CA bundles named by `caFile` are read here, so the core never touches the file system.
 */
export async function loadConfig(
  env: Record<string, string | undefined>,
  sources: ConfigSources = {},
): Promise<Config> {
  const problems: string[] = [];
  const registry = await loadRegistry(env, sources, problems);

  const dlqUrl = env[ENV.DLQ_URL] ?? '';
  if (!/^https?:\/\//.test(dlqUrl))
    problems.push(`${ENV.DLQ_URL} must be the dead-letter queue URL (got ${dlqUrl ? `"${dlqUrl}"` : 'nothing'})`);
  const outcomes = env[ENV.OUTCOMES_QUEUE_URL] || null;
  if (outcomes !== null && !/^https?:\/\//.test(outcomes))
    problems.push(`${ENV.OUTCOMES_QUEUE_URL} must be a queue URL`);

  const events = loadEventsConfig(env, problems);

  const bounded = (name: keyof typeof ENV_DEFAULTS, bounds: { min: number; max: number }) =>
    envNumber(env, ENV[name], ENV_DEFAULTS[name], problems, bounds.min, bounds.max);
  const maxAttempts = bounded('MAX_ATTEMPTS', ENV_BOUNDS.MAX_ATTEMPTS);
  const concurrency = bounded('CONCURRENCY', ENV_BOUNDS.CONCURRENCY);
  const concurrencyPerNode = bounded('CONCURRENCY_PER_NODE', ENV_BOUNDS.CONCURRENCY_PER_NODE);
  const backoffBaseSeconds = bounded('BACKOFF_BASE_SECONDS', ENV_BOUNDS.BACKOFF_SECONDS);
  const backoffCapSeconds = bounded('BACKOFF_CAP_SECONDS', ENV_BOUNDS.BACKOFF_SECONDS);
  const deadlineMarginMs = bounded('DEADLINE_MARGIN_MS', ENV_BOUNDS.DEADLINE_MARGIN_MS);
  const handBack = env[ENV.HAND_BACK_STRAGGLERS] ?? '';
  if (!['', 'true', 'false'].includes(handBack))
    problems.push(`${ENV.HAND_BACK_STRAGGLERS} must be true or false (got "${handBack}")`);
  if (backoffCapSeconds < backoffBaseSeconds)
    problems.push(`${ENV.BACKOFF_CAP_SECONDS} must not be below ${ENV.BACKOFF_BASE_SECONDS}`);
  const largeObjects = loadLargeObjectConfig(env, registry, problems);

  if (problems.length || !registry) throw new ConfigError(problems, 'swarm-send configuration');
  return Object.freeze({
    registry,
    dlqUrl,
    outcomesQueueUrl: outcomes,
    events,
    maxAttempts,
    concurrency,
    concurrencyPerNode,
    backoffBaseSeconds,
    backoffCapSeconds,
    deadlineMarginMs,
    stragglers: { enabled: handBack !== 'false' },
    ...largeObjects,
  });
}
