import { recordFromResult } from '../functions/core/outcome/outcome.js';
import { SendClient } from '../functions/core/send/send-client.js';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import type { FlagValues } from './flags.js';
import { REGISTRY_HELP, registryGiven } from './registry-flags.js';
import { readSendRequest } from './send-flags.js';
import { sendWithDecision } from '../functions/core/outcome/decide.js';

const HELP = `Usage: swarm-send send <uuid | bucket/name> --source H:P[,H:P...] --cluster NAME --target H:P [flags]
       swarm-send send <uuid | bucket/name> --registry FILE [--from KEY --to KEY] [flags]

Performs one SCSP SEND now, on a node of the source cluster, and prints the outcome record as
one JSON line on stdout. The clusters come from the flags below, or from the cluster registry
(as the worker reads it): then the route must be one it configures, and its nodes, networks,
CA, cluster name, target, credentials and replication feeds are used.

${REGISTRY_HELP}
  --from KEY, --to KEY     with a registry: the route (default: the registry's defaultRoute)

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

Exit codes: 0 replicated or already-present, 75 retry (transient), 1 failed, 2 usage or
configuration error.
Credentials never appear in the output.
`;

async function run(values: FlagValues, positionals: string[], io: CommandIo): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('give exactly one object: a UUID or bucket/name');
  // A registry when one is named (--registry, or a variable and no --source).
  const fromRegistry = values.registry !== undefined || (values.source === undefined && registryGiven(values, io.env));
  if (!fromRegistry && (values.from !== undefined || values.to !== undefined))
    throw new UsageError('--from and --to name registry keys: give --registry FILE too');
  const { input, timeoutSeconds, route } = fromRegistry
    ? await (await import('./send-registry.js')).readRegistrySendRequest(values, positionals[0]!, io)
    : readSendRequest(values, positionals[0]!, io.env);
  const client = new SendClient();
  // A feed SEND waits up to the feed timeout on the node; give its answer 15 s more to arrive.
  const signal = AbortSignal.any([
    io.signal,
    AbortSignal.timeout((input.feeds ? timeoutSeconds + 15 : timeoutSeconds) * 1000),
  ]);
  try {
    const result = await sendWithDecision(client, { ...input, signal });
    const record = recordFromResult(result, {
      object: input.object,
      from: route?.from ?? null,
      to: route?.to ?? input.destination.name,
      attempt: 1,
      messageId: null,
      correlationId: null,
    });
    io.stdout.write(`${JSON.stringify(record)}\n`);
    if (record.outcome === 'replicated' || record.outcome === 'already-present') return EXIT.OK;
    return record.outcome === 'retry' ? EXIT.RETRY : EXIT.FAILED;
  } finally {
    await client.close();
  }
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'perform one SEND now and print its outcome record',
  help: HELP,
  positionals: true,
  options: {
    registry: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
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
  run,
};
