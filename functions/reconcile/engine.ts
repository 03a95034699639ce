import { ListingError, type ListingEnd } from '../core/listing/listing.js';
import { CATEGORIES, mergeJoinPages, nominate, type Category, type JoinedRow } from '../core/listing/reconcile-diff.js';
import type { ObjectRef } from '../core/message/message.js';
import { unnameableReason } from '../core/send/scsp-request.js';
import { pagesOf, SideFailure, type Side, type SideTally } from './side-pages.js';
import { confirmBatch, objectOf, type Candidate } from './confirm-batch.js';
import { countWarnings } from './object-count.js';
import {
  DEFAULT_GRACE_MS,
  NO_REPAIRS,
  type Finding,
  type ReconcileScopeOptions,
  type ScopeProgress,
  type ScopeSummary,
} from './scope-types.js';

/**
 * The reconcile engine: works one scope (the named objects of a bucket, or the unnamed objects of
 * a domain) from a continuation marker until it is done, its budget runs out or it is aborted,
 * and returns a summary with the marker to continue from. Everything outside (listings, HEADs,
 * repairs, time) comes in through ports, so the CLI, the demo and the AWS handler share it.
 */

/** One walk of one scope: the state {@link reconcileScope} keeps between rows. */
class ScopeWalk implements SideTally {
  readonly clock: () => number;
  readonly started: number;
  readonly graceMs: number;
  readonly batchSize: number;
  readonly counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  readonly repairs = { ...NO_REPAIRS };
  readonly pages: Record<Side, number> = { source: 0, dr: 0 };
  /** Rows each side listed so far, and as of the marker. */
  readonly seen: Record<Side, number> = { source: 0, dr: 0 };
  listed: Record<Side, number>;
  readonly ended: Record<Side, ListingEnd | null> = { source: null, dr: null };
  drScopeMissing = false;
  failure: { side: Side | null; err: unknown } | null = null;
  marker: string | null;
  lastKey: string | null;
  compared = 0;
  heads = 0;
  bytesMissing = 0;
  batch: Candidate[] = [];
  /** Pages read when the batch's first candidate came; pages when progress was last told. */
  batchPages = 0;
  pagesSeen = 0;

  constructor(readonly o: ReconcileScopeOptions) {
    this.clock = o.clock ?? Date.now;
    this.started = this.clock();
    this.graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
    this.batchSize = Math.max(1, o.batchSize ?? 64);
    this.marker = o.marker || null;
    this.lastKey = this.marker;
    this.seen.source = o.listedBefore?.source ?? 0;
    this.seen.dr = o.listedBefore?.dr ?? 0;
    this.listed = { ...this.seen };
  }

  /** Everything up to the last key is done: the marker moves there. */
  markDone(): void {
    this.marker = this.lastKey;
    this.listed = { ...this.seen };
  }

  progress(): ScopeProgress {
    return {
      scope: this.o.scope,
      compared: this.compared,
      pages: { ...this.pages },
      heads: this.heads,
      counts: { ...this.counts },
      marker: this.marker,
      listed: { ...this.listed },
    };
  }

  emit(f: Omit<Finding, 'scope'>): void {
    this.o.onFinding?.({ scope: this.o.scope, ...f });
  }

  /** Confirms the waiting candidates by HEAD, repairs what is confirmed, and reports them. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const work = this.batch.splice(0);
    const { o } = this;
    // The scope, the ports (HEADs, repair, delete) and the signal come as they were given.
    const confirmed = await confirmBatch(work, this.clock(), {
      ...o,
      graceMs: this.graceMs,
      unprovenIdentity: o.unprovenIdentity,
      headConcurrency: o.headConcurrency ?? 16,
      onHeads: (n) => (this.heads += n),
    });
    for (const v of confirmed) {
      const { category, reasons } = v.verdict;
      const row = v.candidate.row;
      this.counts[category]++;
      if (category === 'missing-on-dr') this.bytesMissing += v.sourceHead.bytes ?? row.source?.bytes ?? 0;
      if (v.repair) this.repairs[v.repair.action]++;
      if (category !== 'in-sync') {
        this.emit({
          key: row.key,
          object: v.object,
          category,
          listed: v.candidate.listed,
          reasons,
          sourceRow: row.source,
          drRow: row.dr,
          sourceHead: v.sourceHead,
          drHead: v.drHead,
          repair: v.repair,
        });
      }
    }
  }

  /** Counts and reports a row that gets no HEAD (too new, or unnameable). */
  unheaded(row: JoinedRow, object: ObjectRef, category: Category, listed: Finding['listed'], reason: string): void {
    this.counts[category]++;
    this.emit({
      key: row.key,
      object,
      category,
      listed,
      reasons: [reason],
      sourceRow: row.source,
      drRow: row.dr,
      sourceHead: null,
      drHead: null,
      repair: null,
    });
  }

  /**
   * The listings' first look at one row: in sync and too-new cost nothing more; the rest wait for
   * HEADs. Returns the pages read.
   */
  nominate(row: JoinedRow): number {
    this.compared++;
    this.lastKey = row.key;
    if (row.source) this.seen.source++;
    if (row.dr) this.seen.dr++;
    const n = nominate(row, this.clock(), this.graceMs);
    const object = objectOf(this.o.scope, row.key, row.source?.alias ?? row.dr?.alias ?? null);
    const unnameable = unnameableReason(object);
    // Reported and counted; no HEAD, no repair: no request can carry its name.
    if (unnameable !== null)
      this.unheaded(row, object, 'unnameable', n.kind === 'candidate' ? n.listed : n.kind, unnameable);
    else if (n.kind === 'in-sync') this.counts['in-sync']++;
    else if (n.kind === 'too-new')
      this.unheaded(row, object, 'too-new', 'too-new', 'source version inside the grace period');
    else {
      if (this.batch.length === 0) this.batchPages = this.pages.source + this.pages.dr;
      this.batch.push({ row, listed: n.listed });
    }
    return this.pages.source + this.pages.dr;
  }

  /** Candidates wait for at most a batch or a page: the marker (and a checkpoint) follows closely. */
  flushDue(pages: number): boolean {
    return this.batch.length >= this.batchSize || (this.batch.length > 0 && pages !== this.batchPages);
  }

  /** After a row: moves the marker, tells progress once per page, and says whether to stop. */
  afterStep(pages: number): 'aborted' | 'budget' | null {
    if (this.batch.length === 0) this.markDone();
    if (pages !== this.pagesSeen) {
      this.pagesSeen = pages;
      this.o.onProgress?.(this.progress());
    }
    if (this.o.signal?.aborted) return 'aborted';
    return this.o.stopAt !== undefined && this.clock() >= this.o.stopAt ? 'budget' : null;
  }

  /** The summary; `complete` only when both listings ended as the protocol ends a listing. */
  async finish(stopped: ScopeSummary['stopped']): Promise<ScopeSummary> {
    const err = this.failure?.err;
    const complete = stopped === null && this.ended.source !== null && this.ended.dr !== null;
    const { listing, warnings } = await countWarnings(this, this.o, complete);
    return {
      ...this.progress(),
      marker: complete ? null : this.marker,
      complete,
      listing,
      warnings,
      stopped,
      error: this.failure
        ? {
            side: this.failure.side,
            code: err instanceof ListingError ? err.code : 'internal',
            message: err instanceof Error ? err.message : String(err),
            transient: err instanceof ListingError ? err.transient : false,
          }
        : null,
      bytesMissing: this.bytesMissing,
      repairs: { ...this.repairs },
      drScopeMissing: this.drScopeMissing,
      durationMs: this.clock() - this.started,
    };
  }

  /** Walks both listings to their end (or a stop), confirming candidates as it goes. */
  async run(): Promise<ScopeSummary> {
    const { o } = this;
    const src = pagesOf(o.source.pages(o.scope, this.marker, o.signal), 'source', this);
    const dr = pagesOf(o.dr.pages(o.scope, this.marker, o.signal), 'dr', this);
    try {
      for await (const run of mergeJoinPages(src, dr)) {
        for (const row of run) {
          const pages = this.nominate(row);
          if (this.flushDue(pages)) await this.flush();
          const stop = this.afterStep(pages);
          if (stop === 'aborted') return await this.finish('aborted');
          if (stop === 'budget') {
            await this.flush();
            this.markDone();
            return await this.finish('budget');
          }
        }
      }
      await this.flush();
      this.markDone();
      o.onProgress?.(this.progress());
      return await this.finish(null);
    } catch (err) {
      // Nothing escapes a scope: a listing's failure names its side; anything else is the walk's.
      if (err instanceof SideFailure) this.failure = { side: err.side, err: err.err };
      if (o.signal?.aborted) return this.finish('aborted');
      this.failure ??= { side: null, err };
      return this.finish('error');
    }
  }
}

/**
 * Reconciles one scope. Never throws for what the clusters do: a listing that fails ends the
 * scope with `stopped: 'error'` and the marker up to which everything was done. A listing diff
 * alone never repairs anything: every candidate gets a HEAD on both clusters first.
 */
export function reconcileScope(o: ReconcileScopeOptions): Promise<ScopeSummary> {
  return new ScopeWalk(o).run();
}
