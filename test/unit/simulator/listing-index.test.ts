import fc from 'fast-check';
import { byteOrder, ListingIndex } from '../../../simulator/listing-index.js';
import type { StoredObject } from '../../../simulator/types.js';

const obj = (name: string): StoredObject => ({
  uuid: '0'.repeat(32),
  alias: false,
  domain: 'd',
  bucket: 'b',
  name,
  body: new Uint8Array(0),
  size: 0,
  virtual: false,
  etag: '""',
  contentType: 'x',
  created: new Date(0),
  version: '0.000',
  ec: false,
  cluster: 'c',
});
const scope = { kind: 'named', domain: 'd', bucket: 'b' } as const;

describe('simulator listing index', () => {
  test('pages list every visible key once, in byte order, while keys keep arriving (merges included)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.string({ unit: 'binary', maxLength: 6 }).filter((s) => s !== ''),
          { minLength: 5000, maxLength: 6000 },
        ),
        fc.integer({ min: 50, max: 900 }),
        (names, size) => {
          const idx = new ListingIndex();
          const half = Math.floor(names.length / 2);
          names.slice(0, half).forEach((n) => idx.record(obj(n), obj(n), 0));
          const seen: string[] = [];
          let marker = '';
          let added = half;
          for (;;) {
            const page = idx.page(scope, marker, size);
            if (page.length === 0) break;
            seen.push(...page.map((p) => p.key));
            marker = page.at(-1)!.key;
            // New keys arrive during the walk; those after the marker must still be listed.
            for (const n of names.slice(added, added + 700)) idx.record(obj(n), obj(n), 0);
            added += 700;
          }
          const visibleAfterStart = seen.length;
          expect(new Set(seen).size).toBe(visibleAfterStart);
          expect([...seen].sort(byteOrder)).toEqual(seen);
          const all = idx.page(scope, '', 100_000).map((p) => p.key);
          expect(all).toEqual([...names].sort(byteOrder));
        },
      ),
      { numRuns: 3 },
    );
  });

  test('a delete stays listed until the index lag has passed', () => {
    const idx = new ListingIndex();
    idx.record(obj('a'), obj('a'), 0, 1000);
    idx.record(obj('a'), undefined, 500, 2000);
    expect(idx.page(scope, '', 10, 2499).map((p) => p.key)).toEqual(['a']);
    expect(idx.page(scope, '', 10, 2500)).toEqual([]);
  });
});
