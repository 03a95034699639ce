import { ClusterTransport } from '../functions/core/transport/cluster-transport.js';
import type { ObjectRef } from '../functions/core/message/message.js';
import { confirm, type Confirmation, type HeadEvidence } from '../functions/core/listing/reconcile-diff.js';
import { DEFAULT_GRACE_MS } from '../functions/reconcile/scope-types.js';
import { transportHeadPort, type ReconcileRoute } from '../functions/reconcile/ports.js';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { durationFlag, stringFlag } from './flags.js';
import { parseObjectArgument } from './object-arg.js';
import { printable, printableJson } from './printable.js';
import { loadRoutes, ROUTE_HELP, ROUTE_OPTIONS } from './route.js';

const HELP = `Usage: swarm-send check <uuid | bucket/name> --registry FILE [--from KEY --to KEY] [flags]

Is this object in the DR cluster? HEADs it on both clusters and answers in-sync, missing-on-dr,
different, extra-on-dr, too-new or unconfirmed, with the evidence (status, bytes, ETag,
Content-MD5, version time of each copy). Two copies are the same object when their ETags are
equal, or their sizes and Content-MD5 are (a re-encoded copy); the route's unprovenIdentity
decides a copy with neither (docs/changed-objects.md). With several DR clusters (--to KEY,KEY,
or a defaultRoute with several targets) the source is HEADed once and each DR cluster answers
on its own: one block, or one JSON line, per DR cluster.

${ROUTE_HELP}
  --domain D               domain of a named object (default: the source cluster's name)
  --alias                  the UUID is an alias (anchor) object
  --grace DURATION         a source version younger than this is too-new (default 10m)
  --json                   one JSON object (per DR cluster) instead of text

Exit codes: 0 in-sync, 3 diverged (missing-on-dr, different, extra-on-dr), 75 try again later
(too-new, or a HEAD failed: unconfirmed), 1 the object is on neither cluster, 2 usage or
configuration error. With several DR clusters, the first of 75, 3, 1, 0 that any of them gives.
`;

type Head = HeadEvidence;
type Verdict = Confirmation;

const evidence = (h: Head) => ({
  status: h.status,
  error: h.error,
  bytes: h.bytes,
  etag: h.hash,
  contentMd5: h.contentMd5 ?? null,
  lastModified: h.lastModified === null ? null : new Date(h.lastModified).toISOString(),
});

/** One destination's verdict with its evidence: a JSON line, or a block of text. */
function report(
  io: CommandIo,
  json: boolean,
  {
    object,
    route,
    verdict,
    source,
    dr,
  }: { object: ObjectRef; route: ReconcileRoute; verdict: Verdict; source: Head; dr: Head },
): void {
  const result = {
    object,
    from: route.from,
    to: route.to,
    category: verdict.category,
    reasons: verdict.reasons,
    source: evidence(source),
    dr: evidence(dr),
  };
  if (json) {
    io.stdout.write(`${printableJson(result)}\n`);
    return;
  }
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

function exitCodeOf(category: Verdict['category']): number {
  switch (category) {
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
}

/**
 * With several DR clusters, the first code any verdict gives, in this order: a verdict still
 * owed (75) before a divergence (3), as a reconcile run takes them.
 */
const CHECK_EXIT_PRECEDENCE = [EXIT.RETRY, EXIT.DIVERGED, EXIT.FAILED, EXIT.OK] as const;

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
    const routes = await loadRoutes(values, io);
    const first = routes[0]!;
    const parsed = parseObjectArgument(arg, stringFlag(values, 'domain') ?? first.source.name, values.alias === true);
    // HEADs compare UUIDs as Swarm prints them: lower case.
    const object: ObjectRef = 'uuid' in parsed ? { ...parsed, uuid: parsed.uuid.toLowerCase() } : parsed;
    const transport = new ClusterTransport();
    try {
      // The source is HEADed once; each DR cluster on its own (fan-out: docs/fan-out.md).
      const [source, ...drs] = await Promise.all([
        transportHeadPort(transport, first).head('source', object, io.signal),
        ...routes.map((route) => transportHeadPort(transport, route).head('dr', object, io.signal)),
      ]);
      const now = Date.now();
      const codes = routes.map((route, i) => {
        const dr = drs[i]!;
        const verdict = confirm(source!, dr, now, graceMs, route.unprovenIdentity);
        report(io, values.json === true, { object, route, verdict, source: source!, dr });
        return exitCodeOf(verdict.category);
      });
      return CHECK_EXIT_PRECEDENCE.find((code) => codes.includes(code)) ?? EXIT.OK;
    } finally {
      await transport.close();
    }
  },
};
