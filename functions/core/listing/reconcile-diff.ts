import { DEFAULT_UNPROVEN_IDENTITY, type UnprovenIdentity } from '../copy/content-identity.js';
import { compareKeys, type ListingRow } from './listing.js';
import { compareHeads } from './reconcile-identity.js';

/**
 * The reconcile diff (pure): a merge-join of two key-ordered listings, and the verdict on one
 * object from HEAD evidence. A listing diff only nominates candidates; the verdict that may lead
 * to a SEND comes from {@link confirm}, on HEADs of both clusters.
 */

/** Where one object stands. */
export type Category =
  /** The same object on both, by content identity (equal ETags, or equal sizes and Content-MD5). */
  | 'in-sync'
  /** On the source, absent on DR (HEAD 404 on DR). Repaired by a SEND. */
  | 'missing-on-dr'
  /** On both, not the same object by content identity (or unproven, not accepted). Repaired by a forced feed SEND. */
  | 'different'
  /** On DR only. Reported, never deleted. */
  | 'extra-on-dr'
  /** Source version younger than the grace period: indexing and the pipeline may still be at work. */
  | 'too-new'
  /** A HEAD could not answer (error, 5xx, 401): no verdict, no SEND. */
  | 'unconfirmed'
  /** Listed on the source but deleted there before the HEAD: nothing to do. */
  | 'gone-from-source'
  /** Listed under a name no request can carry (a lone surrogate): never HEADed, never sent. */
  | 'unnameable';

export const CATEGORIES: readonly Category[] = [
  'in-sync',
  'missing-on-dr',
  'different',
  'extra-on-dr',
  'too-new',
  'unconfirmed',
  'gone-from-source',
  'unnameable',
];

/** Categories that leave the clusters diverged. */
export const DIVERGENT: ReadonlySet<Category> = new Set([
  'missing-on-dr',
  'different',
  'extra-on-dr',
  'unconfirmed',
  'unnameable',
]);

/** One step of the merge-join: a key and the row each side listed for it. */
export interface JoinedRow {
  readonly key: string;
  readonly source: ListingRow | null;
  readonly dr: ListingRow | null;
}

/** One side of a merge-join: its current page and the next row in it. */
class PageCursor {
  page: readonly ListingRow[] = [];
  at = 0;
  done = false;
  constructor(readonly pages: AsyncIterator<readonly ListingRow[]>) {}

  /** The next row, or undefined when the page is used up (or the stream is done). */
  peek(): ListingRow | undefined {
    return this.page[this.at];
  }

  /** Whether the next row needs the next page. */
  get exhausted(): boolean {
    return !this.done && this.at >= this.page.length;
  }

  async refill(): Promise<void> {
    const next = await this.pages.next();
    if (next.done) this.done = true;
    else [this.page, this.at] = [next.value, 0];
  }
}

/** Refills every exhausted side at once (source and DR in parallel); the source's error first. */
async function refill(cursors: readonly PageCursor[]): Promise<void> {
  const results = await Promise.allSettled(cursors.filter((c) => c.exhausted).map((c) => c.refill()));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** Joins rows until one side's page is used up: one run of the merge-join. */
function joinRun(a: PageCursor, b: PageCursor): JoinedRow[] {
  const run: JoinedRow[] = [];
  while (!a.exhausted && !b.exhausted) {
    const x = a.peek();
    const y = b.peek();
    if (x === undefined && y === undefined) break;
    const order = x === undefined ? 1 : y === undefined ? -1 : compareKeys(x.key, y.key);
    if (order < 0) {
      run.push({ key: x!.key, source: x!, dr: null });
      a.at++;
    } else if (order > 0) {
      run.push({ key: y!.key, source: null, dr: y! });
      b.at++;
    } else {
      run.push({ key: x!.key, source: x!, dr: y! });
      a.at++;
      b.at++;
    }
  }
  return run;
}

/**
 * Walks two key-ordered page streams together (both in {@link compareKeys} order) and yields
 * the joined rows in runs: a run ends where one side's page is used up, and the next page of
 * each side that needs one is then fetched (both sides at once when both do). Memory: one page
 * of each side. The streams must be strictly ascending; the listing client checks that.
 */
export async function* mergeJoinPages(
  source: AsyncIterable<readonly ListingRow[]>,
  dr: AsyncIterable<readonly ListingRow[]>,
): AsyncGenerator<JoinedRow[]> {
  const a = new PageCursor(source[Symbol.asyncIterator]());
  const b = new PageCursor(dr[Symbol.asyncIterator]());
  try {
    for (;;) {
      if (a.exhausted || b.exhausted) await refill([a, b]);
      else if (a.done && b.done && a.peek() === undefined && b.peek() === undefined) return;
      else yield joinRun(a, b);
    }
  } finally {
    await Promise.all([a.pages.return?.(), b.pages.return?.()]);
  }
}

/** Row streams as pages of one row each. */
async function* single(rows: AsyncIterable<ListingRow>): AsyncGenerator<ListingRow[]> {
  for await (const row of rows) yield [row];
}

/**
 * The same join over two key-ordered row streams, a joined row at a time (memory: one row of
 * each side). The engine uses {@link mergeJoinPages}, which costs no async step per row.
 */
export async function* mergeJoin(
  source: AsyncIterable<ListingRow>,
  dr: AsyncIterable<ListingRow>,
): AsyncGenerator<JoinedRow> {
  for await (const run of mergeJoinPages(single(source), single(dr))) yield* run;
}

/** How listed rows differ; empty when they agree on everything both carry. */
export function rowDifferences(src: Evidence, dr: Evidence): string[] {
  const out: string[] = [];
  if (src.bytes !== null && dr.bytes !== null && src.bytes !== dr.bytes) out.push(`bytes ${src.bytes} != ${dr.bytes}`);
  if (src.hash !== null && dr.hash !== null && src.hash !== dr.hash) out.push(`hash ${src.hash} != ${dr.hash}`);
  if (src.lastModified !== null && dr.lastModified !== null && src.lastModified > dr.lastModified) {
    out.push(`source newer (${new Date(src.lastModified).toISOString()} > ${new Date(dr.lastModified).toISOString()})`);
  }
  return out;
}

/** What a listing row or a HEAD says about one copy. */
export interface Evidence {
  readonly bytes: number | null;
  readonly hash: string | null;
  readonly lastModified: number | null;
}

/** The first look, from the listings alone. */
export type Nomination =
  | { readonly kind: 'in-sync' }
  | { readonly kind: 'too-new' }
  /** Needs HEADs on both clusters before any verdict. */
  | {
      readonly kind: 'candidate';
      readonly listed: 'missing-on-dr' | 'different' | 'extra-on-dr';
      readonly differences: string[];
    };

/** Whether a source version is inside the grace period. */
export function isTooNew(lastModified: number | null, now: number, graceMs: number): boolean {
  return lastModified !== null && now - lastModified < graceMs;
}

const IN_SYNC: Nomination = Object.freeze({ kind: 'in-sync' });
const TOO_NEW: Nomination = Object.freeze({ kind: 'too-new' });

/** Nominates one joined row: in-sync and too-new rows need no HEAD; the rest are candidates. */
export function nominate(row: JoinedRow, now: number, graceMs: number): Nomination {
  if (row.source && isTooNew(row.source.lastModified, now, graceMs)) return TOO_NEW;
  if (row.source && !row.dr) return { kind: 'candidate', listed: 'missing-on-dr', differences: [] };
  if (!row.source) return { kind: 'candidate', listed: 'extra-on-dr', differences: [] };
  const differences = rowDifferences(row.source, row.dr!);
  return differences.length ? { kind: 'candidate', listed: 'different', differences } : IN_SYNC;
}

/** A HEAD's answer, reduced to what the verdict needs. */
export interface HeadEvidence extends Evidence {
  /** HTTP status, null when no answer came (network error). */
  readonly status: number | null;
  /** Why the HEAD gave no usable answer (error code, status text). */
  readonly error: string | null;
  /** Unnamed objects: whether the HEAD showed an alias (`Castor-System-Alias`); absent when unknown. */
  readonly alias?: boolean | undefined;
  /** The stored Content-MD5 (base64), when the writer stored one: content identity's digest. */
  readonly contentMd5?: string | null | undefined;
}

/** The verdict on a candidate, with the evidence it rests on. */
export interface Confirmation {
  readonly category: Category;
  readonly reasons: string[];
}

/** 404, or 412 (the object's domain or bucket does not exist on that cluster): no such object there. */
function absent(h: HeadEvidence): boolean {
  return h.status === 404 || h.status === 412;
}

function failed(h: HeadEvidence): boolean {
  return h.error !== null || (h.status !== 200 && !absent(h));
}

/**
 * The verdict from HEADs on both clusters (the listings may lag): 404 (or 412, no such domain or
 * bucket) on the source means it was deleted meanwhile; 404 on DR with 200 on the source means
 * missing; 200 on both compares them by content identity ({@link compareHeads}). A HEAD that
 * errs gives `unconfirmed`.
 */
export function confirm(
  src: HeadEvidence,
  dr: HeadEvidence,
  now: number,
  graceMs: number,
  unproven: UnprovenIdentity = DEFAULT_UNPROVEN_IDENTITY,
): Confirmation {
  if (failed(src) || failed(dr)) {
    const why = [
      failed(src) ? `source HEAD ${src.status ?? '-'} ${src.error ?? ''}`.trim() : null,
      failed(dr) ? `DR HEAD ${dr.status ?? '-'} ${dr.error ?? ''}`.trim() : null,
    ];
    return { category: 'unconfirmed', reasons: why.filter((w): w is string => w !== null) };
  }
  if (absent(src))
    return absent(dr)
      ? { category: 'gone-from-source', reasons: [`HEAD ${src.status} on the source, ${dr.status} on DR`] }
      : { category: 'extra-on-dr', reasons: [`source HEAD ${src.status}, DR HEAD 200`] };
  if (isTooNew(src.lastModified, now, graceMs))
    return { category: 'too-new', reasons: ['source version inside the grace period'] };
  if (absent(dr)) return { category: 'missing-on-dr', reasons: [`source HEAD 200, DR HEAD ${dr.status}`] };
  return compareHeads(src, dr, unproven);
}
