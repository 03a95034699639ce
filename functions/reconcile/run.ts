import { CATEGORIES, type Category } from '../core/listing/reconcile-diff.js';
import type { DiscoveryFailure } from './buckets.js';
import { reconcileScope } from './engine.js';
import {
  NO_REPAIRS,
  type ObjectScope,
  type ReconcileScopeOptions,
  type RepairResult,
  type ScopeProgress,
  type ScopeSummary,
} from './scope-types.js';

/**
 * A reconcile run: several scopes worked one after another, with a checkpoint that keeps each
 * scope's marker so an interrupted run continues where it stopped.
 */

/** One scope's place in a checkpoint: its marker, and the rows each side listed before it. */
export interface CheckpointScope {
  readonly marker: string | null;
  readonly done: boolean;
  readonly listed?: { readonly source: number; readonly dr: number } | undefined;
}

/** The checkpoint file's content. */
export interface Checkpoint {
  readonly version: 1;
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly scopes: Record<string, CheckpointScope>;
}

/** A stable name of a scope: `named:domain/bucket`, `unnamed:domain` (`unnamed:` = untenanted). */
export function scopeKey(s: ObjectScope): string {
  return s.kind === 'named' ? `named:${s.domain}/${s.bucket}` : `unnamed:${s.domain}`;
}

/** Checks a parsed checkpoint file; throws with the reason when it is not one. */
export function parseCheckpoint(json: unknown): Checkpoint {
  const c = json as Partial<Checkpoint> | null;
  const ok =
    c?.version === 1 &&
    typeof c.runId === 'string' &&
    typeof c.from === 'string' &&
    typeof c.to === 'string' &&
    c.scopes !== null &&
    typeof c.scopes === 'object' &&
    Object.values(c.scopes).every(
      (s) =>
        s !== null &&
        typeof s === 'object' &&
        typeof s.done === 'boolean' &&
        (s.marker === null || typeof s.marker === 'string') &&
        (s.listed === undefined || (Number.isSafeInteger(s.listed?.source) && Number.isSafeInteger(s.listed?.dr))),
    );
  if (!ok) throw new Error('not a swarm-send reconcile checkpoint (version 1)');
  return c as Checkpoint;
}

export interface RunProgress extends ScopeProgress {
  /** 1-based index of the scope being worked, and how many there are (null: still being discovered). */
  readonly scopeIndex: number;
  readonly scopeCount: number | null;
  /** Totals over the finished scopes plus this one. */
  readonly totals: RunTotals;
}

export interface RunTotals {
  readonly compared: number;
  readonly pages: number;
  readonly heads: number;
  readonly counts: Readonly<Record<Category, number>>;
}

export interface RunSummary {
  readonly runId: string;
  readonly scopes: readonly ScopeSummary[];
  /** Scopes already done in the checkpoint, skipped. */
  readonly skipped: number;
  readonly totals: RunTotals;
  readonly bytesMissing: number;
  readonly repairs: Readonly<Record<RepairResult['action'], number>>;
  /** Domains whose buckets could not be discovered (their scopes were never walked). */
  readonly discovery: readonly DiscoveryFailure[];
  /**
   * Every scope's listings ended as the protocol ends a listing (on both clusters), and every
   * domain's buckets were discovered: only then does the run claim what it compared.
   */
  readonly complete: boolean;
  readonly interrupted: boolean;
  readonly durationMs: number;
}

export interface RunOptions extends Omit<ReconcileScopeOptions, 'scope' | 'marker' | 'listedBefore' | 'onProgress'> {
  /** The scopes, as a list or streamed (from {@link expandScopes}). */
  readonly scopes: Iterable<ObjectScope | DiscoveryFailure> | AsyncIterable<ObjectScope | DiscoveryFailure>;
  readonly checkpoint: Checkpoint;
  /** Called whenever a scope's marker moved (at most every `checkpointEveryMs`) and after each scope. */
  readonly onCheckpoint?: (checkpoint: Checkpoint) => void;
  readonly checkpointEveryMs?: number;
  readonly onProgress?: (progress: RunProgress) => void;
}

function addCounts(into: Record<Category, number>, from: Readonly<Record<Category, number>>): void {
  for (const c of CATEGORIES) into[c] += from[c];
}

/** The totals of the scopes finished so far. */
class RunTally {
  readonly counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  readonly repairs: Record<RepairResult['action'], number> = { ...NO_REPAIRS };
  compared = 0;
  pages = 0;
  heads = 0;
  bytesMissing = 0;

  add(s: ScopeSummary): void {
    addCounts(this.counts, s.counts);
    this.compared += s.compared;
    this.pages += s.pages.source + s.pages.dr;
    this.heads += s.heads;
    this.bytesMissing += s.bytesMissing;
    for (const [k, v] of Object.entries(s.repairs)) this.repairs[k as RepairResult['action']] += v;
  }

  /** The totals of the run's summary. */
  summary(): Pick<RunSummary, 'totals' | 'bytesMissing' | 'repairs'> {
    const { compared, pages, heads, counts, bytesMissing, repairs } = this;
    return { totals: { compared, pages, heads, counts }, bytesMissing, repairs };
  }

  /** The finished scopes plus the one in progress. */
  live(p: ScopeProgress): RunTotals {
    const counts = { ...this.counts };
    addCounts(counts, p.counts);
    return {
      compared: this.compared + p.compared,
      pages: this.pages + p.pages.source + p.pages.dr,
      heads: this.heads + p.heads,
      counts,
    };
  }
}

/** Hands the checkpoint to `onCheckpoint`: when forced, else at most every `checkpointEveryMs`. */
function checkpointSaver(o: RunOptions, checkpoint: Checkpoint, clock: () => number): (force: boolean) => void {
  let lastSave = 0;
  const every = o.checkpointEveryMs ?? 1000;
  return (force) => {
    if (!o.onCheckpoint || (!force && clock() - lastSave < every)) return;
    lastSave = clock();
    o.onCheckpoint({ ...checkpoint, scopes: { ...checkpoint.scopes } });
  };
}

/** A scope stream that broke (it should not): a discovery failure of the run, never an exception. */
function brokenStream(err: unknown): DiscoveryFailure {
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'discovery-failed', domain: '', side: null, code: 'internal', message, transient: false };
}

/** Works every scope not yet done in the checkpoint, in order; stops at a hard or soft stop. */
export async function reconcileRun(o: RunOptions): Promise<RunSummary> {
  const [clock, started] = [o.clock ?? Date.now, (o.clock ?? Date.now)()];
  const checkpoint: Checkpoint = { ...o.checkpoint, scopes: { ...o.checkpoint.scopes } };
  const save = checkpointSaver(o, checkpoint, clock);
  const done: ScopeSummary[] = [];
  const discovery: DiscoveryFailure[] = [];
  const tally = new RunTally();
  const scopeCount = Array.isArray(o.scopes) ? o.scopes.length : null;
  let [skipped, stopped, index] = [0, false, 0];
  /** One scope from its checkpointed place; the checkpoint follows its marker. */
  const work = async (scope: ObjectScope): Promise<ScopeSummary> => {
    const i = ++index;
    const key = scopeKey(scope);
    const saved = checkpoint.scopes[key];
    const s = await reconcileScope({
      ...o,
      scope,
      marker: saved?.marker ?? null,
      listedBefore: saved?.listed,
      onProgress: (p) => {
        checkpoint.scopes[key] = { marker: p.marker, done: false, listed: p.listed };
        save(false);
        o.onProgress?.({ ...p, scopeIndex: i, scopeCount, totals: tally.live(p) });
      },
    });
    checkpoint.scopes[key] = { marker: s.marker, done: s.complete, ...(!s.complete && { listed: s.listed }) };
    save(true);
    return s;
  };
  try {
    for await (const scope of o.scopes) {
      stopped = o.signal?.aborted === true; // Ctrl-C during discovery: interrupted, not a failure
      if (stopped) break;
      if (scope.kind === 'discovery-failed') discovery.push(scope);
      else if (checkpoint.scopes[scopeKey(scope)]?.done) skipped++;
      else {
        const s = await work(scope);
        done.push(s);
        tally.add(s);
        stopped = s.stopped === 'aborted' || s.stopped === 'budget';
        if (stopped) break;
      }
    }
  } catch (err) {
    // Nothing escapes a run without its summary.
    stopped ||= o.signal?.aborted === true;
    if (!stopped) discovery.push(brokenStream(err));
  }
  return {
    runId: checkpoint.runId,
    scopes: done,
    skipped,
    ...tally.summary(),
    discovery,
    complete: !stopped && discovery.length === 0 && done.every((s) => s.complete),
    interrupted: stopped,
    durationMs: clock() - started,
  };
}
