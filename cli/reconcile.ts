import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { ListingClient } from '../functions/core/listing-client.js';
import { CATEGORIES, DIVERGENT, type Category } from '../functions/core/reconcile-diff.js';
import { SendClient } from '../functions/core/send-client.js';
import { DEFAULT_GRACE_MS, type Finding, type RepairPort } from '../functions/reconcile/engine.js';
import { enqueueRepairPort, sendRepairPort, transportHeadPort } from '../functions/reconcile/ports.js';
import { expandScopes, parseCheckpoint, reconcileRun, scopeKey, type Checkpoint, type RunProgress, type RunSummary } from '../functions/reconcile/run.js';
import { awsClients, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { EXIT_DIVERGED } from './check.js';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { loadRoute, parseDuration, ROUTE_HELP, ROUTE_OPTIONS } from './route.js';

const HELP = `Usage: swarm-send reconcile --registry FILE [--from KEY --to KEY] [--domain D ...] [--bucket B ...]
         [--unnamed] [--untenanted] [--grace DURATION] [--dry-run | --enqueue --queue-url URL | --send]
         [--report FILE] [--checkpoint FILE] [--json]

Finds every object the DR cluster lacks or holds in another version: lists both clusters bucket
by bucket (merge-join in name order), confirms each candidate with a HEAD on both clusters,
and repairs what is confirmed. Nothing is ever deleted.

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
  --concurrency N          SENDs (with --send) and HEAD pairs in flight (default 8)
  --page-size N            rows per listing page (default 1000)
  --report FILE            JSON lines: one per object that is not in sync, with its evidence,
                           and one per scope that ended in an error
  --checkpoint FILE        keep each scope's marker here; Ctrl-C saves it and a rerun continues;
                           removed once every scope is done
  --json                   the summary as one JSON object instead of the table

Categories: in-sync, missing-on-dr (repaired), different (repaired with feed force where the
route has a replication feed, else reported), extra-on-dr (reported, never deleted), too-new,
unconfirmed (a HEAD failed: no verdict, no SEND), gone-from-source (deleted during the walk).

Exit codes: 0 in sync (nothing divergent left: none found, or all repaired by --send);
3 divergence left (found in a dry run, enqueued, extra on DR, not repaired, unconfirmed);
1 a scope failed for good (401, 400, a listing that cannot be merged); 2 usage error;
75 try again later (a scope hit a transient error such as 503 or resets, or Ctrl-C).
`;

const NUM = new Intl.NumberFormat('en-US');

/** Writes the checkpoint atomically (temp file + rename), so a crash never leaves half a file. */
function writeCheckpoint(file: string, cp: Checkpoint): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cp, null, 2)}\n`);
  renameSync(tmp, file);
}

function readCheckpoint(file: string, from: string, to: string): Checkpoint | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`--checkpoint: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(JSON.parse(text));
  } catch (err) {
    throw new UsageError(`--checkpoint ${file}: ${(err as Error).message}; remove it to start over`);
  }
  if (cp.from !== from || cp.to !== to) throw new UsageError(`--checkpoint ${file} belongs to ${cp.from} -> ${cp.to}; remove it to start over`);
  return cp;
}

function evidenceLine(f: Finding): Record<string, unknown> {
  const head = (h: Finding['sourceHead']) => h && { status: h.status, error: h.error, bytes: h.bytes, hash: h.hash, lastModified: h.lastModified === null ? null : new Date(h.lastModified).toISOString() };
  const row = (r: Finding['sourceRow']) => r && { bytes: r.bytes, hash: r.hash, lastModified: r.lastModified === null ? null : new Date(r.lastModified).toISOString() };
  return {
    type: 'object',
    scope: scopeKey(f.scope),
    object: f.object,
    category: f.category,
    listed: f.listed,
    reasons: f.reasons,
    listing: { source: row(f.sourceRow), dr: row(f.drRow) },
    head: { source: head(f.sourceHead), dr: head(f.drHead) },
    repair: f.repair,
  };
}

function progressLine(p: RunProgress, startedMs: number): string {
  const secs = Math.max(0.001, (Date.now() - startedMs) / 1000);
  const c = p.totals.counts;
  const scope = scopeKey(p.scope);
  return `  compared ${NUM.format(p.totals.compared)} (${NUM.format(Math.round(p.totals.compared / secs))}/s) · pages ${p.totals.pages} · missing ${c['missing-on-dr']} · different ${c.different} · extra ${c['extra-on-dr']} · too-new ${c['too-new']} · unconfirmed ${c.unconfirmed} · scope ${p.scopeIndex}/${p.scopeCount} ${scope.length > 40 ? `${scope.slice(0, 39)}…` : scope}`;
}

/** The summary table. */
export function formatSummary(s: RunSummary, mode: string, from: string, to: string): string {
  const rows: [string, number][] = CATEGORIES.map((c) => [c, s.totals.counts[c]]);
  const errors = s.scopes.filter((x) => x.error);
  const secs = s.durationMs / 1000;
  return [
    '',
    `swarm-send reconcile ${from} -> ${to} (${mode}), run ${s.runId}`,
    '',
    '  category                    objects',
    '  --------------------------  --------',
    ...rows.map(([k, v]) => `  ${k.padEnd(26)}  ${String(v).padStart(8)}`),
    '',
    `  compared          ${NUM.format(s.totals.compared)} objects in ${secs.toFixed(1)} s (${NUM.format(Math.round(s.totals.compared / Math.max(secs, 0.001)))}/s), ${s.totals.pages} pages, ${s.totals.heads} HEADs`,
    `  missing on DR     ${NUM.format(s.bytesMissing)} bytes`,
    `  repairs           sent ${s.repairs.sent} · enqueued ${s.repairs.enqueued} · not repaired ${s.repairs['not-repaired']} · failed ${s.repairs.failed}`,
    `  scopes            ${s.scopes.length - errors.length + s.skipped} done${s.skipped ? ` (${s.skipped} from the checkpoint)` : ''}${errors.length ? `, ${errors.length} failed: ${errors.map((e) => `${scopeKey(e.scope)} (${e.error!.side} ${e.error!.code}: ${e.error!.message})`).join('; ')}` : ''}${s.interrupted ? ', interrupted' : ''}`,
    '',
  ].join('\n');
}

/** The exit code a run earns (see HELP). */
export function exitCodeOf(s: RunSummary): number {
  const errors = s.scopes.filter((x) => x.error);
  if (s.interrupted || errors.some((e) => e.error!.transient)) return EXIT.RETRY;
  if (errors.length) return EXIT.FAILED;
  const divergent = [...DIVERGENT].reduce((n, c) => n + s.totals.counts[c as Category], 0);
  return divergent > s.repairs.sent ? EXIT_DIVERGED : EXIT.OK;
}

function positiveInt(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`${flag} must be an integer from 1 to 10000`);
  return n;
}

async function run(values: Record<string, unknown>, io: CommandIo): Promise<number> {
  const modes = ['dry-run', 'enqueue', 'send'].filter((m) => values[m]);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} exclude each other`);
  const mode = (modes[0] ?? 'dry-run') as 'dry-run' | 'enqueue' | 'send';
  if (values['queue-url'] && mode !== 'enqueue') throw new UsageError('--queue-url goes with --enqueue');
  const queueUrl = mode === 'enqueue' ? requireUrl(values, 'queue-url') : null;
  const graceMs = values.grace === undefined ? DEFAULT_GRACE_MS : parseDuration(values.grace as string, '--grace');
  const concurrency = positiveInt(values.concurrency, '--concurrency', 8);
  const pageSize = positiveInt(values['page-size'], '--page-size', 1000);
  const route = await loadRoute(values, io);
  const domains = (values.domain as string[] | undefined) ?? [route.source.name];
  const spec = { domains, buckets: (values.bucket as string[] | undefined) ?? [], unnamed: values.unnamed === true, untenanted: values.untenanted === true };
  const checkpointFile = values.checkpoint as string | undefined;
  const resumed = checkpointFile ? readCheckpoint(checkpointFile, route.from, route.to) : null;
  const checkpoint: Checkpoint = resumed ?? { version: 1, runId: `reconcile-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`, from: route.from, to: route.to, scopes: {} };

  const client = new SendClient();
  const transport = client.transport;
  const aws = mode === 'enqueue' ? awsClients(values, io.env) : null;
  const reportFd = values.report ? openSync(values.report as string, 'a') : null;
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  try {
    const source = new ListingClient(transport, route.source, route.sourceCredentials, { pageSize });
    const dr = new ListingClient(transport, route.dr, route.drCredentials, { pageSize });
    let scopes;
    try {
      scopes = await expandScopes(spec, source, dr, io.signal);
    } catch (err) {
      const e = err as { transient?: boolean; message: string };
      io.stderr.write(`swarm-send reconcile: cannot list the buckets: ${e.message}\n`);
      return e.transient ? EXIT.RETRY : EXIT.FAILED;
    }
    let repair: RepairPort | null = null;
    if (mode === 'send') repair = sendRepairPort(client, route, concurrency);
    if (mode === 'enqueue') repair = enqueueRepairPort(aws!.sqs, queueUrl!, route, checkpoint.runId);
    if (resumed) io.stderr.write(`swarm-send reconcile: continuing run ${checkpoint.runId} from ${checkpointFile}\n`);
    const summary = await reconcileRun({
      scopes,
      checkpoint,
      source,
      dr,
      heads: transportHeadPort(transport, route),
      repair,
      graceMs,
      signal: io.signal,
      headConcurrency: concurrency * 2,
      ...(checkpointFile && { onCheckpoint: (cp: Checkpoint) => writeCheckpoint(checkpointFile, cp) }),
      onFinding: (f) => {
        if (reportFd !== null) writeSync(reportFd, `${JSON.stringify({ run: checkpoint.runId, ...evidenceLine(f) })}\n`);
      },
      onProgress: (p) => {
        if (!tty || Date.now() - lastDraw < 100) return;
        lastDraw = Date.now();
        io.stderr.write(`\r\u001b[2K${progressLine(p, started)}`);
      },
    });
    if (tty) io.stderr.write('\r\u001b[2K');
    for (const s of summary.scopes) {
      if (s.error && reportFd !== null) writeSync(reportFd, `${JSON.stringify({ run: checkpoint.runId, type: 'scope-error', scope: scopeKey(s.scope), ...s.error, marker: s.marker })}\n`);
    }
    if (checkpointFile && summary.complete && summary.scopes.every((s) => !s.error)) rmSync(checkpointFile, { force: true });
    else if (checkpointFile && summary.interrupted) io.stderr.write(`swarm-send reconcile: stopped; ${checkpointFile} keeps the place, run the same command again to continue\n`);
    if (values.json) io.stdout.write(`${JSON.stringify({ mode, from: route.from, to: route.to, ...summary, scopes: summary.scopes.map((s) => ({ ...s, scope: scopeKey(s.scope) })) })}\n`);
    else io.stdout.write(formatSummary(summary, mode, route.from, route.to));
    return exitCodeOf(summary);
  } finally {
    if (reportFd !== null) closeSync(reportFd);
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
    concurrency: { type: 'string' },
    'page-size': { type: 'string' },
    report: { type: 'string' },
    checkpoint: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: (values, _positionals, io) => run(values, io),
};
