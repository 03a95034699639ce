import { normalizeHash, parseTime } from '../../../functions/core/listing.js';

// Field spellings next to the common ones: ETags that look almost like a bare lower-case hash,
// and dates whose text ends in digits.

const HEX = '0123456789abcdef'.repeat(2);

describe('normalizeHash, values next to the bare lower-case hash', () => {
  it.each([
    ['a weak prefix without quotes', `W/${HEX}`, HEX],
    ['a closing quote only', `${HEX}"`, HEX],
    ['upper-case letters after the hash', `${HEX}AB`, `${HEX}ab`],
    ['upper-case letters before the hash', `AB${HEX}`, `ab${HEX}`],
    ['32 upper-case non-hex letters in quotes', `"${'G'.repeat(30)}"`, 'g'.repeat(30)],
    ['32 upper-case non-hex letters', 'Z'.repeat(32), 'z'.repeat(32)],
  ])('reads %s', (_what, value, expected) => {
    expect(normalizeHash(value)).toBe(expected);
  });
});

describe('parseTime, dates whose text ends in digits', () => {
  it.each([['2025-03-04'], ['March 4, 2025'], ['2025/03/04 10:00']])('reads %s as Date.parse does', (text) => {
    expect(parseTime(text)).toBe(Date.parse(text));
    expect(parseTime(text)).not.toBeNull();
  });
});
