import { ListingError, type ListingRow, type ListingScope } from '../core/listing.js';
import type { ObjectRef } from '../core/message.js';
import { CATEGORIES, confirm, mergeJoin, nominate, type Category, type HeadEvidence, type JoinedRow } from '../core/reconcile-diff.js';

/**
 * The reconcile engine: works one scope (the named objects of a bucket, or the unnamed objects of
 * a domain) from a continuation marker until it is done, its budget runs out or it is aborted,
 * and returns a summary with the marker to continue from. Everything outside (listings, HEADs,
 * repairs, time) comes in through ports, so the CLI, the demo and the AWS handler share it.
 */

/** A scope the engine walks: a bucket's named objects, or a domain's unnamed ones. */
export type ObjectScope = Extract<ListingScope, { kind: 'named' } | { kind: 'unnamed' }>;

/** Pages of one cluster's listing, strictly after `marker`; throws {@link ListingError}. */
export interface ListingPort {
  pages(scope: ListingScope, marker: string | null, signal?: AbortSignal): AsyncIterable<ListingRow[]>;
}

/** HEAD of one object on the source or the DR cluster. Never throws: failures are evidence. */
export interface HeadPort {
  head(side: 'source' | 'dr', object: ObjectRef, signal?: AbortSignal): Promise<HeadEvidence>;
}

/** One confirmed object to repair. */
export interface RepairItem {
  readonly object: ObjectRef;
  readonly category: 'missing-on-dr' | 'different';
  /** Bytes on the source (HEAD), for the report. */
  readonly bytes: number | null;
}

/** What became of one repair. */
export interface RepairResult {
  /** `sent`: SENT and answered 201/409; `enqueued`: a SEND message is on the queue. */
  readonly action: 'sent' | 'enqueued' | 'not-repaired' | 'failed';
  readonly detail: string | null;
}

/** Repairs confirmed objects (in the order given; results in the same order). Never deletes. */
export interface RepairPort {
  repair(items: readonly RepairItem[], signal?: AbortSignal): Promise<RepairResult[]>;
}

/** One object the report lists (everything that is not plainly in sync). */
export interface Finding {
  readonly scope: ObjectScope;
  readonly key: string;
  readonly object: ObjectRef;
  readonly category: Category;
  /** What the listings suggested, before the HEADs. */
  readonly listed: 'missing-on-dr' | 'different' | 'extra-on-dr' | 'too-new';
  readonly reasons: readonly string[];
  readonly sourceRow: ListingRow | null;
  readonly drRow: ListingRow | null;
  readonly sourceHead: HeadEvidence | null;
  readonly drHead: HeadEvidence | null;
  /** null: not repaired (dry run, or not a repairable category). */
  readonly repair: RepairResult | null;
}

export interface ScopeProgress {
  readonly scope: ObjectScope;
  /** Keys compared so far (both sides' rows merged). */
  readonly compared: number;
  readonly pages: { readonly source: number; readonly dr: number };
  readonly heads: number;
  readonly counts: Readonly<Record<Category, number>>;
  /** Last key everything up to which is done: the continuation marker. */
  readonly marker: string | null;
}

export interface ScopeSummary extends ScopeProgress {
  /** True when both listings were read to their end. */
  readonly complete: boolean;
  /** Why the walk stopped early: `budget` (stopAt reached), `aborted` (signal), or an error. */
  readonly stopped: null | 'budget' | 'aborted' | 'error';
  readonly error: { readonly side: 'source' | 'dr'; readonly code: string; readonly message: string; readonly transient: boolean } | null;
  /** Bytes of the objects confirmed missing on DR. */
  readonly bytesMissing: number;
  readonly repairs: Readonly<Record<RepairResult['action'], number>>;
  /** The DR cluster answered 404 for the scope (no such bucket there): its side read as empty. */
  readonly drScopeMissing: boolean;
  readonly durationMs: number;
}

export interface ReconcileScopeOptions {
  readonly scope: ObjectScope;
  /** Continue after this key (a previous summary's `marker`). */
  readonly marker?: string | null;
  readonly source: ListingPort;
  readonly dr: ListingPort;
  readonly heads: HeadPort;
  /** null or absent: dry run (report only). */
  readonly repair?: RepairPort | null;
  /** Objects whose source version is younger than this are `too-new`. @default 600_000 (10 min) */
  readonly graceMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Hard stop (Ctrl-C, the invocation deadline): in-flight work is dropped, the marker kept. */
  readonly signal?: AbortSignal;
  /** Soft stop: once the clock passes this (epoch ms), finish the current batch and return. */
  readonly stopAt?: number;
  /** Candidates confirmed together (HEADs in parallel, one repair call). @default 64 */
  readonly batchSize?: number;
  /** HEADs in flight at once. @default 16 */
  readonly headConcurrency?: number;
  readonly onFinding?: (finding: Finding) => void;
  /** Called after every batch and at least once per page pair. */
  readonly onProgress?: (progress: ScopeProgress) => void;
}

export const DEFAULT_GRACE_MS = 10 * 60 * 1000;

/** The object a key names in a scope. */
export function objectOf(scope: ObjectScope, key: string, alias: boolean | null): ObjectRef {
  if (scope.kind === 'named') return { domain: scope.domain, bucket: scope.bucket, name: key };
  return alias ? { uuid: key, alias: true } : { uuid: key };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

interface Candidate {
  readonly row: JoinedRow;
  readonly listed: 'missing-on-dr' | 'different' | 'extra-on-dr';
}

/** Flattens pages into rows, counting pages; `missingAsEmpty` reads a 404 scope as no rows. */
async function* rowsOf(pages: AsyncIterable<ListingRow[]>, side: 'source' | 'dr', state: { pages: Record<'source' | 'dr', number>; drScopeMissing: boolean; failure: { side: 'source' | 'dr'; err: unknown } | null }): AsyncGenerator<ListingRow> {
  try {
    for await (const page of pages) {
      state.pages[side]++;
      yield* page;
    }
  } catch (err) {
    if (side === 'dr' && err instanceof ListingError && err.code === 'not-found' && state.pages.dr === 0) {
      state.drScopeMissing = true;
      return;
    }
    state.failure = { side, err };
    throw err;
  }
}

/**
 * Reconciles one scope. Never throws for what the clusters do: a listing that fails ends the
 * scope with `stopped: 'error'` and the marker up to which everything was done. A listing diff
 * alone never repairs anything: every candidate gets a HEAD on both clusters first.
 */
export async function reconcileScope(o: ReconcileScopeOptions): Promise<ScopeSummary> {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const batchSize = Math.max(1, o.batchSize ?? 64);
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const repairs: Record<RepairResult['action'], number> = { sent: 0, enqueued: 0, 'not-repaired': 0, failed: 0 };
  const state = { pages: { source: 0, dr: 0 }, drScopeMissing: false, failure: null as { side: 'source' | 'dr'; err: unknown } | null };
  let marker = o.marker || null;
  let compared = 0;
  let heads = 0;
  let bytesMissing = 0;
  let batch: Candidate[] = [];
  let lastKey: string | null = marker;

  const progress = (): ScopeProgress => ({ scope: o.scope, compared, pages: { ...state.pages }, heads, counts: { ...counts }, marker });
  const emit = (f: Omit<Finding, 'scope'>): void => o.onFinding?.({ scope: o.scope, ...f });

  async function flush(): Promise<void> {
    if (batch.length === 0) return;
    const work = batch;
    batch = [];
    const now = clock();
    const verdicts = await mapLimit(work, Math.max(1, Math.floor((o.headConcurrency ?? 16) / 2)), async (c) => {
      const alias = c.row.source?.alias ?? c.row.dr?.alias ?? null;
      const object = objectOf(o.scope, c.row.key, alias);
      const [sourceHead, drHead] = await Promise.all([o.heads.head('source', object, o.signal), o.heads.head('dr', object, o.signal)]);
      heads += 2;
      return { c, object, sourceHead, drHead, verdict: confirm(sourceHead, drHead, now, graceMs) };
    });
    if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
    const toRepair = verdicts.filter((v) => v.verdict.category === 'missing-on-dr' || v.verdict.category === 'different');
    // The source HEAD says whether an unnamed object is an alias when the listing did not.
    for (const v of toRepair) if (v.sourceHead.alias !== undefined && o.scope.kind === 'unnamed') v.object = objectOf(o.scope, v.c.row.key, v.sourceHead.alias);
    const results = o.repair && toRepair.length
      ? await o.repair.repair(toRepair.map((v) => ({ object: v.object, category: v.verdict.category as RepairItem['category'], bytes: v.sourceHead.bytes })), o.signal)
      : [];
    const byVerdict = new Map(toRepair.map((v, i) => [v, results[i] ?? null]));
    for (const v of verdicts) {
      const { category, reasons } = v.verdict;
      counts[category]++;
      if (category === 'missing-on-dr') bytesMissing += v.sourceHead.bytes ?? v.c.row.source?.bytes ?? 0;
      const repair = byVerdict.get(v) ?? null;
      if (repair) repairs[repair.action]++;
      if (category !== 'in-sync') {
        emit({ key: v.c.row.key, object: v.object, category, listed: v.c.listed, reasons, sourceRow: v.c.row.source, drRow: v.c.row.dr, sourceHead: v.sourceHead, drHead: v.drHead, repair });
      }
    }
  }

  const finish = (stopped: ScopeSummary['stopped'], complete: boolean): ScopeSummary => {
    const failure = state.failure;
    const err = failure?.err;
    return {
      ...progress(),
      marker: complete ? null : marker,
      complete,
      stopped,
      error: failure
        ? {
            side: failure.side,
            code: err instanceof ListingError ? err.code : 'error',
            message: err instanceof Error ? err.message : String(err),
            transient: err instanceof ListingError ? err.transient : false,
          }
        : null,
      bytesMissing,
      repairs: { ...repairs },
      drScopeMissing: state.drScopeMissing,
      durationMs: clock() - started,
    };
  };

  const src = rowsOf(o.source.pages(o.scope, marker, o.signal), 'source', state);
  const dr = rowsOf(o.dr.pages(o.scope, marker, o.signal), 'dr', state);
  let pagesSeen = 0;
  let batchPages = 0;
  try {
    for await (const row of mergeJoin(src, dr)) {
      compared++;
      lastKey = row.key;
      const n = nominate(row, clock(), graceMs);
      if (n.kind === 'in-sync') counts['in-sync']++;
      else if (n.kind === 'too-new') {
        counts['too-new']++;
        const alias = row.source?.alias ?? row.dr?.alias ?? null;
        emit({ key: row.key, object: objectOf(o.scope, row.key, alias), category: 'too-new', listed: 'too-new', reasons: ['source version inside the grace period'], sourceRow: row.source, drRow: row.dr, sourceHead: null, drHead: null, repair: null });
      } else {
        if (batch.length === 0) batchPages = state.pages.source + state.pages.dr;
        batch.push({ row, listed: n.listed });
      }
      const pages = state.pages.source + state.pages.dr;
      // Candidates wait for at most a batch or a page: the marker (and a checkpoint) follows closely.
      if (batch.length >= batchSize || (batch.length > 0 && pages !== batchPages)) await flush();
      if (batch.length === 0) marker = lastKey;
      if (pages !== pagesSeen) {
        pagesSeen = pages;
        o.onProgress?.(progress());
      }
      if (o.signal?.aborted) return finish('aborted', false);
      if (o.stopAt !== undefined && clock() >= o.stopAt) {
        await flush();
        marker = lastKey;
        return finish('budget', false);
      }
    }
    await flush();
    marker = lastKey;
    o.onProgress?.(progress());
    return finish(null, true);
  } catch (err) {
    if (o.signal?.aborted) return finish('aborted', false);
    if (state.failure) return finish('error', false);
    throw err;
  }
}

/** Lists the buckets of a domain on one cluster (all pages; bucket lists are small). */
export async function listBuckets(port: ListingPort, domain: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for await (const page of port.pages({ kind: 'buckets', domain }, null, signal)) for (const row of page) out.push(row.key);
  return out;
}
