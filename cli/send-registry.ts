import { InvalidMessageError, ConfigError } from '../functions/core/errors.js';
import { resolveRoute } from '../functions/core/registry/registry.js';
import { UsageError, type CommandIo } from './command.js';
import { numberFlag, stringFlag, type FlagValues } from './flags.js';
import { parseObjectArgument } from './object-arg.js';
import { registryCredentials, readRegistry } from './route.js';
import { feedsOf, type SendCommand } from './send-flags.js';

/** What the registry says instead, when `send` reads one: these flags would contradict it. */
const FROM_THE_REGISTRY = ['source', 'cluster', 'target', 'network', 'ca', 'user', 'password', 'remote-auth'];

/**
 * `swarm-send send <object> --registry FILE [--from KEY --to KEY]`: the SEND a message naming that
 * object and route would make. The route must be one the registry configures (its defaultRoute
 * when --from/--to are left out); nodes, networks, CA, cluster name, target, credentials
 * (references resolved as the handler does) and replication feeds all come from the registry.
 */
export async function readRegistrySendRequest(
  values: FlagValues,
  objectArg: string,
  io: CommandIo,
): Promise<SendCommand> {
  const clash = FROM_THE_REGISTRY.filter((f) => values[f] !== undefined);
  if (clash.length)
    throw new UsageError(
      `${clash.map((f) => `--${f}`).join(', ')}: with a registry, the route comes from it (give one or the other)`,
    );
  const timeoutSeconds = numberFlag(values, 'timeout', 120, { positive: true });
  const { registry, what } = await readRegistry(values, io);
  const from = stringFlag(values, 'from') ?? registry.defaultRoute?.from;
  const to = stringFlag(values, 'to') ?? registry.defaultRoute?.to;
  let route;
  try {
    route = resolveRoute(registry, from, to);
  } catch (err) {
    if (err instanceof InvalidMessageError) throw new ConfigError(err.problems, what);
    throw err;
  }
  const object = parseObjectArgument(objectArg, stringFlag(values, 'domain') ?? '', values.alias === true);
  const { feeds, replicationFeeds } = feedsOf(values, timeoutSeconds, route);
  const provider = registryCredentials(io);
  const [credentials, destinationCredentials] = await Promise.all([
    provider.get(route.source.credentials),
    provider.get(route.destination.credentials),
  ]);
  return {
    input: {
      source: route.source,
      destination: route.destination,
      credentials,
      destinationCredentials,
      object,
      feeds,
      replicationFeeds,
    },
    timeoutSeconds,
    route: { from: from!, to: to! },
  };
}
