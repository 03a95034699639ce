import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { CATEGORIES, DIVERGENT, type Category } from '../functions/core/listing/reconcile-diff.js';
import type { Finding } from '../functions/reconcile/scope-types.js';
import {
  parseCheckpoint,
  scopeKey,
  type Checkpoint,
  type RunProgress,
  type RunSummary,
} from '../functions/reconcile/run.js';
import { EXIT, UsageError, type CommandIo } from './command.js';
import { printable, printableJson } from './printable.js';

/** What `swarm-send reconcile` writes: the checkpoint, the report file, the progress line, the summary. */

const NUM = new Intl.NumberFormat('en-US');

/**
 * Opens a file named by `flag` (--report, --checkpoint) without following a symbolic link in its
 * last component, new files with mode 0600; a link, or anything but a regular file, is refused
 * with a usage error. Null when `missingOk` and there is no such file.
 */
function openOwnFile(file: string, flag: string, flags: number, missingOk = false): number | null {
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missingOk) return null;
    if (code === 'ELOOP')
      throw new UsageError(`${flag} ${file} is a symbolic link; swarm-send does not write or read through one there`);
    throw new UsageError(`${flag}: cannot open ${file}: ${code}`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UsageError(`${flag} ${file} is not a regular file`);
  }
  return fd;
}

/**
 * Writes the checkpoint atomically: a new temp file beside it (random name, created exclusively
 * with mode 0600, so never an existing file or a link planted there), then a rename over it.
 */
export function writeCheckpoint(file: string, cp: Checkpoint): void {
  const tmp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(cp, null, 2)}\n`);
      fsyncSync(fd); // on disk before the rename makes it the checkpoint
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function readCheckpoint(file: string, from: string, to: string): Checkpoint | null {
  const fd = openOwnFile(file, '--checkpoint', constants.O_RDONLY, true);
  if (fd === null) return null;
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    throw new UsageError(`--checkpoint: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  } finally {
    closeSync(fd);
  }
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(JSON.parse(text));
  } catch (err) {
    throw new UsageError(`--checkpoint ${file}: ${(err as Error).message}; remove it to start over`);
  }
  if (cp.from !== from || cp.to !== to)
    throw new UsageError(`--checkpoint ${file} belongs to ${cp.from} -> ${cp.to}; remove it to start over`);
  return cp;
}

function evidenceLine(f: Finding): Record<string, unknown> {
  const head = (h: Finding['sourceHead']) =>
    h && {
      status: h.status,
      error: h.error,
      bytes: h.bytes,
      hash: h.hash,
      lastModified: h.lastModified === null ? null : new Date(h.lastModified).toISOString(),
    };
  const row = (r: Finding['sourceRow']) =>
    r && {
      bytes: r.bytes,
      hash: r.hash,
      lastModified: r.lastModified === null ? null : new Date(r.lastModified).toISOString(),
    };
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
  return `  compared ${NUM.format(p.totals.compared)} (${NUM.format(Math.round(p.totals.compared / secs))}/s) · pages ${p.totals.pages} · missing ${c['missing-on-dr']} · different ${c.different} · extra ${c['extra-on-dr']} · too-new ${c['too-new']} · unconfirmed ${c.unconfirmed} · scope ${p.scopeIndex}${p.scopeCount === null ? '' : `/${p.scopeCount}`} ${scope.length > 40 ? `${scope.slice(0, 39)}…` : scope}`;
}

/** How the run's listings ended, side by side: what `complete` rests on. */
function listingLines(s: RunSummary): string[] {
  const side = (k: 'source' | 'dr') => {
    const rows = s.scopes.reduce((n, x) => n + x.listing[k].rows, 0);
    const pages = s.scopes.reduce((n, x) => n + x.listing[k].pages, 0);
    const ended = s.scopes.filter((x) => x.listing[k].ended !== null).length;
    return `${NUM.format(rows)} rows in ${NUM.format(pages)} pages, ${ended} of ${s.scopes.length} listings ended`;
  };
  const incomplete = s.scopes.filter((x) => !x.complete).length + s.discovery.length;
  const lines = [
    `  listed            source ${side('source')} · DR ${side('dr')}`,
    `  complete          ${s.complete ? 'yes: every listing on both clusters ended as the protocol ends one' : `NO: ${incomplete} scope(s) or domain(s) not read to their end; nothing is claimed about what was not listed`}`,
  ];
  for (const x of s.scopes) for (const w of x.warnings) lines.push(`  warning           ${scopeKey(x.scope)}: ${w}`);
  for (const d of s.discovery)
    lines.push(
      `  error             buckets of ${d.domain || '(every domain)'} could not be listed (${d.side ?? 'walk'} ${d.code}: ${d.message})`,
    );
  return lines;
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
    `  repairs           sent ${s.repairs.sent} · enqueued ${s.repairs.enqueued} · not repaired ${s.repairs['not-repaired']} · failed ${s.repairs.failed} · deleted ${s.repairs.deleted}`,
    `  scopes            ${s.scopes.length - errors.length + s.skipped} done${s.skipped ? ` (${s.skipped} from the checkpoint)` : ''}${errors.length ? `, ${errors.length} failed: ${errors.map((e) => `${scopeKey(e.scope)} (${e.error!.side ?? 'walk'} ${e.error!.code}: ${e.error!.message})`).join('; ')}` : ''}${s.interrupted ? ', interrupted' : ''}`,
    ...listingLines(s),
    '',
  ].join('\n');
}

/** The exit code a run earns (see HELP). */
export function exitCodeOf(s: RunSummary): number {
  const errors = [...s.scopes.flatMap((x) => (x.error ? [x.error] : [])), ...s.discovery];
  // An unconfirmed object (a HEAD with no usable answer) is no proof of divergence: ask again later,
  // as `check` does for it.
  if (s.interrupted || errors.some((e) => e.transient) || s.totals.counts.unconfirmed > 0) return EXIT.RETRY;
  if (errors.length || !s.complete) return EXIT.FAILED;
  const divergent = [...DIVERGENT].reduce((n, c) => n + s.totals.counts[c as Category], 0);
  return divergent > s.repairs.sent + s.repairs.deleted ? EXIT.DIVERGED : EXIT.OK;
}

/** The --report file (JSON lines), or nothing without the flag. */
export class ReportFile {
  readonly #fd: number | null;
  constructor(
    file: string | undefined,
    private readonly runId: string,
  ) {
    this.#fd = file ? openOwnFile(file, '--report', constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT) : null;
  }

  finding(f: Finding): void {
    this.#line({ run: this.runId, ...evidenceLine(f) });
  }

  /** One line per scope that ended in an error, with the marker a rerun starts from. */
  scopeErrors(summary: RunSummary): void {
    for (const s of summary.scopes)
      if (s.error)
        this.#line({ run: this.runId, type: 'scope-error', scope: scopeKey(s.scope), ...s.error, marker: s.marker });
    for (const d of summary.discovery) this.#line({ run: this.runId, type: 'discovery-error', ...d });
  }

  /** One line per scope: what each side's listing showed, whether it ended, and any warning. */
  scopeListings(summary: RunSummary): void {
    for (const s of summary.scopes)
      this.#line({
        run: this.runId,
        type: 'scope',
        scope: scopeKey(s.scope),
        complete: s.complete,
        listing: s.listing,
        warnings: s.warnings,
      });
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
  }

  #line(value: unknown): void {
    if (this.#fd !== null) writeSync(this.#fd, `${printableJson(value)}\n`);
  }
}

/** A progress line on a terminal, redrawn at most ten times a second; nothing elsewhere. */
export function progressDrawer(io: CommandIo): { draw: (p: RunProgress) => void; clear: () => void } {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  return {
    draw: (p) => {
      if (!tty || Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      io.stderr.write(`\r\u001b[2K${printable(progressLine(p, started))}`);
    },
    clear: () => {
      if (tty) io.stderr.write('\r\u001b[2K');
    },
  };
}

/** Removes the checkpoint once every scope is done, or says where a stopped run keeps its place. */
export function settleCheckpoint(file: string | undefined, summary: RunSummary, io: CommandIo): void {
  if (!file) return;
  if (summary.complete && summary.scopes.every((s) => !s.error)) rmSync(file, { force: true });
  else if (summary.interrupted)
    io.stderr.write(`swarm-send reconcile: stopped; ${file} keeps the place, run the same command again to continue\n`);
}
