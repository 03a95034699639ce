import { ListingError, type ListingEnd, type ListingRow } from '../core/listing/listing.js';
import { SwarmSendError } from '../core/errors.js';

export type Side = 'source' | 'dr';

/** A listing that failed, and on which side. */
export class SideFailure extends SwarmSendError {
  constructor(
    readonly side: Side,
    readonly err: unknown,
  ) {
    super('listing-failed', err instanceof Error ? err.message : String(err));
    this.name = 'SideFailure';
  }
}

/** What a walk keeps of one side's listing: pages read, and how it ended (null: not yet). */
export interface SideTally {
  readonly pages: Record<Side, number>;
  readonly ended: Record<Side, ListingEnd | null>;
  drScopeMissing: boolean;
}

/**
 * Counts one side's pages, and keeps how its listing ended (the iterator's return
 * value: a port that does not say how it ended has not ended as the protocol ends a listing).
 * A DR scope that answers 404 before any page is read as empty (`not-found`).
 */
export async function* pagesOf(
  pages: AsyncIterable<ListingRow[], ListingEnd | void>,
  side: Side,
  walk: SideTally,
): AsyncGenerator<ListingRow[]> {
  const it = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) {
        walk.ended[side] = next.value || null;
        return;
      }
      walk.pages[side]++;
      yield next.value;
    }
  } catch (err) {
    if (side === 'dr' && err instanceof ListingError && err.code === 'not-found' && walk.pages.dr === 0) {
      walk.drScopeMissing = true;
      walk.ended.dr = 'not-found';
      return;
    }
    throw new SideFailure(side, err);
  } finally {
    await it.return?.();
  }
}
