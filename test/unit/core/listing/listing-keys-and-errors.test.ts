import { compareKeys, ListingError } from '../../../../functions/core/listing/listing.js';

// Key order at the edge of the private-use area, and which listing errors a later run may mend.

const utf8Order = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('compareKeys at U+E000', () => {
  it.each([
    ['U+E000 and U+E001', '\ue000', '\ue001'],
    ['U+E000 and U+E7FF', '\ue000', '\ue7ff'],
    ['U+E000 and U+E800', '\ue000', '\ue800'],
    ['U+E000 and U+D7FF', '\ue000', '\ud7ff'],
    ['U+E000 and U+1F600', '\ue000', '😀'],
    ['U+E000 and U+E0FF inside keys', 'a\ue000b', 'a\ue0ffb'],
  ])('orders %s by their UTF-8 bytes', (_what, a, b) => {
    expect(Math.sign(compareKeys(a, b))).toBe(utf8Order(a, b));
    expect(Math.sign(compareKeys(b, a))).toBe(utf8Order(b, a));
  });
});

describe('ListingError.transient', () => {
  it.each([
    ['unavailable', true],
    ['network', true],
    ['aborted', true],
    ['not-found', false],
    ['auth-rejected', false],
    ['bad-request', false],
    ['bad-page', false],
    ['http-status', false],
  ] as const)('%s: %s', (code, transient) => {
    expect(new ListingError(code, 'listing failed').transient).toBe(transient);
  });
});
