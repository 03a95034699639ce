import { compareKeys, ListingError } from '../core/listing.js';
import { CATEGORIES, type Category } from '../core/reconcile-diff.js';
import {
  listBuckets,
  reconcileScope,
  type ListingPort,
  type ObjectScope,
  type ReconcileScopeOptions,
  type RepairResult,
  type ScopeProgress,
  type ScopeSummary,
} from './engine.js';

/**
 * A reconcile run: several scopes worked one after another, with a checkpoint that keeps each
 * scope's marker so an interrupted run continues where it stopped.
 */

/** What to reconcile. */
export interface ScopeSpec {
  /** Domains to walk (named objects bucket by bucket). */
  readonly domains: readonly string[];
  /** Only these buckets (in every domain); empty = every bucket either cluster lists. */
  readonly buckets: readonly string[];
  /** Also the unnamed objects tenanted in each domain. */
  readonly unnamed: boolean;
  /** Also the untenanted unnamed objects (`domain=` empty). */
  readonly untenanted: boolean;
}

/** The checkpoint file's content. */
export interface Checkpoint {
  readonly version: 1;
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly scopes: Record<string, { marker: string | null; done: boolean }>;
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
        (s.marker === null || typeof s.marker === 'string'),
    );
  if (!ok) throw new Error('not a swarm-send reconcile checkpoint (version 1)');
  return c as Checkpoint;
}

/**
 * The scopes of a spec: for each domain the buckets either cluster lists (or the given ones),
 * then its unnamed objects. A domain the DR cluster does not have contributes no DR buckets.
 */
export async function expandScopes(
  spec: ScopeSpec,
  source: ListingPort,
  dr: ListingPort,
  signal?: AbortSignal,
): Promise<ObjectScope[]> {
  const scopes: ObjectScope[] = [];
  for (const domain of spec.domains) {
    let buckets = [...spec.buckets];
    if (buckets.length === 0) {
      const onDr = await listBuckets(dr, domain, signal).catch((err: unknown) => {
        if (err instanceof ListingError && err.code === 'not-found') return [];
        throw err;
      });
      buckets = [...new Set([...(await listBuckets(source, domain, signal)), ...onDr])].sort(compareKeys);
    }
    for (const bucket of buckets) scopes.push({ kind: 'named', domain, bucket });
    if (spec.unnamed) scopes.push({ kind: 'unnamed', domain });
  }
  if (spec.untenanted) scopes.push({ kind: 'unnamed', domain: '' });
  return scopes;
}

export interface RunProgress extends ScopeProgress {
  /** 1-based index of the scope being worked, and how many there are. */
  readonly scopeIndex: number;
  readonly scopeCount: number;
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
  /** Every scope was read to its end. */
  readonly complete: boolean;
  readonly interrupted: boolean;
  readonly durationMs: number;
}

export interface RunOptions extends Omit<ReconcileScopeOptions, 'scope' | 'marker' | 'onProgress'> {
  readonly scopes: readonly ObjectScope[];
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
  readonly repairs: Record<RepairResult['action'], number> = { sent: 0, enqueued: 0, 'not-repaired': 0, failed: 0 };
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

/** Works every scope not yet done in the checkpoint, in order; stops at a hard or soft stop. */
export async function reconcileRun(o: RunOptions): Promise<RunSummary> {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const checkpoint: Checkpoint = { ...o.checkpoint, scopes: { ...o.checkpoint.scopes } };
  const save = checkpointSaver(o, checkpoint, clock);
  const done: ScopeSummary[] = [];
  const tally = new RunTally();
  let skipped = 0;
  let stopped = false;
  for (const [i, scope] of o.scopes.entries()) {
    const key = scopeKey(scope);
    const saved = checkpoint.scopes[key];
    if (saved?.done) {
      skipped++;
      continue;
    }
    const s = await reconcileScope({
      ...o,
      scope,
      marker: saved?.marker ?? null,
      onProgress: (p) => {
        checkpoint.scopes[key] = { marker: p.marker, done: false };
        save(false);
        o.onProgress?.({ ...p, scopeIndex: i + 1, scopeCount: o.scopes.length, totals: tally.live(p) });
      },
    });
    done.push(s);
    tally.add(s);
    checkpoint.scopes[key] = { marker: s.complete ? null : s.marker, done: s.complete };
    save(true);
    if (s.stopped === 'aborted' || s.stopped === 'budget') {
      stopped = true;
      break;
    }
  }
  const { compared, pages, heads, counts, bytesMissing, repairs } = tally;
  return {
    runId: checkpoint.runId,
    scopes: done,
    skipped,
    totals: { compared, pages, heads, counts },
    bytesMissing,
    repairs,
    complete: !stopped && done.every((s) => s.complete),
    interrupted: stopped,
    durationMs: clock() - started,
  };
}
