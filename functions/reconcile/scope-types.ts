import type { ListingEnd, ListingRow, ListingScope } from '../core/listing/listing.js';
import type { ObjectRef } from '../core/message/message.js';
import type { Category, HeadEvidence } from '../core/listing/reconcile-diff.js';
import type { UnprovenIdentity } from '../core/copy/content-identity.js';

/**
 * The reconcile engine's contract: the scope it walks, the ports everything outside comes in
 * through (listings, HEADs, repairs), and what it reports (findings, progress, the summary).
 */

/** A scope the engine walks: a bucket's named objects, or a domain's unnamed ones. */
export type ObjectScope = Extract<ListingScope, { kind: 'named' } | { kind: 'unnamed' }>;

/**
 * Pages of one cluster's listing, strictly after `marker`; throws {@link ListingError}. The
 * iterator returns how the listing ended; one that returns nothing did not end as the protocol
 * ends a listing, and its scope is not complete.
 */
export interface ListingPort {
  pages(
    scope: ListingScope,
    marker: string | null,
    signal?: AbortSignal,
  ): AsyncIterable<ListingRow[], ListingEnd | void>;
  /**
   * The objects the cluster counts in a bucket (`Castor-Object-Count` of a `du` listing), or
   * null when it does not say. Optional: without it no count is compared.
   */
  objectCount?(scope: { domain: string; bucket: string }, signal?: AbortSignal): Promise<number | null>;
}

/** What one side's listing showed in a scope. */
export interface SideListing {
  /** Rows listed, over every slice of the scope so far (`listedBefore` included). */
  readonly rows: number;
  /** Pages read in this walk. */
  readonly pages: number;
  /** How the listing ended; null: it did not (an error, a stop). */
  readonly ended: ListingEnd | null;
  /** The cluster's own object count of the bucket, asked once the listing ended; null when not known. */
  readonly objectCount: number | null;
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
  /**
   * `sent`: SENT and answered 201/409; `enqueued`: a SEND message is on the queue; `deleted`: an
   * object only on DR, deleted with the delete proof (`--delete-extra`), or found gone by it.
   */
  readonly action: 'sent' | 'enqueued' | 'not-repaired' | 'failed' | 'deleted';
  readonly detail: string | null;
}

/** Repairs confirmed objects (in the order given; results in the same order). Never deletes. */
export interface RepairPort {
  repair(items: readonly RepairItem[], signal?: AbortSignal): Promise<RepairResult[]>;
}

/** Each repair action at zero: where a scope's and a run's counts start. */
export const NO_REPAIRS: Readonly<Record<RepairResult['action'], number>> = {
  sent: 0,
  enqueued: 0,
  'not-repaired': 0,
  failed: 0,
  deleted: 0,
};

/**
 * Deletes confirmed `extra-on-dr` objects with the delete proof (docs/deletes.md): each only when
 * the source's HEAD answers 404 at the time of deleting. Results in the order given; never throws
 * for what the clusters do.
 */
export interface DeletePort {
  delete(objects: readonly ObjectRef[], signal?: AbortSignal): Promise<RepairResult[]>;
}

/** One object the report lists (everything that is not plainly in sync). */
export interface Finding {
  readonly scope: ObjectScope;
  readonly key: string;
  readonly object: ObjectRef;
  readonly category: Category;
  /** What the listings suggested, before the HEADs. */
  readonly listed: 'missing-on-dr' | 'different' | 'extra-on-dr' | 'too-new' | 'in-sync';
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
  /** Rows each side listed up to the marker, over every slice of the scope (for the counts). */
  readonly listed: { readonly source: number; readonly dr: number };
}

export interface ScopeSummary extends ScopeProgress {
  /** True only when both listings ended as the protocol ends a listing ({@link SideListing.ended}). */
  readonly complete: boolean;
  /** What each side's listing showed: rows, pages, how it ended, the cluster's count. */
  readonly listing: { readonly source: SideListing; readonly dr: SideListing };
  /** What an operator should look at although the walk went through (a count that disagrees). */
  readonly warnings: readonly string[];
  /** Why the walk stopped early: `budget` (stopAt reached), `aborted` (signal), or an error. */
  readonly stopped: null | 'budget' | 'aborted' | 'error';
  readonly error: {
    /** null: the walk itself failed (not one side's listing). */
    readonly side: 'source' | 'dr' | null;
    readonly code: string;
    readonly message: string;
    readonly transient: boolean;
  } | null;
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
  /** Rows each side listed before `marker` (earlier slices), so the counts compare whole listings. */
  readonly listedBefore?: { readonly source: number; readonly dr: number } | undefined;
  readonly source: ListingPort;
  readonly dr: ListingPort;
  readonly heads: HeadPort;
  /** null or absent: dry run (report only). */
  readonly repair?: RepairPort | null;
  /** Deletes confirmed extra-on-dr objects (`--delete-extra`); null or absent: they are reported only. */
  readonly deleteExtra?: DeletePort | null;
  /** Objects whose source version is younger than this are `too-new`. @default 600_000 (10 min) */
  readonly graceMs?: number;
  /** The route's `unprovenIdentity`: `accept` counts an unproven copy in sync, else `different`. @default "fail" */
  readonly unprovenIdentity?: UnprovenIdentity | undefined;
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

/**
 * How far a side's rows listed may differ from the cluster's object count before the summary
 * warns: the larger of {@link COUNT_LAG_OBJECTS} and {@link COUNT_LAG_FRACTION} of the count.
 * Both come from the search index, which lags writes (about 5 minutes at worst) and moves while
 * a walk runs; prior versions are counted but not listed. A named choice (docs/reconcile.md).
 */
export const COUNT_LAG_OBJECTS = 10;
export const COUNT_LAG_FRACTION = 0.01;
