import { normalizeHash, parseTime } from '../../../../functions/core/listing/listing.js';
import { parseBytes } from '../../../../functions/core/listing/listing.js';

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

/**
 * The common listing time with and without milliseconds, each field at and past its limits, and
 * every one-character change of both forms: what the fast reading of the common form must leave
 * to Date.parse, and what it must read itself.
 */
function isoNearMisses(): string[] {
  const plain = '2026-01-02T03:04:05Z';
  const withMs = '2026-01-02T03:04:05.678Z';
  const out = [plain, withMs, '2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.999Z'];
  for (const y of ['0000', '0050', '0999', '1000', '1969', '1970', '1971', '9999']) out.push(`${y}-06-15T12:30:30Z`);
  for (const mo of ['00', '01', '02', '11', '12', '13', '99']) out.push(`2024-${mo}-15T12:30:30Z`);
  for (const d of ['00', '01', '28', '29', '30', '31', '32'])
    out.push(`2023-02-${d}T12:30:30Z`, `2024-01-${d}T12:30:30Z`, `2024-04-${d}T12:30:30Z`);
  for (const h of ['00', '01', '22', '23', '24', '25']) out.push(`2024-01-15T${h}:30:30Z`);
  for (const mi of ['00', '01', '58', '59', '60']) out.push(`2024-01-15T12:${mi}:30Z`);
  for (const sec of ['00', '01', '58', '59', '60']) out.push(`2024-01-15T12:30:${sec}Z`);
  for (const form of [plain, withMs])
    for (let at = 0; at < form.length; at++)
      for (const c of ['x', ' ', '/', '-', ':', 'T', 'Z', '.', '0', '9', 'z', 't'])
        out.push(form.slice(0, at) + c + form.slice(at + 1));
  out.push('2026-01-02T03:04:05', '2026-01-02T03:04:05.67Z', '2026-01-02T03:04:05.6789Z', '2026-01-02T03:04:05+00:00');
  return out.filter((t) => !/^\d+(\.\d+)?$/.test(t.trim()));
}

describe('parseTime, the common ISO form and its near misses', () => {
  it('reads each exactly as Date.parse reads it, and has nothing where Date.parse has nothing', () => {
    const texts = isoNearMisses();
    expect(texts.length).toBeGreaterThan(500);
    for (const text of texts) {
      const ms = Date.parse(text.trim());
      expect([text, parseTime(text)]).toStrictEqual([text, Number.isNaN(ms) ? null : ms]);
    }
  });
});

describe('parseBytes', () => {
  it.each([
    [0, 0],
    [12, 12],
    [2 ** 53 - 1, 2 ** 53 - 1],
    ['0', 0],
    ['12', 12],
    ['007', 7],
  ])('reads %p as %p bytes', (value, bytes) => {
    expect(parseBytes(value)).toBe(bytes);
  });

  it.each([[-1], [1.5], [2 ** 53], [Number.NaN], ['-1'], ['1.5'], ['12x'], ['x12'], [' 1'], [''], [null]])(
    'has no size for %p',
    (value) => {
      expect(parseBytes(value)).toBeNull();
    },
  );
});
