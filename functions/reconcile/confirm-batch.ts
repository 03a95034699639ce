import type { ObjectRef } from '../core/message/message.js';
import { confirm, type HeadEvidence, type JoinedRow, type Confirmation } from '../core/listing/reconcile-diff.js';
import type { DeletePort, HeadPort, ObjectScope, RepairItem, RepairPort, RepairResult } from './scope-types.js';
import type { UnprovenIdentity } from '../core/copy/content-identity.js';

/**
 * Confirming candidates: every object the listings nominate gets a HEAD on both clusters, and
 * only a verdict from those HEADs may lead to a repair.
 */

/** A row the listings nominated, waiting for its HEADs. */
export interface Candidate {
  readonly row: JoinedRow;
  readonly listed: 'missing-on-dr' | 'different' | 'extra-on-dr';
}

/** One candidate after its HEADs, with the repair it got (null: none). */
export interface Confirmed {
  readonly candidate: Candidate;
  readonly object: ObjectRef;
  readonly sourceHead: HeadEvidence;
  readonly drHead: HeadEvidence;
  readonly verdict: Confirmation;
  readonly repair: RepairResult | null;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A HEAD that throws (it should not) is evidence of a failure, never an error out of the scope. */
async function headOf(o: ConfirmOptions, side: 'source' | 'dr', object: ObjectRef): Promise<HeadEvidence> {
  try {
    return await o.heads.head(side, object, o.signal);
  } catch (err) {
    return { status: null, error: `request-failed: ${messageOf(err)}`, bytes: null, hash: null, lastModified: null };
  }
}

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

/** Hands the confirmed extra-on-dr objects to the delete port, when there is one. */
async function deleteExtras(
  verdicts: (Omit<Confirmed, 'repair'> & { repair: RepairResult | null })[],
  o: ConfirmOptions,
): Promise<void> {
  const extras = verdicts.filter((v) => v.verdict.category === 'extra-on-dr');
  if (!o.deleteExtra || extras.length === 0) return;
  // DR's HEAD says whether an unnamed object is an alias when the listing did not.
  const objects = extras.map((v) =>
    v.drHead.alias !== undefined && o.scope.kind === 'unnamed'
      ? objectOf(o.scope, v.candidate.row.key, v.drHead.alias)
      : v.object,
  );
  const results = await o.deleteExtra
    .delete(objects, o.signal)
    .catch((err: unknown): RepairResult[] =>
      extras.map(() => ({ action: 'failed', detail: `delete failed: ${messageOf(err)}` })),
    );
  extras.forEach((v, i) => (v.repair = results[i] ?? null));
}

export interface ConfirmOptions {
  readonly scope: ObjectScope;
  readonly heads: HeadPort;
  readonly repair?: RepairPort | null;
  /** Deletes the confirmed extra-on-dr objects; null: reported only. */
  readonly deleteExtra?: DeletePort | null;
  readonly graceMs: number;
  /** The route's `unprovenIdentity` (content identity with no digest on both sides). */
  readonly unprovenIdentity?: UnprovenIdentity | undefined;
  /** HEADs in flight at once (two per candidate). */
  readonly headConcurrency: number;
  readonly signal?: AbortSignal | undefined;
  /** Told of every pair of HEADs as it completes. */
  readonly onHeads?: (count: number) => void;
}

/**
 * HEADs both clusters for each candidate, gives the verdicts, and hands the confirmed missing and
 * different objects to the repair port (when there is one). Results in the candidates' order.
 * Throws when the signal aborts while the HEADs were in flight.
 */
export async function confirmBatch(work: readonly Candidate[], now: number, o: ConfirmOptions): Promise<Confirmed[]> {
  const verdicts = await mapLimit(work, Math.max(1, Math.floor(o.headConcurrency / 2)), async (candidate) => {
    const alias = candidate.row.source?.alias ?? candidate.row.dr?.alias ?? null;
    const object = objectOf(o.scope, candidate.row.key, alias);
    const [sourceHead, drHead] = await Promise.all([headOf(o, 'source', object), headOf(o, 'dr', object)]);
    o.onHeads?.(2);
    return {
      candidate,
      object,
      sourceHead,
      drHead,
      verdict: confirm(sourceHead, drHead, now, o.graceMs, o.unprovenIdentity),
      repair: null as RepairResult | null,
    };
  });
  if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
  const toRepair = verdicts.filter((v) => v.verdict.category === 'missing-on-dr' || v.verdict.category === 'different');
  // The source HEAD says whether an unnamed object is an alias when the listing did not.
  for (const v of toRepair)
    if (v.sourceHead.alias !== undefined && o.scope.kind === 'unnamed')
      v.object = objectOf(o.scope, v.candidate.row.key, v.sourceHead.alias);
  const results =
    o.repair && toRepair.length
      ? await o.repair
          .repair(
            toRepair.map((v) => ({
              object: v.object,
              category: v.verdict.category as RepairItem['category'],
              bytes: v.sourceHead.bytes,
            })),
            o.signal,
          )
          .catch((err: unknown): RepairResult[] =>
            // A repair port that throws fails these repairs; the HEAD verdicts stand.
            toRepair.map(() => ({ action: 'failed', detail: `repair failed: ${messageOf(err)}` })),
          )
      : [];
  toRepair.forEach((v, i) => (v.repair = results[i] ?? null));
  await deleteExtras(verdicts, o);
  return verdicts;
}
