import { randomUUID } from 'node:crypto';
import { ListingClient } from '../functions/core/listing/listing-client.js';
import { SendClient } from '../functions/core/send/send-client.js';
import { DEFAULT_GRACE_MS, type RepairPort } from '../functions/reconcile/scope-types.js';
import {
  enqueueRepairPort,
  sendRepairPort,
  transportHeadPort,
  type ReconcileRoute,
} from '../functions/reconcile/ports.js';
import { reconcileRun, scopeKey, type Checkpoint, type RunSummary } from '../functions/reconcile/run.js';
import { expandScopes } from '../functions/reconcile/buckets.js';
import { transportDeletePort } from '../functions/reconcile/delete-extra.js';
import { awsClients, requireUrl, SQS_HELP, SQS_OPTIONS, type AwsClients } from './aws.js';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { durationFlag, numberFlag, stringFlag, type FlagValues } from './flags.js';
import {
  exitCodeOf,
  formatSummary,
  progressDrawer,
  readCheckpoint,
  ReportFile,
  settleCheckpoint,
  writeCheckpoint,
} from './reconcile-report.js';
import { printable, printableJson, printableStrings } from './printable.js';
import { loadRoutes, ROUTE_HELP, ROUTE_OPTIONS } from './route.js';

const HELP = `Usage: swarm-send reconcile --registry FILE [--from KEY --to KEY] [--domain D ...] [--bucket B ...]
         [--unnamed] [--untenanted] [--grace DURATION] [--dry-run | --enqueue --queue-url URL | --send]
         [--delete-extra] [--report FILE] [--checkpoint FILE] [--json]

Finds every object the DR cluster lacks or holds in another version: lists both clusters bucket
by bucket (merge-join in name order), confirms each candidate with a HEAD on both clusters,
and repairs what is confirmed. Nothing is deleted unless --delete-extra says so.

${ROUTE_HELP}
  --domain D               domain to walk (repeatable; default: the source cluster's name)
  --bucket B               only these buckets in each domain (repeatable; default: every bucket
                           either cluster lists)
  --unnamed                also the unnamed objects tenanted in each domain
  --untenanted             also the unnamed objects in no domain
  --grace DURATION         source versions younger than this are too-new, left alone (default 10m)
  --dry-run                report only (the default without --enqueue or --send)
  --enqueue                repair by enqueueing SEND messages (correlation id = the run id)
  --queue-url URL          the SEND queue, with --enqueue
${SQS_HELP}
  --send                   repair by SENDing now
  --delete-extra           also delete what is only on DR (with --enqueue or --send): each
                           object only when the source's HEAD answers 404 at the time of
                           deleting, then DELETE on DR and a HEAD to confirm (docs/deletes.md);
                           a 403 (deletable=no lifepoint, object lock) is reported, never overridden
  --concurrency N          SENDs (with --send) and HEAD pairs in flight (default 8)
  --page-size N            rows per listing page (default 1000)
  --report FILE            JSON lines: one per object that is not in sync, with its evidence,
                           and one per scope that ended in an error (several DR clusters:
                           FILE.<key> each)
  --checkpoint FILE        keep each scope's marker here; Ctrl-C saves it and a rerun continues;
                           removed once every scope is done (several DR clusters: FILE.<key> each)
  --json                   the summary as one JSON object instead of the table

Categories: in-sync, missing-on-dr (repaired), different (repaired with feed force where the
route has a replication feed, else reported), extra-on-dr (reported; deleted with --delete-extra), too-new,
unconfirmed (a HEAD failed: no verdict, no SEND), gone-from-source (deleted during the walk),
unnameable (listed under a name no request can carry: reported, never HEADed or sent).

The summary says what the run saw: rows and pages listed on each side, and whether every
listing ended as the protocol ends one ("complete"); a cluster's object count that differs from
the rows listed by more than the index lag explains is a warning.

Several DR clusters (--to KEY,KEY, or a defaultRoute with several targets): each is reconciled
in turn against the source, with its own summary (one JSON object each with --json).

Exit codes: 0 in sync (nothing divergent left: none found, or all repaired by --send);
3 divergence left (found in a dry run, enqueued, extra on DR not deleted, not repaired, unnameable);
1 a scope or a bucket discovery failed for good (401, 400, a listing that cannot be merged,
does not advance, sends a page larger than asked, or too many buckets), or the run is not
complete for another reason; 2 usage error; 75 try again later (a scope hit a transient error
such as 503 or resets, an object stayed unconfirmed, or Ctrl-C). With several DR clusters, the
first of 75, 1, 3, 0 that any of them gives.
`;

type Mode = 'dry-run' | 'enqueue' | 'send';

/** The flags that need no network: the repair mode and the bounds. */
function readFlags(values: FlagValues) {
  const modes = ['dry-run', 'enqueue', 'send'].filter((m) => values[m]);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} exclude each other`);
  const mode = (modes[0] ?? 'dry-run') as Mode;
  if (values['queue-url'] && mode !== 'enqueue') throw new UsageError('--queue-url goes with --enqueue');
  if (values['delete-extra'] && mode === 'dry-run')
    throw new UsageError('--delete-extra deletes: it goes with --enqueue or --send, never with a dry run');
  const bounds = { integer: true, min: 1, max: 10_000 };
  return {
    mode,
    queueUrl: mode === 'enqueue' ? requireUrl(values, 'queue-url') : null,
    graceMs: durationFlag(values, 'grace', DEFAULT_GRACE_MS),
    concurrency: numberFlag(values, 'concurrency', 8, bounds),
    pageSize: numberFlag(values, 'page-size', 1000, bounds),
    checkpointFile: stringFlag(values, 'checkpoint'),
    deleteExtra: values['delete-extra'] === true,
  };
}

type Flags = ReturnType<typeof readFlags>;

function startingCheckpoint(flags: Flags, route: ReconcileRoute, io: CommandIo): Checkpoint {
  const resumed = flags.checkpointFile ? readCheckpoint(flags.checkpointFile, route.from, route.to) : null;
  if (resumed)
    io.stderr.write(`swarm-send reconcile: continuing run ${printable(resumed.runId)} from ${flags.checkpointFile}\n`);
  return (
    resumed ?? {
      version: 1,
      runId: `reconcile-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
      from: route.from,
      to: route.to,
      scopes: {},
    }
  );
}

/**
 * The scopes, streamed: both clusters' bucket listings are read as the walk goes. A domain whose
 * buckets cannot be listed is a discovery failure in the summary, never an end without one.
 */
function scopesOf(
  values: FlagValues,
  route: ReconcileRoute,
  source: ListingClient,
  dr: ListingClient,
  signal: AbortSignal,
): ReturnType<typeof expandScopes> {
  const spec = {
    domains: (values.domain as string[] | undefined) ?? [route.source.name],
    buckets: (values.bucket as string[] | undefined) ?? [],
    unnamed: values.unnamed === true,
    untenanted: values.untenanted === true,
  };
  return expandScopes(spec, source, dr, signal);
}

function repairPort(
  flags: Flags,
  client: SendClient,
  aws: AwsClients | null,
  route: ReconcileRoute,
  runId: string,
): RepairPort | null {
  if (flags.mode === 'send') return sendRepairPort(client, route, flags.concurrency);
  if (flags.mode === 'enqueue') return enqueueRepairPort(aws!.sqs, flags.queueUrl!, route, runId);
  return null;
}

function printSummary(summary: RunSummary, flags: Flags, route: ReconcileRoute, json: boolean, io: CommandIo): void {
  if (json)
    io.stdout.write(
      `${printableJson({ mode: flags.mode, from: route.from, to: route.to, ...summary, scopes: summary.scopes.map((s) => ({ ...s, scope: scopeKey(s.scope) })) })}\n`,
    );
  else io.stdout.write(formatSummary(printableStrings(summary), flags.mode, route.from, route.to));
}

/**
 * With several DR clusters, each is reconciled on its own, one after the other, each with its
 * own summary, and its own checkpoint and report files (FILE.<key>); the exit code is the first
 * of 1, 75, 3, 0 that any of them gives (docs/fan-out.md).
 */
async function run(values: FlagValues, io: CommandIo): Promise<number> {
  const base = readFlags(values);
  const routes = await loadRoutes(values, io);
  const several = routes.length > 1;
  const perRoute = (file: string | undefined, route: ReconcileRoute) =>
    file && several ? `${file}.${route.to}` : file;
  const codes: number[] = [];
  for (const route of routes) {
    const checkpointFile = perRoute(base.checkpointFile, route);
    const flags = { ...base, checkpointFile };
    codes.push(await runRoute(values, io, flags, route, perRoute(stringFlag(values, 'report'), route)));
    if (io.signal.aborted) break;
  }
  return RECONCILE_EXIT_PRECEDENCE.find((code) => codes.includes(code)) ?? EXIT.OK;
}

/** With several DR clusters, the first code any run gives, in the order one run takes (docs/reconcile.md). */
const RECONCILE_EXIT_PRECEDENCE = [EXIT.RETRY, EXIT.FAILED, EXIT.DIVERGED, EXIT.OK] as const;

async function runRoute(
  values: FlagValues,
  io: CommandIo,
  flags: Flags,
  route: ReconcileRoute,
  reportFile: string | undefined,
): Promise<number> {
  const checkpoint = startingCheckpoint(flags, route, io);
  const aws = flags.mode === 'enqueue' ? awsClients(values, io.env) : null;
  const report = new ReportFile(reportFile, checkpoint.runId);
  const client = new SendClient();
  const progress = progressDrawer(io);
  try {
    const source = new ListingClient(client.transport, route.source, route.sourceCredentials, {
      pageSize: flags.pageSize,
    });
    const dr = new ListingClient(client.transport, route.dr, route.drCredentials, { pageSize: flags.pageSize });
    const summary = await reconcileRun({
      scopes: scopesOf(values, route, source, dr, io.signal),
      checkpoint,
      source,
      dr,
      heads: transportHeadPort(client.transport, route),
      repair: repairPort(flags, client, aws, route, checkpoint.runId),
      deleteExtra: flags.deleteExtra ? transportDeletePort(client.transport, route, flags.concurrency) : null,
      graceMs: flags.graceMs,
      unprovenIdentity: route.unprovenIdentity,
      signal: io.signal,
      headConcurrency: flags.concurrency * 2,
      ...(flags.checkpointFile && { onCheckpoint: (cp: Checkpoint) => writeCheckpoint(flags.checkpointFile!, cp) }),
      onFinding: (f) => report.finding(f),
      onProgress: progress.draw,
    });
    progress.clear();
    report.scopeErrors(summary);
    report.scopeListings(summary);
    settleCheckpoint(flags.checkpointFile, summary, io);
    printSummary(summary, flags, route, values.json === true, io);
    const failed = summary.scopes.filter((s) => s.error).length + summary.discovery.length;
    if (failed)
      io.stderr.write(
        `swarm-send reconcile: error: ${failed} scope(s) or bucket discoveries failed; the run is not complete (see the summary)\n`,
      );
    return exitCodeOf(summary);
  } finally {
    report.close();
    aws?.sqs.destroy();
    aws?.cloudwatch?.destroy();
    await client.close();
  }
}

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'find what the DR cluster lacks (listing diff confirmed by HEAD) and repair it',
  help: HELP,
  options: {
    ...ROUTE_OPTIONS,
    ...SQS_OPTIONS,
    domain: { type: 'string', multiple: true },
    bucket: { type: 'string', multiple: true },
    unnamed: { type: 'boolean' },
    untenanted: { type: 'boolean' },
    grace: { type: 'string' },
    'dry-run': { type: 'boolean' },
    enqueue: { type: 'boolean' },
    'queue-url': { type: 'string' },
    send: { type: 'boolean' },
    'delete-extra': { type: 'boolean' },
    concurrency: { type: 'string' },
    'page-size': { type: 'string' },
    report: { type: 'string' },
    checkpoint: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: (values, _positionals, io) => run(values, io),
};
