import { ClusterTransport } from '../functions/core/transport/cluster-transport.js';
import type { ObjectRef } from '../functions/core/message/message.js';
import { confirm } from '../functions/core/listing/reconcile-diff.js';
import { DEFAULT_GRACE_MS } from '../functions/reconcile/scope-types.js';
import { transportHeadPort } from '../functions/reconcile/ports.js';
import { EXIT, UsageError, type Command } from './command.js';
import { durationFlag, stringFlag } from './flags.js';
import { parseObjectArgument } from './object-arg.js';
import { printable, printableJson } from './printable.js';
import { loadRoute, ROUTE_HELP, ROUTE_OPTIONS } from './route.js';

const HELP = `Usage: swarm-send check <uuid | bucket/name> --registry FILE [--from KEY --to KEY] [flags]

Is this object in the DR cluster? HEADs it on both clusters and answers in-sync, missing-on-dr,
different, extra-on-dr, too-new or unconfirmed, with the evidence (status, bytes, ETag,
Content-MD5, version time of each copy). Two copies are the same object when their ETags are
equal, or their sizes and Content-MD5 are (a re-encoded copy); the route's unprovenIdentity
decides a copy with neither (docs/changed-objects.md).

${ROUTE_HELP}
  --domain D               domain of a named object (default: the source cluster's name)
  --alias                  the UUID is an alias (anchor) object
  --grace DURATION         a source version younger than this is too-new (default 10m)
  --json                   one JSON object instead of text

Exit codes: 0 in-sync, 3 diverged (missing-on-dr, different, extra-on-dr), 75 try again later
(too-new, or a HEAD failed: unconfirmed), 1 the object is on neither cluster, 2 usage or
configuration error.
`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'is this object in DR? HEAD on both clusters, with the evidence',
  help: HELP,
  positionals: true,
  options: {
    ...ROUTE_OPTIONS,
    domain: { type: 'string' },
    alias: { type: 'boolean' },
    grace: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new UsageError('give exactly one object: a UUID or bucket/name');
    const arg = positionals[0]!;
    const graceMs = durationFlag(values, 'grace', DEFAULT_GRACE_MS);
    const route = await loadRoute(values, io);
    const parsed = parseObjectArgument(arg, stringFlag(values, 'domain') ?? route.source.name, values.alias === true);
    // HEADs compare UUIDs as Swarm prints them: lower case.
    const object: ObjectRef = 'uuid' in parsed ? { ...parsed, uuid: parsed.uuid.toLowerCase() } : parsed;
    const transport = new ClusterTransport();
    try {
      const heads = transportHeadPort(transport, route);
      const [source, dr] = await Promise.all([
        heads.head('source', object, io.signal),
        heads.head('dr', object, io.signal),
      ]);
      const verdict = confirm(source, dr, Date.now(), graceMs, route.unprovenIdentity);
      const evidence = (h: typeof source) => ({
        status: h.status,
        error: h.error,
        bytes: h.bytes,
        etag: h.hash,
        contentMd5: h.contentMd5 ?? null,
        lastModified: h.lastModified === null ? null : new Date(h.lastModified).toISOString(),
      });
      const result = {
        object,
        from: route.from,
        to: route.to,
        category: verdict.category,
        reasons: verdict.reasons,
        source: evidence(source),
        dr: evidence(dr),
      };
      if (values.json) io.stdout.write(`${printableJson(result)}\n`);
      else {
        const line = (name: string, h: ReturnType<typeof evidence>) =>
          `  ${name.padEnd(8)} ${h.status === null ? `no answer (${h.error})` : `HEAD ${h.status}`}${h.status === 200 ? `  ${h.bytes} bytes  etag ${h.etag}${h.contentMd5 ? `  content-md5 ${h.contentMd5}` : ''}  version ${h.lastModified}` : h.error ? ` (${h.error})` : ''}`;
        io.stdout.write(
          [
            `${verdict.category}${verdict.reasons.length ? `: ${verdict.reasons.join('; ')}` : ''}`,
            line(route.from, result.source),
            line(route.to, result.dr),
            '',
          ]
            .map(printable)
            .join('\n'),
        );
      }
      switch (verdict.category) {
        case 'in-sync':
          return EXIT.OK;
        case 'too-new':
        case 'unconfirmed':
          return EXIT.RETRY;
        case 'gone-from-source':
          return EXIT.FAILED;
        default:
          return EXIT.DIVERGED;
      }
    } finally {
      await transport.close();
    }
  },
};
