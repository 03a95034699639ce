import { readFileSync } from 'node:fs';
import type { Credentials } from '../functions/core/digest-auth.js';
import { ConfigError, InvalidMessageError } from '../functions/core/errors.js';
import type { FeedSelection, ObjectRef } from '../functions/core/message.js';
import { recordFromResult } from '../functions/core/record.js';
import { parseRegistry } from '../functions/core/registry.js';
import { provingFeeds } from '../functions/core/replication-feeds.js';
import { SendClient } from '../functions/core/send-client.js';
import { EXIT, UsageError, type Command } from './command.js';

const HELP = `Usage: swarm-send send <uuid | bucket/name> --source H:P[,H:P...] --cluster NAME --target H:P [flags]

Performs one SCSP SEND now, on a node of the source cluster, and prints the outcome record as
one JSON line on stdout.

  <uuid | bucket/name>     32-hex UUID of an unnamed object, or bucket/name of a named one
                           (the name may contain "/")
  --source H:P[,H:P...]    source node(s); tried in order on connection errors and 503
                           (IP or host name; http://, https:// prefixes allowed)
  --cluster NAME           destination cluster.name (Castor-System-Cluster)
  --target H:P             destination node or reverse proxy (Castor-System-Target)
  --domain D               domain of a named object (default: the source's default domain)
  --alias                  the UUID is an alias (anchor) object
  --remote-auth USER:PASS  destination admin, when it differs from the source's (Castor-System-Auth;
                           default: $SWARM_REMOTE_AUTH, which keeps it out of the process list)
  --feed-id N              use the 11.2+ feed SEND on feed N (repeatable; "all" for every feed)
  --feed-type T            feed SEND by type: all, replication, search, s3backup (repeatable)
  --replication-feed N     feed SEND: id of the replication feed to the destination (repeatable);
                           required with --feed-id/--feed-type: only its status 0 counts as
                           replicated (a search or backup feed's 0 proves no DR copy)
  --force                  feed SEND: process the object again even if the feed already did
  --timeout SECONDS        give up after this long (default 120); with feeds, also the feed timeout
  --network CIDR           extra network the source may redirect into (repeatable)
  --ca FILE                PEM CA bundle for https:// nodes
  --user USER              source admin user (default: $SWARM_USER, else "admin")
  --password PASS          source admin password (default: $SWARM_PASSWORD; prefer the variable)
  --json                   accepted for symmetry: the outcome is always one JSON line

Exit codes: 0 replicated or already-present, 75 retry (transient), 1 failed, 2 usage error.
Credentials never appear in the output.
`;

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

function parseObject(arg: string, domain: string | undefined, alias: boolean): ObjectRef {
  if (/^[0-9a-fA-F]{32}$/.test(arg)) return alias ? { uuid: arg, alias: true } : { uuid: arg };
  const slash = arg.indexOf('/');
  if (slash <= 0 || slash === arg.length - 1) throw new UsageError(`"${arg}" is neither a 32-hex UUID nor bucket/name`);
  if (alias) throw new UsageError('--alias applies to UUIDs only');
  return { domain: domain ?? '', bucket: arg.slice(0, slash), name: arg.slice(slash + 1) };
}

function parseCredentials(text: string, what: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`${what} must be USER:PASS`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'perform one SEND now and print its outcome record',
  help: HELP,
  positionals: true,
  options: {
    source: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    target: { type: 'string' },
    domain: { type: 'string' },
    alias: { type: 'boolean' },
    'remote-auth': { type: 'string' },
    'feed-id': { type: 'string', multiple: true },
    'feed-type': { type: 'string', multiple: true },
    'replication-feed': { type: 'string', multiple: true },
    force: { type: 'boolean' },
    timeout: { type: 'string' },
    network: { type: 'string', multiple: true },
    ca: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one object: a UUID or bucket/name');
    const sources = list(values.source);
    if (sources.length === 0) throw new UsageError('--source is required');
    if (!values.cluster) throw new UsageError('--cluster is required');
    if (!values.target) throw new UsageError('--target is required');
    const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of seconds');

    const object = parseObject(positionals[0]!, values.domain as string | undefined, values.alias === true);
    const feedIds = list(values['feed-id']).map((id) => {
      if (id === 'all') return 'all' as const;
      if (!/^\d+$/.test(id)) throw new UsageError(`--feed-id "${id}" is not a number or "all"`);
      return Number(id);
    });
    const feedTypes = list(values['feed-type']);
    const bad = feedTypes.find((t) => !['all', 'search', 'indexing', 'replication', 's3backup'].includes(t));
    if (bad) throw new UsageError(`--feed-type "${bad}" is not one of all, replication, search, indexing, s3backup`);
    const feeds: FeedSelection | undefined =
      feedIds.length || feedTypes.length
        ? { ids: feedIds, types: feedTypes as FeedSelection['types'], timeout, ...(values.force ? { force: true } : {}) }
        : undefined;
    const replicationIds = list(values['replication-feed']).map((id) => {
      if (!/^\d+$/.test(id)) throw new UsageError(`--replication-feed "${id}" is not a feed id`);
      return Number(id);
    });
    let replicationFeeds: readonly number[];
    try {
      replicationFeeds = provingFeeds({ name: `source->${values.cluster as string}`, replicationFeeds: replicationIds }, feeds);
    } catch (err) {
      if (err instanceof InvalidMessageError) throw new UsageError(`${err.problems.join('; ')} (give --replication-feed N)`);
      throw err;
    }

    const password = (values.password as string | undefined) ?? io.env.SWARM_PASSWORD;
    if (!password) throw new UsageError('no password: set SWARM_PASSWORD (or --password)');
    const credentials: Credentials = { username: (values.user as string | undefined) ?? io.env.SWARM_USER ?? 'admin', password };
    const remoteText = (values['remote-auth'] as string | undefined) ?? io.env.SWARM_REMOTE_AUTH;
    const remote = remoteText ? parseCredentials(remoteText, '--remote-auth / SWARM_REMOTE_AUTH') : null;

    let ca: string | undefined;
    if (values.ca) {
      try {
        ca = readFileSync(values.ca as string, 'utf8');
      } catch (err) {
        throw new UsageError(`--ca: cannot read ${values.ca as string}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    let registry;
    try {
      const networks = list(values.network);
      registry = parseRegistry({
        clusters: {
          // Without --network, redirects may lead only to the --source nodes themselves.
          source: { name: 'source', nodes: sources, credentials: 'cli', ...(networks.length ? { networks } : {}), ...(ca ? { ca } : {}) },
          destination: { name: values.cluster as string, target: values.target as string, credentials: 'cli' },
        },
      });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.problems.join('; ').replace(/clusters\.source\.nodes/g, '--source').replace(/clusters\.destination\.target/g, '--target'));
      throw err;
    }

    const client = new SendClient();
    const signal = AbortSignal.any([io.signal, AbortSignal.timeout((feeds ? timeout + 15 : timeout) * 1000)]);
    try {
      const result = await client.send({
        source: registry.clusters.source!,
        destination: registry.clusters.destination!,
        credentials,
        destinationCredentials: remote,
        object,
        feeds,
        replicationFeeds,
        signal,
      });
      const record = recordFromResult(result, { object, from: null, to: values.cluster as string, attempt: 1, messageId: null, correlationId: null });
      io.stdout.write(`${JSON.stringify(record)}\n`);
      if (record.outcome === 'replicated' || record.outcome === 'already-present') return EXIT.OK;
      return record.outcome === 'retry' ? EXIT.RETRY : EXIT.FAILED;
    } finally {
      await client.close();
    }
  },
};
