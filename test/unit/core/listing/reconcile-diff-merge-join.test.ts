import fc from 'fast-check';
import { compareKeys, type ListingRow } from '../../../../functions/core/listing/listing.js';
import { mergeJoinPages, type JoinedRow } from '../../../../functions/core/listing/reconcile-diff.js';

const row = (key: string): ListingRow => ({ key, bytes: null, hash: null, lastModified: null, alias: null });

/** Splits sorted keys into pages at the given cut points (empty pages included). */
async function* paged(keys: readonly string[], cuts: readonly number[]): AsyncGenerator<ListingRow[]> {
  let from = 0;
  for (const cut of [...cuts.map((c) => c % (keys.length + 1))].sort((a, b) => a - b)) {
    yield keys.slice(from, Math.max(from, cut)).map(row);
    from = Math.max(from, cut);
  }
  yield keys.slice(from).map(row);
}

async function joined(source: AsyncIterable<ListingRow[]>, dr: AsyncIterable<ListingRow[]>): Promise<JoinedRow[]> {
  const out: JoinedRow[] = [];
  for await (const run of mergeJoinPages(source, dr)) out.push(...run);
  return out;
}

describe('mergeJoinPages', () => {
  test('joins every key once, in byte order, whatever the page boundaries on each side', async () => {
    const keys = fc
      .uniqueArray(
        fc.string({ unit: 'binary', maxLength: 4 }).filter((s) => s !== ''),
        { maxLength: 60 },
      )
      .map((k) => k.sort(compareKeys));
    const cuts = fc.array(fc.nat(), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(keys, keys, cuts, cuts, async (src, dr, srcCuts, drCuts) => {
        const rows = await joined(paged(src, srcCuts), paged(dr, drCuts));
        const all = [...new Set([...src, ...dr])].sort(compareKeys);
        expect(rows.map((r) => r.key)).toEqual(all);
        for (const r of rows) {
          expect(r.source?.key ?? null).toBe(src.includes(r.key) ? r.key : null);
          expect(r.dr?.key ?? null).toBe(dr.includes(r.key) ? r.key : null);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('a side that fails ends the join with its error, and both listings are closed', async () => {
    let closed = 0;
    async function* failing(): AsyncGenerator<ListingRow[]> {
      try {
        yield [row('a')];
        throw new Error('listing broke');
      } finally {
        closed++;
      }
    }
    async function* fine(): AsyncGenerator<ListingRow[]> {
      try {
        yield [row('a')];
        yield [row('b')];
      } finally {
        closed++;
      }
    }
    await expect(joined(failing(), fine())).rejects.toThrow('listing broke');
    expect(closed).toBe(2);
  });
});
