import {
  buildListingTarget,
  buildUsageTarget,
  compareKeys,
  DEFAULT_PAGE_SIZE,
  ListingError,
  ListingPageError,
  normalizeHash,
  parseTime,
} from '../../../../functions/core/listing/listing.js';
import { parseListingPage } from '../../../../functions/core/listing/listing-page.js';

// The pure half of the listing client: each request-target form, each field spelling a row may
// use, and how a page that cannot be trusted is refused (never read as empty).

const UUID = '0123456789abcdef0123456789abcdef';
const pageError = (
  body: string,
  kind: 'named' | 'unnamed' = 'named',
  marker: string | null = null,
): ListingPageError => {
  try {
    parseListingPage(body, kind, marker);
  } catch (err) {
    expect(err).toBeInstanceOf(ListingPageError);
    return err as ListingPageError;
  }
  throw new Error('expected the page to be refused');
};

describe('buildListingTarget', () => {
  it('asks for each scope in its own form, with the default page size and the admin override', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(1000);
    expect(buildListingTarget({ kind: 'named', domain: 'd.example', bucket: 'b' }, { marker: null })).toBe(
      '/b?format=json&domain=d.example&size=1000&admin',
    );
    expect(buildListingTarget({ kind: 'unnamed', domain: '' }, { marker: '' })).toBe(
      '/?format=json&domain=&stype=unnamed&size=1000&admin',
    );
    expect(buildListingTarget({ kind: 'buckets', domain: 'd.example' }, { marker: null })).toBe(
      '/?format=json&domain=d.example&size=1000&admin',
    );
    expect(buildListingTarget({ kind: 'domains' }, { marker: null })).toBe('/?format=json&domains&size=1000&admin');
  });

  it('adds fields and the marker when given, and leaves admin out only when told', () => {
    expect(
      buildListingTarget({ kind: 'domains' }, { marker: 'm', size: 5, fields: ['name', "it's(*)!"], admin: false }),
    ).toBe('/?format=json&domains&size=5&fields=name,it%27s%28%2A%29%21&marker=m');
    expect(buildListingTarget({ kind: 'domains' }, { marker: null, fields: [] })).toBe(
      '/?format=json&domains&size=1000&admin',
    );
  });

  it('asks a bucket for its usage without listing it', () => {
    expect(buildUsageTarget({ domain: 'd e', bucket: 'b&c' })).toBe(
      '/b%26c?format=json&domain=d%20e&du=withoutreps&size=0&admin',
    );
  });
});

describe('normalizeHash and parseTime', () => {
  it('strips a weak prefix and quotes, lower-cases, and has nothing for an empty or non-string value', () => {
    expect(normalizeHash('W/"ABC"')).toBe('abc');
    expect(normalizeHash('"a"b"')).toBe('a"b');
    expect(normalizeHash('x W/"y"')).toBe('x w/"y');
    expect(normalizeHash('')).toBeNull();
    expect(normalizeHash(7)).toBeNull();
  });

  it('reads epoch seconds and epoch milliseconds, numbers and strings, and refuses the rest', () => {
    expect(parseTime(1673288717)).toBe(1673288717000);
    expect(parseTime(1673288717693)).toBe(1673288717693);
    expect(parseTime(99_999_999_999)).toBe(99_999_999_999_000);
    expect(parseTime(100_000_000_000)).toBe(100_000_000_000);
    expect(parseTime(' 1673288717 ')).toBe(1673288717000);
    expect(parseTime(Number.NaN)).toBeNull();
    expect(parseTime(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseTime('   ')).toBeNull();
    expect(parseTime('')).toBeNull();
    expect(parseTime(null)).toBeNull();
    expect(parseTime('not a time')).toBeNull();
    expect(parseTime('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });
});

describe('parseListingPage rows', () => {
  it('reads sizes from bytes, content-length or content_length, and only whole non-negative numbers', () => {
    const sizes = (rows: string) => parseListingPage(rows, 'named', null).map((r) => r.bytes);
    expect(
      sizes(
        '[{"name":"a","content_length":3},{"name":"b","bytes":"12"},{"name":"c","bytes":-1},{"name":"d","bytes":1.5},{"name":"e","bytes":"1e3"},{"name":"f"}]',
      ),
    ).toStrictEqual([3, 12, null, null, null, null]);
  });

  it('reads a hash from hash or etag, and a time from last_modified, tmBorn or tmborn', () => {
    const [a, b] = parseListingPage(
      '[{"name":"a","etag":"\\"E\\"","tmborn":"1673288717"},{"name":"b","hash":"h","etag":"ignored","last_modified":"1673288717.5","tmBorn":1}]',
      'named',
      null,
    );
    expect(a).toMatchObject({ hash: 'e', lastModified: 1673288717000 });
    expect(b).toMatchObject({ hash: 'h', lastModified: 1673288717500 });
  });

  it.each([
    [true, true],
    ['true', true],
    ['yes', true],
    [false, false],
    ['false', false],
    ['no', false],
    ['maybe', null],
    [1, null],
  ])('reads alias %j as %j', (alias, expected) => {
    expect(parseListingPage(JSON.stringify([{ uuid: UUID, alias }]), 'unnamed', null)[0]!.alias).toBe(expected);
  });

  it('keys unnamed rows by uuid before name, and refuses a row with neither a 32-hex uuid nor name', () => {
    expect(parseListingPage(`[{"uuid":"${UUID}","name":"other"}]`, 'unnamed', null)[0]!.key).toBe(UUID);
    expect(pageError(`[{"uuid":"x${UUID}"}]`, 'unnamed').message).toBe('row 0 has no 32-hex uuid');
    expect(pageError(`[{"name":"${UUID}x"}]`, 'unnamed').code).toBe('bad-row');
    expect(pageError('[{"uuid":7}]', 'unnamed').code).toBe('bad-row');
  });

  it.each([
    ['null', 'row 0 is not a JSON object'],
    ['[]', 'row 0 is not a JSON object'],
    ['"a"', 'row 0 is not a JSON object'],
    ['{"name":""}', 'row 0 has no name'],
    ['{"name":5}', 'row 0 has no name'],
  ])('refuses the row %s', (rowText, message) => {
    expect(pageError(`[${rowText}]`)).toMatchObject({ code: 'bad-row', message, name: 'ListingPageError' });
  });

  it('names what the page was when it is not an array of rows', () => {
    expect(pageError('null').message).toBe('the page is JSON but not an array (null)');
    expect(pageError('{}').message).toBe('the page is JSON but not an array (object)');
    expect(pageError('7').message).toBe('the page is JSON but not an array (number)');
    expect(pageError('[{').message).toBe('the page is not valid JSON (2 characters)');
  });

  it('drops leading rows at or before the marker, and refuses a repeated key or a step back after the first row', () => {
    expect(pageError('[{"name":"a"},{"name":"a"}]').message).toBe(
      'row 1 is not after the previous key in byte order; the listing cannot be merged',
    );
    expect(pageError('[{"name":"n"},{"name":"m"}]', 'named', 'm').code).toBe('out-of-order');
    expect(parseListingPage('[{"name":"l"},{"name":"m"},{"name":"o"}]', 'named', 'm').map((r) => r.key)).toStrictEqual([
      'o',
    ]);
    expect(pageError('[{"name":"o"},{"name":"l"}]', 'named', 'm').code).toBe('out-of-order');
    expect(parseListingPage('[{"name":"m"},{"name":"n"}]', 'named', '').map((r) => r.key)).toStrictEqual(['m', 'n']);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes at the edges of the surrogate and private-use ranges', () => {
    expect(Math.sign(compareKeys('\ud7ff', '\ue000'))).toBe(-1);
    expect(Math.sign(compareKeys('\ue000', '\u{10000}'))).toBe(-1);
    expect(Math.sign(compareKeys('\uffff', '\u{10000}'))).toBe(-1);
    expect(Math.sign(compareKeys('\u{10000}', '\u{10ffff}'))).toBe(-1);
    expect(Math.sign(compareKeys('a', 'ab'))).toBe(-1);
    expect(compareKeys('ab', 'ab')).toBe(0);
    expect(Math.sign(compareKeys('\ue000', '\ue001'))).toBe(-1);
    expect(Math.sign(compareKeys('\u{103ff}', '\u{103fe}'))).toBe(1);
    expect(Math.sign(compareKeys('\u{103ff}', '\uffff'))).toBe(1);
  });
});

describe('ListingError', () => {
  it.each([
    ['unavailable', true],
    ['network', true],
    ['aborted', true],
    ['not-found', false],
    ['auth-rejected', false],
    ['bad-page', false],
    ['http-status', false],
  ] as const)('%s is transient: %s', (code, transient) => {
    const err = new ListingError(code, 'm');
    expect(err.transient).toBe(transient);
    expect(err).toMatchObject({ name: 'ListingError', status: null, message: 'm' });
  });
});
