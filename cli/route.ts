import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import { ConfigError } from '../functions/core/errors.js';
import { parseRegistry } from '../functions/core/registry.js';
import { ENV } from '../functions/env.js';
import { replicationFeedsOf, type ReconcileRoute } from '../functions/reconcile/ports.js';
import { UsageError, type CommandIo } from './command.js';
import { idListFlag, type FlagValues } from './flags.js';

/** Flags of the commands that compare two clusters of the registry. */
export const ROUTE_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  registry: { type: 'string' },
  'feed-id': { type: 'string', multiple: true },
} as const;

export const ROUTE_HELP = `  --from KEY               source cluster (registry key; default: the registry's defaultRoute)
  --to KEY                 DR cluster (registry key; default: the registry's defaultRoute)
  --registry FILE          the cluster registry JSON (default: $${ENV.REGISTRY_FILE})
  --feed-id N              replication feed on the source for forced re-sends (repeatable;
                           default: the route's replicationFeeds)`;

/**
 * Reads the registry file, picks the two clusters and resolves their credentials (Secrets
 * Manager, env: or file: references, as the handler does).
 */
export async function loadRoute(values: FlagValues, io: CommandIo): Promise<ReconcileRoute> {
  const file = (values.registry as string | undefined) ?? io.env[ENV.REGISTRY_FILE];
  if (!file) throw new UsageError(`--registry FILE is required (or set ${ENV.REGISTRY_FILE})`);
  let registry;
  try {
    registry = parseRegistry(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    // A registry with problems is a configuration error (main prints each problem; exit 2).
    if (err instanceof ConfigError) throw new ConfigError(err.problems, `cluster registry ${file} (--registry)`);
    throw new UsageError(
      `--registry: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const from = (values.from as string | undefined) ?? registry.defaultRoute?.from;
  const to = (values.to as string | undefined) ?? registry.defaultRoute?.to;
  if (!from || !to) throw new UsageError('--from and --to are required (the registry has no defaultRoute)');
  const source = registry.clusters[from];
  const dr = registry.clusters[to];
  if (!source) throw new UsageError(`--from: no cluster "${from}" in the registry`);
  if (!dr) throw new UsageError(`--to: no cluster "${to}" in the registry`);
  if (from === to) throw new UsageError('--from and --to name the same cluster');
  if (source.nodes.length === 0 || dr.nodes.length === 0)
    throw new UsageError('both clusters need nodes in the registry to be listed');
  const feedFlags = idListFlag(values, 'feed-id', 'a number');
  const route =
    registry.routes.find((r) => r.from === from && r.to === to) ??
    (registry.defaultRoute?.from === from && registry.defaultRoute.to === to ? registry.defaultRoute : null);
  const region = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // The client only talks to AWS when a reference names a secret (not env: or file:).
  const provider = createCredentialsProvider({ env: io.env, secretsManager: new SecretsManagerClient({ region }) });
  const [sourceCredentials, drCredentials] = await Promise.all([
    provider.get(source.credentials),
    provider.get(dr.credentials),
  ]);
  return {
    source,
    dr,
    sourceCredentials,
    drCredentials,
    from,
    to,
    replicationFeeds: feedFlags.length ? feedFlags : replicationFeedsOf(route),
  };
}
