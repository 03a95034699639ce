import {
  ListingError,
  compareKeys,
  type ListingRow,
  type ListingScope,
} from '../../../functions/core/listing/listing.js';
import type { ObjectRef } from '../../../functions/core/message/message.js';
import type { HeadEvidence } from '../../../functions/core/listing/reconcile-diff.js';
import { reconcileScope } from '../../../functions/reconcile/engine.js';
import {
  type Finding,
  type HeadPort,
  type ListingPort,
  type RepairItem,
  type RepairPort,
} from '../../../functions/reconcile/scope-types.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const OLD = NOW - 3600_000;

interface Obj {
  bytes: number;
  hash: string;
  lastModified: number;
}
type Side = Map<string, Obj>;

/** In-memory listing: sorted keys, pages of `size`, optional failure after some pages. */
function listing(side: Side, size = 3, failAfterPages?: number): ListingPort & { calls: number } {
  return {
    calls: 0,
    async *pages(_scope: ListingScope, marker: string | null) {
      this.calls++;
      const keys = [...side.keys()].sort(compareKeys).filter((k) => marker === null || compareKeys(k, marker) > 0);
      let pages = 0;
      for (let i = 0; i < keys.length; i += size) {
        if (failAfterPages !== undefined && pages === failAfterPages)
          throw new ListingError('unavailable', 'search off', 503);
        pages++;
        yield keys.slice(i, i + size).map((key): ListingRow => ({ key, alias: null, ...side.get(key)! }));
      }
      return 'empty-page' as const;
    },
  };
}

function heads(src: Side, dr: Side): HeadPort & { count: number } {
  return {
    count: 0,
    async head(which: 'source' | 'dr', object: ObjectRef): Promise<HeadEvidence> {
      this.count++;
      const o = (which === 'source' ? src : dr).get((object as { name: string }).name);
      return o
        ? { status: 200, error: null, ...o }
        : { status: 404, error: null, bytes: null, hash: null, lastModified: null };
    },
  };
}

function repairer(dr: Side, src: Side): RepairPort & { items: RepairItem[] } {
  return {
    items: [],
    async repair(items) {
      this.items.push(...items);
      for (const i of items) {
        const name = (i.object as { name: string }).name;
        dr.set(name, src.get(name)!);
      }
      return items.map(() => ({ action: 'sent' as const, detail: null }));
    },
  };
}

const scope = { kind: 'named', domain: 'd', bucket: 'b' } as const;
const o = (bytes: number, hash = `h${bytes}`, lastModified = OLD): Obj => ({ bytes, hash, lastModified });

describe('reconcileScope', () => {
  test('classifies every category and repairs only confirmed missing and different objects', async () => {
    const src: Side = new Map([
      ['a', o(1)],
      ['b', o(2)],
      ['c', o(3)],
      ['n', o(4, 'h4', NOW - 1000)],
      ['z', o(9)],
    ]);
    const dr: Side = new Map([
      ['a', o(1)],
      ['c', o(30)],
      ['x', o(7)],
      ['z', o(9)],
    ]);
    const findings: Finding[] = [];
    const rep = repairer(dr, src);
    const h = heads(src, dr);
    const s = await reconcileScope({
      scope,
      source: listing(src),
      dr: listing(dr),
      heads: h,
      repair: rep,
      clock: () => NOW,
      onFinding: (f) => findings.push(f),
    });
    expect(s.complete).toBe(true);
    expect(s.marker).toBeNull();
    expect(s.counts).toMatchObject({ 'in-sync': 2, 'missing-on-dr': 1, different: 1, 'extra-on-dr': 1, 'too-new': 1 });
    expect(findings.map((f) => [f.key, f.category]).sort()).toEqual([
      ['b', 'missing-on-dr'],
      ['c', 'different'],
      ['n', 'too-new'],
      ['x', 'extra-on-dr'],
    ]);
    expect(rep.items.map((i) => [(i.object as { name: string }).name, i.category])).toEqual([
      ['b', 'missing-on-dr'],
      ['c', 'different'],
    ]);
    expect(h.count).toBe(6); // candidates b, c, x only: two HEADs each, none for in-sync or too-new
    expect(s.bytesMissing).toBe(2);
  });

  test('a listing error ends the scope as an error with the marker of the work done, never as empty', async () => {
    const src: Side = new Map(Array.from({ length: 10 }, (_, i) => [`k${i}`, o(i)]));
    const dr: Side = new Map(src);
    const s = await reconcileScope({
      scope,
      source: listing(src, 3, 2),
      dr: listing(dr),
      heads: heads(src, dr),
      clock: () => NOW,
    });
    expect(s.stopped).toBe('error');
    expect(s.error).toMatchObject({ side: 'source', code: 'unavailable', transient: true });
    expect(s.complete).toBe(false);
    expect(s.counts['missing-on-dr']).toBe(0);
    expect(s.counts['extra-on-dr']).toBe(0);
    expect(s.marker).not.toBeNull();
  });

  test('a budget stop returns a marker and the continuation finishes the same set', async () => {
    const src: Side = new Map(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, '0')}`, o(i)]));
    const dr: Side = new Map([...src].filter((_, i) => i % 4 !== 0));
    let t = NOW;
    const found: string[] = [];
    const first = await reconcileScope({
      scope,
      source: listing(src),
      dr: listing(dr),
      heads: heads(src, dr),
      clock: () => (t += 100),
      stopAt: NOW + 800,
      batchSize: 2,
      onFinding: (f) => found.push(f.key),
    });
    expect(first.stopped).toBe('budget');
    expect(first.marker).not.toBeNull();
    const second = await reconcileScope({
      scope,
      marker: first.marker,
      source: listing(src),
      dr: listing(dr),
      heads: heads(src, dr),
      clock: () => NOW,
      onFinding: (f) => found.push(f.key),
    });
    expect(second.complete).toBe(true);
    expect(found.sort()).toEqual(['k00', 'k04', 'k08', 'k12', 'k16']);
    expect(first.compared + second.compared).toBe(20);
  });

  test('a bucket the DR cluster does not have reads as empty there and every object is confirmed by HEAD', async () => {
    const src: Side = new Map([['a', o(1)]]);
    const drPort: ListingPort = {
      // eslint-disable-next-line require-yield -- a listing that fails before its first page
      async *pages() {
        throw new ListingError('not-found', 'no bucket', 404);
      },
    };
    const s = await reconcileScope({
      scope,
      source: listing(src),
      dr: drPort,
      heads: heads(src, new Map()),
      clock: () => NOW,
    });
    expect(s.drScopeMissing).toBe(true);
    expect(s.counts['missing-on-dr']).toBe(1);
    // A bucket DR does not have is an end of DR's listing: the scope is complete.
    expect(s.listing.dr).toStrictEqual({ rows: 0, pages: 0, ended: 'not-found', objectCount: null });
    expect(s.complete).toBe(true);
  });

  test('a listing that does not say how it ended leaves the scope incomplete, whatever it listed', async () => {
    const src: Side = new Map([['a', o(1)]]);
    const mute: ListingPort = {
      async *pages() {
        yield [{ key: 'a', alias: null, ...o(1) }];
      },
    };
    const s = await reconcileScope({ scope, source: mute, dr: listing(src), heads: heads(src, src), clock: () => NOW });
    expect(s).toMatchObject({ complete: false, stopped: null, counts: { 'in-sync': 1 }, marker: 'a' });
    expect(s.listing.source).toStrictEqual({ rows: 1, pages: 1, ended: null, objectCount: null });
    expect(s.listing.dr).toMatchObject({ rows: 1, ended: 'empty-page' });
  });
});
