import { readFileSync } from 'node:fs';
import type { Credentials } from '../functions/core/transport/digest-auth.js';
import { InvalidMessageError } from '../functions/core/errors.js';
import { FEED_TYPES, type FeedSelection, type FeedType } from '../functions/core/message/message.js';
import { parseCidr, type Cidr } from '../functions/core/transport/network.js';
import {
  defaultNetworks,
  isNodeAddress,
  parseNodeAddress,
  type ClusterConfig,
  type NodeAddress,
} from '../functions/core/registry/registry.js';
import { provingFeeds } from '../functions/core/registry/replication-feeds.js';
import type { SendInput } from '../functions/core/send/send-client.js';
import { UsageError } from './command.js';
import { parseObjectArgument } from './object-arg.js';
import { idListFlag, listFlag, numberFlag, parseNumber, stringFlag, type FlagValues } from './flags.js';

/**
 * `swarm-send send`'s flags, read into the SEND client's own input: the source and destination
 * clusters (ClusterConfig, as a registry would resolve them), the object, the feed selection and
 * the credentials. Each problem names the flag that caused it.
 */

/** What one `swarm-send send` does: the client's input without the abort signal, and its time bound. */
export interface SendCommand {
  readonly input: Omit<SendInput, 'signal'>;
  /** The whole SEND's time bound, in seconds (the feed timeout too). */
  readonly timeoutSeconds: number;
  /** The registry keys of the route, when a registry gave it (the outcome record names them, as the worker's do). */
  readonly route?: { readonly from: string; readonly to: string };
}

function parseCredentials(text: string, what: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`${what} must be USER:PASS`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function nodeAddress(text: string, flag: string): NodeAddress {
  if (isNodeAddress(text)) {
    try {
      return parseNodeAddress(text);
    } catch {
      // A port out of range, for one: reported below.
    }
  }
  throw new UsageError(`${flag} "${text}" must be IP:port or http(s)://host:port`);
}

function networks(values: FlagValues): Cidr[] {
  return listFlag(values, 'network').map((text) => {
    try {
      return parseCidr(text);
    } catch {
      throw new UsageError(`--network "${text}" is not an IPv4/IPv6 CIDR`);
    }
  });
}

function readCa(file: string | undefined): string | null {
  if (file === undefined) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A cluster as the registry resolves one; the credentials reference is unused (the CLI passes credentials). */
function cluster(
  key: string,
  name: string,
  nodes: readonly NodeAddress[],
  parts: Partial<ClusterConfig>,
): ClusterConfig {
  return {
    key,
    name,
    nodes,
    target: null,
    networks: [],
    credentials: 'cli',
    ca: null,
    caFile: null,
    ports: [],
    allowBasic: false,
    ...parts,
  };
}

/** The source (the --source nodes) and the destination (--cluster, --target). */
function clusters(
  values: FlagValues,
  sources: readonly string[],
): { source: ClusterConfig; destination: ClusterConfig } {
  const name = stringFlag(values, 'cluster')!;
  if (/[\s\0]/.test(name)) throw new UsageError('--cluster must be the cluster.name setting, without spaces');
  const target = stringFlag(values, 'target')!;
  if (/^https?:/i.test(target)) throw new UsageError('--target: Castor-System-Target is IP:port, without a scheme');
  const targetHost = nodeAddress(target, '--target').host;
  const nodes = sources.map((s) => nodeAddress(s, '--source'));
  const given = networks(values);
  const ca = readCa(stringFlag(values, 'ca'));
  // Without --network, redirects may lead only to the --source nodes themselves.
  const source = cluster('source', 'source', nodes, {
    networks: given.length ? given : defaultNetworks(nodes.map((n) => n.host)),
    ca,
  });
  return { source, destination: cluster('destination', name, [], { target, networks: defaultNetworks([targetHost]) }) };
}

/**
 * --feed-id, --feed-type, --force and --replication-feed: the feed selection and the feeds that
 * prove a DR copy (the route's `replicationFeeds` when no --replication-feed is given).
 */
export function feedsOf(
  values: FlagValues,
  timeout: number,
  route: { name: string; replicationFeeds: readonly number[] } | null = null,
): { feeds: FeedSelection | undefined; replicationFeeds: readonly number[] } {
  const ids = listFlag(values, 'feed-id').map((id) => {
    const n = id === 'all' ? 'all' : parseNumber(id, { integer: true });
    if (n === null) throw new UsageError(`--feed-id "${id}" is not a number or "all"`);
    return n;
  });
  const types = listFlag(values, 'feed-type');
  const bad = types.find((t) => !(FEED_TYPES as readonly string[]).includes(t));
  if (bad) throw new UsageError(`--feed-type "${bad}" is not one of ${FEED_TYPES.join(', ')}`);
  const feeds: FeedSelection | undefined =
    ids.length || types.length
      ? { ids, types: types as FeedType[], timeout, ...(values.force ? { force: true } : {}) }
      : undefined;
  const flagIds = idListFlag(values, 'replication-feed', 'a feed id');
  const replicationIds = flagIds.length || !route ? flagIds : route.replicationFeeds;
  try {
    return {
      feeds,
      replicationFeeds: provingFeeds(
        { name: route?.name ?? `source->${stringFlag(values, 'cluster')}`, replicationFeeds: replicationIds },
        feeds,
      ),
    };
  } catch (err) {
    if (err instanceof InvalidMessageError)
      throw new UsageError(`${err.problems.join('; ')} (give --replication-feed N)`);
    throw err;
  }
}

function credentialsOf(
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): { credentials: Credentials; destinationCredentials: Credentials | null } {
  const password = stringFlag(values, 'password') ?? env.SWARM_PASSWORD;
  if (!password) throw new UsageError('no password: set SWARM_PASSWORD (or --password)');
  const credentials: Credentials = { username: stringFlag(values, 'user') ?? env.SWARM_USER ?? 'admin', password };
  const remoteText = stringFlag(values, 'remote-auth') ?? env.SWARM_REMOTE_AUTH;
  return {
    credentials,
    destinationCredentials: remoteText ? parseCredentials(remoteText, '--remote-auth / SWARM_REMOTE_AUTH') : null,
  };
}

/** Reads every flag of `swarm-send send <object>`; throws `UsageError` naming the first bad one. */
export function readSendRequest(values: FlagValues, objectArg: string, env: NodeJS.ProcessEnv): SendCommand {
  const sources = listFlag(values, 'source');
  if (sources.length === 0) throw new UsageError('--source is required');
  if (!values.cluster) throw new UsageError('--cluster is required');
  if (!values.target) throw new UsageError('--target is required');
  const timeoutSeconds = numberFlag(values, 'timeout', 120, { positive: true });
  const object = parseObjectArgument(objectArg, stringFlag(values, 'domain') ?? '', values.alias === true);
  const { feeds, replicationFeeds } = feedsOf(values, timeoutSeconds);
  const credentials = credentialsOf(values, env);
  return { input: { ...clusters(values, sources), ...credentials, object, feeds, replicationFeeds }, timeoutSeconds };
}
