/**
 * The fields of a listing row or a HEAD, read in every spelling a cluster may use: ETags with or
 * without quotes, times as ISO 8601, HTTP dates or epoch seconds, sizes as numbers or digits.
 */

/** `"abc"`, `abc`, `W/"abc"` -> `abc` (lower case). */
export function normalizeHash(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  // The common row carries a bare lower-case hex ETag: nothing to strip or fold.
  if (LOWER_HEX32.test(value)) return value;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

const LOWER_HEX32 = /^[0-9a-f]{32}$/;

/** The digits of `text` from `from` to `to` as a number; -1 when any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common listing time, `YYYY-MM-DDTHH:MM:SS[.sss]Z`, read without `Date.parse` (which costs
 * more than the rest of a row). Null for any other form, or a field out of its plain range:
 * those go to `Date.parse`, so the result is always the one `Date.parse` gives.
 */
function parseIsoUtc(text: string): number | null {
  const n = text.length;
  if (
    (n !== 20 && n !== 24) ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[n - 1] !== 'Z'
  )
    return null;
  if (n === 24 && text[19] !== '.') return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const ms = n === 24 ? digits(text, 20, 23) : 0;
  if (
    year < 1970 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  )
    return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * A time as listings or headers may give it: ISO 8601, an HTTP date, or epoch seconds with a
 * fraction (`Castor-System-Version`, `1673288717.693`) as a number or a string. Null otherwise.
 */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value < 1e11 ? value * 1000 : value) : null;
  if (typeof value !== 'string') return null;
  const iso = parseIsoUtc(value);
  if (iso !== null) return iso;
  if (value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text));
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}
