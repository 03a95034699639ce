import { ListingError, type ListingRow } from '../core/listing.js';

export type Side = 'source' | 'dr';

/** A listing that failed, and on which side. */
export class SideFailure extends Error {
  constructor(
    readonly side: Side,
    readonly err: unknown,
  ) {
    super(err instanceof Error ? err.message : String(err));
  }
}

/** Counts one side's pages; a DR scope that answers 404 before any page is read as empty. */
export async function* pagesOf(
  pages: AsyncIterable<ListingRow[]>,
  side: Side,
  walk: { pages: Record<Side, number>; drScopeMissing: boolean },
): AsyncGenerator<ListingRow[]> {
  try {
    for await (const page of pages) {
      walk.pages[side]++;
      yield page;
    }
  } catch (err) {
    if (side === 'dr' && err instanceof ListingError && err.code === 'not-found' && walk.pages.dr === 0) {
      walk.drScopeMissing = true;
      return;
    }
    throw new SideFailure(side, err);
  }
}
