import type { ListingRow } from '../../../../functions/core/listing/listing.js';
import {
  CATEGORIES,
  confirm,
  DIVERGENT,
  isTooNew,
  mergeJoin,
  nominate,
  rowDifferences,
  type HeadEvidence,
  type JoinedRow,
} from '../../../../functions/core/listing/reconcile-diff.js';

// The reconcile diff: which keys the merge-join pairs, what the listings alone nominate, and the
// reasons a verdict gives (they reach the report an operator reads).

const NOW = 1_800_000_000_000;
const GRACE = 600_000;
const OLD = NOW - 3_600_000;
const row = (
  key: string,
  bytes: number | null = 1,
  hash: string | null = 'h',
  lastModified: number | null = OLD,
): ListingRow => ({ key, bytes, hash, lastModified, alias: null });

async function* stream(rows: ListingRow[], closed: string[], name: string): AsyncGenerator<ListingRow> {
  try {
    yield* rows;
  } finally {
    closed.push(name);
  }
}

async function join(src: string[], dr: string[]): Promise<[string, boolean, boolean][]> {
  const closed: string[] = [];
  const out: [string, boolean, boolean][] = [];
  for await (const j of mergeJoin(
    stream(
      src.map((k) => row(k)),
      closed,
      's',
    ),
    stream(
      dr.map((k) => row(k)),
      closed,
      'd',
    ),
  ))
    out.push([j.key, j.source !== null, j.dr !== null]);
  expect(closed.sort()).toStrictEqual(['d', 's']);
  return out;
}

describe('mergeJoin', () => {
  it('pairs equal keys and lists each key once, in order, with the side(s) that have it', async () => {
    expect(await join(['a', 'c', 'd', 'f'], ['b', 'c', 'e', 'f', 'g'])).toStrictEqual([
      ['a', true, false],
      ['b', false, true],
      ['c', true, true],
      ['d', true, false],
      ['e', false, true],
      ['f', true, true],
      ['g', false, true],
    ]);
  });

  it('walks to the end of the longer side when the other is empty', async () => {
    expect(await join([], ['x', 'y'])).toStrictEqual([
      ['x', false, true],
      ['y', false, true],
    ]);
    expect(await join(['x', 'y'], [])).toStrictEqual([
      ['x', true, false],
      ['y', true, false],
    ]);
    expect(await join([], [])).toStrictEqual([]);
  });

  it('orders keys by UTF-8 bytes, not UTF-16 code units', async () => {
    // In UTF-16 code units U+1F600 (0xD83D ...) comes before U+FF5E; in UTF-8 bytes (F0 ... > EF ...) after it.
    expect((await join(['\uff5e'], ['\u{1f600}'])).map(([k]) => k)).toStrictEqual(['\uff5e', '\u{1f600}']);
  });

  it('closes both listings when the consumer stops early', async () => {
    const closed: string[] = [];
    for await (const j of mergeJoin(stream([row('a'), row('b')], closed, 's'), stream([row('a')], closed, 'd')))
      if (j.key === 'a') break;
    expect(closed.sort()).toStrictEqual(['d', 's']);
  });
});

describe('rowDifferences', () => {
  const ev = (bytes: number | null, hash: string | null, lastModified: number | null) => ({
    bytes,
    hash,
    lastModified,
  });
  it('names bytes, hash and a newer source, each only when both sides know it', () => {
    expect(rowDifferences(ev(1, 'a', OLD), ev(2, 'b', OLD - 1000))).toStrictEqual([
      'bytes 1 != 2',
      'hash a != b',
      `source newer (${new Date(OLD).toISOString()} > ${new Date(OLD - 1000).toISOString()})`,
    ]);
    expect(rowDifferences(ev(null, null, null), ev(2, 'b', OLD))).toStrictEqual([]);
    expect(rowDifferences(ev(1, 'a', OLD), ev(null, null, null))).toStrictEqual([]);
    expect(rowDifferences(ev(1, 'a', OLD), ev(1, 'a', OLD))).toStrictEqual([]);
  });
});

describe('isTooNew', () => {
  it('is inside the grace period up to, not including, its end; an unknown time is not too new', () => {
    expect(isTooNew(NOW - GRACE + 1, NOW, GRACE)).toBe(true);
    expect(isTooNew(NOW - GRACE, NOW, GRACE)).toBe(false);
    expect(isTooNew(null, NOW, GRACE)).toBe(false);
  });
});

describe('nominate', () => {
  const joined = (source: ListingRow | null, dr: ListingRow | null): JoinedRow => ({ key: 'k', source, dr });
  it.each([
    ['equal rows', joined(row('k'), row('k')), { kind: 'in-sync' }],
    ['a young source row, even with DR missing', joined(row('k', 1, 'h', NOW - 1000), null), { kind: 'too-new' }],
    ['a source row alone', joined(row('k'), null), { kind: 'candidate', listed: 'missing-on-dr', differences: [] }],
    ['a DR row alone', joined(null, row('k')), { kind: 'candidate', listed: 'extra-on-dr', differences: [] }],
    [
      'a young DR row alone',
      joined(null, row('k', 1, 'h', NOW - 1000)),
      { kind: 'candidate', listed: 'extra-on-dr', differences: [] },
    ],
    [
      'rows of other sizes',
      joined(row('k', 1), row('k', 2)),
      { kind: 'candidate', listed: 'different', differences: ['bytes 1 != 2'] },
    ],
  ])('%s', (_what, j, expected) => {
    expect(nominate(j, NOW, GRACE)).toStrictEqual(expected);
  });
});

/** A HEAD that found the object: its size, hash and Last-Modified (an hour old by default). */
const ok = (bytes: number, hash: string, lastModified = OLD): HeadEvidence => ({
  status: 200,
  error: null,
  bytes,
  hash,
  lastModified,
});
/** A HEAD that found nothing usable: its status, or an error with no status. */
const none = (status: number | null, error: string | null = null): HeadEvidence => ({
  status,
  error,
  bytes: null,
  hash: null,
  lastModified: null,
});

describe('confirm (the verdict from HEADs)', () => {
  test.each([
    ['both equal', ok(1, 'a'), ok(1, 'a'), 'in-sync'],
    ['DR 404', ok(1, 'a'), none(404), 'missing-on-dr'],
    ['DR 412 (no such bucket there)', ok(1, 'a'), none(412), 'missing-on-dr'],
    ['other hash', ok(1, 'a'), ok(1, 'b'), 'different'],
    ['source newer, same ETag (the same object)', ok(1, 'a', NOW - 1000_000), ok(1, 'a', NOW - 2000_000), 'in-sync'],
    ['source newer, other size', ok(2, 'b', NOW - 1000_000), ok(1, 'a', NOW - 2000_000), 'different'],
    ['DR newer only', ok(1, 'a', NOW - 2000_000), ok(1, 'a', NOW - 1000_000), 'in-sync'],
    ['source young', ok(1, 'a', NOW - 1000), none(404), 'too-new'],
    ['source 404', none(404), ok(1, 'a'), 'extra-on-dr'],
    ['both 404', none(404), none(404), 'gone-from-source'],
    ['DR 503', ok(1, 'a'), none(503), 'unconfirmed'],
    ['source reset', none(null, 'connection-reset'), ok(1, 'a'), 'unconfirmed'],
    ['DR 401', ok(1, 'a'), none(401, 'auth-rejected'), 'unconfirmed'],
  ])('%s', (_what, src, dr, category) => {
    expect(confirm(src, dr, NOW, 600_000).category).toBe(category);
  });
});

describe('confirm: the reasons given', () => {
  it.each([
    [
      'DR reset',
      ok(1, 'a'),
      none(null, 'connection-reset'),
      { category: 'unconfirmed', reasons: ['DR HEAD - connection-reset'] },
    ],
    [
      'source 503 without an error text',
      none(503),
      ok(1, 'a'),
      { category: 'unconfirmed', reasons: ['source HEAD 503'] },
    ],
    [
      'source unreachable',
      none(null, 'connect-timeout'),
      ok(1, 'a'),
      { category: 'unconfirmed', reasons: ['source HEAD - connect-timeout'] },
    ],
    ['DR 503 without an error text', ok(1, 'a'), none(503), { category: 'unconfirmed', reasons: ['DR HEAD 503'] }],
    [
      'both failed',
      none(500, 'boom'),
      none(401, 'auth-rejected'),
      { category: 'unconfirmed', reasons: ['source HEAD 500 boom', 'DR HEAD 401 auth-rejected'] },
    ],
    [
      'a 200 carrying an error',
      { ...ok(1, 'a'), error: 'truncated' },
      ok(1, 'a'),
      { category: 'unconfirmed', reasons: ['source HEAD 200 truncated'] },
    ],
    [
      'source 412, DR 404',
      none(412),
      none(404),
      { category: 'gone-from-source', reasons: ['HEAD 412 on the source, 404 on DR'] },
    ],
    [
      'source 404, DR 200',
      none(404),
      ok(1, 'a'),
      { category: 'extra-on-dr', reasons: ['source HEAD 404, DR HEAD 200'] },
    ],
    [
      'young source',
      ok(1, 'a', NOW - 1000),
      ok(2, 'b'),
      { category: 'too-new', reasons: ['source version inside the grace period'] },
    ],
    ['DR 412', ok(1, 'a'), none(412), { category: 'missing-on-dr', reasons: ['source HEAD 200, DR HEAD 412'] }],
    [
      'other hash, no digest (content identity unproven; the default route fails it)',
      ok(1, 'a'),
      ok(1, 'b'),
      { category: 'different', reasons: ['identity unproven: sizes equal, ETags differ, neither reports Content-MD5'] },
    ],
    ['same', ok(1, 'a'), ok(1, 'a'), { category: 'in-sync', reasons: [] }],
  ])('%s', (_what, src, dr, expected) => {
    expect(confirm(src, dr, NOW, GRACE)).toStrictEqual(expected);
  });

  it('counts as divergent exactly what leaves the clusters apart', () => {
    expect(CATEGORIES).toStrictEqual([
      'in-sync',
      'missing-on-dr',
      'different',
      'extra-on-dr',
      'too-new',
      'unconfirmed',
      'gone-from-source',
      'unnameable',
    ]);
    expect(CATEGORIES.filter((c) => DIVERGENT.has(c))).toStrictEqual([
      'missing-on-dr',
      'different',
      'extra-on-dr',
      'unconfirmed',
      'unnameable',
    ]);
  });
});
