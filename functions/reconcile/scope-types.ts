import type { ListingRow, ListingScope } from '../core/listing.js';
import type { ObjectRef } from '../core/message.js';
import type { Category, HeadEvidence } from '../core/reconcile-diff.js';

/**
 * The reconcile engine's contract: the scope it walks, the ports everything outside comes in
 * through (listings, HEADs, repairs), and what it reports (findings, progress, the summary).
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
  readonly error: {
    readonly side: 'source' | 'dr';
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
