import fc from 'fast-check';
import {
  buildListingTarget,
  compareKeys,
  ListingPageError,
  parseTime,
  sendableMarker,
} from '../../../../functions/core/listing/listing.js';
import { parseListingPage, readListingPage } from '../../../../functions/core/listing/listing-page.js';

describe('listing page parsing', () => {
  test('reads the renamed fields and the original spellings alike', () => {
    const rows = parseListingPage(
      '[{"name":"a","bytes":5,"hash":"ABC","last_modified":"2026-01-02T03:04:05.678Z"},{"name":"b","content-length":"7","etag":"\\"def\\"","tmBorn":1673288717.693}]',
      'named',
      null,
    );
    expect(rows).toEqual([
      { key: 'a', bytes: 5, hash: 'abc', lastModified: Date.parse('2026-01-02T03:04:05.678Z'), alias: null },
      { key: 'b', bytes: 7, hash: 'def', lastModified: 1673288717693, alias: null },
    ]);
  });

  test.each([
    ['truncated JSON', '[{"name":"a"},{"na', 'not-json'],
    ['an object', '{"error":"busy"}', 'not-array'],
    ['null', 'null', 'not-array'],
    ['html', '<html>503</html>', 'not-json'],
    ['a row without a name', '[{"bytes":1}]', 'bad-row'],
    ['rows out of order', '[{"name":"b"},{"name":"a"}]', 'out-of-order'],
  ])('%s is an error, never an empty page', (_what, body, code) => {
    expect(() => parseListingPage(body, 'named', null)).toThrow(ListingPageError);
    try {
      parseListingPage(body, 'named', null);
    } catch (err) {
      expect((err as ListingPageError).code).toBe(code);
    }
  });

  test('a cluster whose marker means "at or after" repeats the marker row: it is dropped, not listed twice', () => {
    expect(parseListingPage('[{"name":"m"},{"name":"n"}]', 'named', 'm').map((r) => r.key)).toEqual(['n']);
    expect(parseListingPage('[{"name":"m"}]', 'named', 'm')).toEqual([]);
  });

  test('a marker with a lone surrogate goes cut before it, plus U+D7FF: below the key in both orders, so nothing is skipped', () => {
    expect(sendableMarker('a\u{1F600}b')).toBe('a\u{1F600}b');
    expect(sendableMarker(null)).toBeNull();
    const key = 'docs-3 \ud800 x';
    const sent = sendableMarker(key)!;
    expect(sent).toBe('docs-3 \ud7ff');
    expect(sent.isWellFormed()).toBe(true);
    expect(compareKeys(sent, key)).toBeLessThan(0);
    // In UTF-8 (WTF-8 for the lone surrogate: ED A0 80) it sorts before the key as well.
    expect(Buffer.compare(Buffer.from(sent), Buffer.from([...Buffer.from('docs-3 '), 0xed, 0xa0, 0x80]))).toBe(-1);
    expect(sendableMarker('\udc00')).toBe('\ud7ff');
  });

  test('a page that brings nothing after the marker is stalled, unless it is the marker row alone', () => {
    expect(() => parseListingPage('[{"name":"a"},{"name":"b"}]', 'named', 'c')).toThrow(
      expect.objectContaining({ code: 'stalled' }),
    );
    // A full page that only repeats rows up to the marker: the cluster does not advance.
    expect(() => readListingPage('[{"name":"c"},{"name":"d"}]', 'named', 'd', 2)).toThrow(
      expect.objectContaining({ code: 'stalled' }),
    );
    // A short one that ends with the marker's row (after a marker sent cut): the end.
    expect(readListingPage('[{"name":"c"},{"name":"d"}]', 'named', 'd', 3)).toStrictEqual({
      rows: [],
      end: 'marker-repeated',
    });
    expect(() => readListingPage('[{"name":"c"},{"name":"d"}]', 'named', 'e', 3)).toThrow(
      expect.objectContaining({ code: 'stalled' }),
    );
    expect(() => parseListingPage('[{"name":"b"}]', 'named', 'c')).toThrow(
      expect.objectContaining({ code: 'stalled' }),
    );
    expect(readListingPage('[{"name":"c"}]', 'named', 'c')).toStrictEqual({ rows: [], end: 'marker-repeated' });
    // A full page of one row that only repeats the marker (page size 1): no end, a stall.
    expect(() => readListingPage('[{"name":"c"}]', 'named', 'c', 1)).toThrow(
      expect.objectContaining({ code: 'stalled' }),
    );
    expect(readListingPage('[]', 'named', 'c')).toStrictEqual({ rows: [], end: 'empty-page' });
    expect(() => readListingPage('[{"name":"d"},{"name":"e"}]', 'named', 'c', 1)).toThrow(
      expect.objectContaining({ code: 'too-many-rows' }),
    );
  });

  test('unnamed rows are keyed by uuid (or a 32-hex name), lower case', () => {
    const u = 'ABCDEF0123456789ABCDEF0123456789';
    expect(parseListingPage(`[{"uuid":"${u}","alias":true}]`, 'unnamed', null)[0]).toMatchObject({
      key: u.toLowerCase(),
      alias: true,
    });
    expect(parseListingPage(`[{"name":"${u}"}]`, 'unnamed', null)[0]!.key).toBe(u.toLowerCase());
    expect(() => parseListingPage('[{"name":"not-a-uuid"}]', 'unnamed', null)).toThrow(ListingPageError);
  });

  test('times: ISO 8601, HTTP dates, epoch seconds with a fraction', () => {
    expect(parseTime('Mon, 09 Jan 2023 18:25:17 GMT')).toBe(Date.UTC(2023, 0, 9, 18, 25, 17));
    expect(parseTime('1673288717.693')).toBe(1673288717693);
    expect(parseTime('soon')).toBeNull();
  });

  test('ISO 8601 listing times read exactly as Date.parse reads them, edge cases included', () => {
    const edges = [
      '2026-02-30T00:00:00.000Z',
      '2026-04-31T12:00:00Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '0050-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '2026-01-01t00:00:00Z',
      '2026-01-01T00:00:00z',
      '2026-01-01T00:00:00.5Z',
      '2026-1-01T00:00:00.000Z',
      '2026-01-01T00:00:00.00aZ',
      '+2026-01-01T00:00:00Z',
      '2026-01-32T00:00:00Z',
      '2026-01-99T00:00:00.000Z',
      '2026-01-01T25:00:00Z',
      '2026-01-01T99:00:00.000Z',
      '2026-01-01T00:99:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:99.000Z',
      '1970-01-01T00:00:00.000Z',
      '1969-01-01T00:00:00Z',
      '2026-1/-01T00:00:00Z',
      '2026x01-01T00:00:00Z',
      '2026-01x01T00:00:00Z',
      '2026-01-01x00:00:00Z',
      '2026-01-01T00x00:00Z',
      '2026-01-01T00:00x00Z',
      '2026-01-01T00:00:00x123Z',
    ];
    const random = Array.from({ length: 2000 }, (_v, i) =>
      new Date(Date.UTC(1970, 0, 1) + ((i * 7_919_993_077_123) % 4_102_444_800_000)).toISOString(),
    );
    for (const text of [...edges, ...random, ...random.map((t) => `${t.slice(0, 19)}Z`)]) {
      const expected = Date.parse(text);
      expect([text, parseTime(text)]).toEqual([text, Number.isNaN(expected) ? null : expected]);
    }
  });

  test('the common listing time is read without Date.parse, at every edge of each field', () => {
    const common = [
      '1970-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00Z',
      '2026-12-31T23:59:59.999Z',
      '2026-12-31T23:59:59Z',
      '2019-09-19T19:09:09.909Z',
      '2000-10-10T10:10:10Z',
    ];
    const realParse = Date.parse;
    const asked: string[] = [];
    Date.parse = (text: string) => (asked.push(text), realParse(text));
    let read: (number | null)[];
    try {
      read = common.map((t) => parseTime(t));
    } finally {
      Date.parse = realParse;
    }
    expect(asked).toEqual([]);
    expect(read).toEqual(common.map((t) => realParse(t)));
  });

  test('a zero-byte object is listed with 0 bytes, not as unknown', () => {
    expect(
      parseListingPage('[{"name":"empty","bytes":0},{"name":"empty2","content-length":"0"}]', 'named', null),
    ).toEqual([
      expect.objectContaining({ key: 'empty', bytes: 0 }),
      expect.objectContaining({ key: 'empty2', bytes: 0 }),
    ]);
  });

  test('the marker and every name are percent-encoded in the request-target', () => {
    const target = buildListingTarget(
      { kind: 'named', domain: 'example.com', bucket: 'b b' },
      { marker: 'a&b=c+d#e%f\ng/ü', size: 10 },
    );
    expect(target).toBe(
      '/b%20b?format=json&domain=example.com&size=10&marker=a%26b%3Dc%2Bd%23e%25f%0Ag%2F%C3%BC&admin',
    );
  });

  test('compareKeys is UTF-8 byte order for any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });
});
