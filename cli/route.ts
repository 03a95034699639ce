import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import { type CredentialsProvider } from '../functions/worker/ports.js';
import { loadRegistry } from '../functions/config.js';
import { ConfigError } from '../functions/core/errors.js';
import { configuredRoutes, defaultRoutesOf, type Registry } from '../functions/core/registry/registry.js';
import { ENV } from '../functions/env.js';
import { replicationFeedsOf, type ReconcileRoute } from '../functions/reconcile/ports.js';
import { ssmParameterReader } from './aws.js';
import type { CommandIo } from './command.js';
import { idListFlag, stringFlag, type FlagValues } from './flags.js';
import { REGISTRY_HELP, registrySource } from './registry-flags.js';

/** Flags of the commands that compare two clusters of the registry. */
export const ROUTE_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  registry: { type: 'string' },
  'feed-id': { type: 'string', multiple: true },
} as const;

export const ROUTE_HELP = `  --from KEY               source cluster (registry key; default: the registry's defaultRoute)
  --to KEY                 DR cluster (registry key; default: the registry's defaultRoute);
                           KEY,KEY compares the source with each of several DR clusters and
                           reports each (default: every target of a defaultRoute that has several)
${REGISTRY_HELP}
  --feed-id N              replication feed on the source for forced re-sends (repeatable;
                           default: the route's replicationFeeds)`;

const regionOf = (io: CommandIo) => io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';

/** Resolves the registry's credentials references as the handler does (AWS only for a Secrets Manager name). */
export function registryCredentials(io: CommandIo): CredentialsProvider {
  return createCredentialsProvider({ env: io.env, secretsManager: new SecretsManagerClient({ region: regionOf(io) }) });
}

/**
 * The registry, read as the worker reads it (--registry FILE, else SWARM_SEND_REGISTRY, _FILE or
 * _PARAMETER; CA files included), and how errors name it. A registry that cannot be read, is
 * not JSON or has problems is one configuration error listing them all (exit 2).
 */
export async function readRegistry(values: FlagValues, io: CommandIo): Promise<{ registry: Registry; what: string }> {
  const source = registrySource(values, io.env);
  const problems: string[] = [];
  const registry = await loadRegistry(source.env, { getParameter: ssmParameterReader(io.env, regionOf(io)) }, problems);
  const what = `cluster registry ${source.origin}`;
  if (!registry)
    throw new ConfigError(
      problems.map((p) => p.replace(`${ENV.REGISTRY_FILE}: `, '')),
      what,
    );
  return { registry, what };
}

/**
 * The DR clusters to compare with: `--to` (one key, or several separated by commas), else every
 * target of the default route (several when it has several: docs/fan-out.md).
 */
function destinationKeys(registry: Registry, values: FlagValues): readonly (string | undefined)[] {
  const flag = stringFlag(values, 'to');
  if (flag !== undefined) return flag.split(',').map((k) => k.trim());
  const defaults = defaultRoutesOf(registry);
  return defaults.length ? defaults.map((r) => r.to) : [undefined];
}

/**
 * What the routes need of the registry: a source and one or more DR clusters, all different and
 * with nodes to list. Every problem, at once.
 */
function routeProblems(registry: Registry, values: FlagValues): { from?: string; to: string[]; problems: string[] } {
  const problems: string[] = [];
  const keys = Object.keys(registry.clusters);
  if (keys.length === 0) problems.push('clusters: none (a route needs a source and a DR cluster)');
  const has = keys.length ? ` (the registry has ${keys.map((k) => `"${k}"`).join(', ')})` : '';
  const pick = (side: 'from' | 'to', key: string | undefined) => {
    const flag = stringFlag(values, side);
    if (key === undefined)
      problems.push(
        `no ${side === 'from' ? 'source' : 'DR'} cluster: give --${side} KEY, or a defaultRoute in the registry`,
      );
    else if (!registry.clusters[key])
      problems.push(`${flag ? `--${side}` : `defaultRoute.${side}`}: no cluster "${key}"${has}`);
    else if (registry.clusters[key].nodes.length === 0)
      problems.push(`clusters.${key}.nodes: none (check and reconcile HEAD and list both clusters on their nodes)`);
    return key;
  };
  const from = pick('from', stringFlag(values, 'from') ?? registry.defaultRoute?.from);
  const to = destinationKeys(registry, values).map((key) => pick('to', key));
  for (const key of to)
    if (from !== undefined && from === key) problems.push(`the source and the DR cluster are both "${from}"`);
  if (new Set(to).size !== to.length) problems.push('--to: a DR cluster is named twice');
  return { from, to: to.filter((k) => k !== undefined), problems };
}

/**
 * Reads the registry (readRegistry), picks the source and the DR clusters (one route per DR
 * cluster, in the order given) and resolves their credentials (Secrets Manager, env: or file:
 * references, as the handler does). Whatever is wrong with the routes is one configuration
 * error listing every problem (exit 2).
 */
export async function loadRoutes(values: FlagValues, io: CommandIo): Promise<ReconcileRoute[]> {
  const { registry, what } = await readRegistry(values, io);
  const { from, to: destinations, problems: routeIssues } = routeProblems(registry, values);
  if (routeIssues.length || from === undefined || destinations.length === 0) throw new ConfigError(routeIssues, what);
  const feedFlags = idListFlag(values, 'feed-id', 'a number');
  const configured = configuredRoutes(registry);
  const src = registry.clusters[from]!;
  const provider = registryCredentials(io);
  const sourceCredentials = await provider.get(src.credentials);
  return Promise.all(
    destinations.map(async (to) => {
      const route = configured.find((r) => r.from === from && r.to === to) ?? null;
      const dr = registry.clusters[to]!;
      return {
        source: src,
        dr,
        sourceCredentials,
        drCredentials: await provider.get(dr.credentials),
        from,
        to,
        replicationFeeds: feedFlags.length ? feedFlags : replicationFeedsOf(route),
        ...(route && { unprovenIdentity: route.unprovenIdentity, replaceStale: route.replaceStale }),
      };
    }),
  );
}
