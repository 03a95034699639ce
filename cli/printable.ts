import { UNSAFE_TEXT } from '../functions/core/redact.js';

/**
 * What the CLI never writes to a terminal as it is, from a listing, a node or an argument: the
 * core's {@link UNSAFE_TEXT} (control and format characters, line and paragraph separators, lone
 * surrogates), the characters a recorded detail never holds either; and a backslash, escaped too
 * so the printed form is unambiguous.
 */
const UNSAFE_OR_BACKSLASH = new RegExp(`\\\\|${UNSAFE_TEXT.source}`, UNSAFE_TEXT.flags);

/** One character as text shows it: `\xNN` up to U+00FF, `\u{N}` above. */
function textEscape(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/**
 * Text safe to print: each unsafe character ({@link UNSAFE_TEXT}) becomes `\xNN` or `\u{N}`, and a
 * backslash becomes `\\`, so the printed form is unambiguous. The one escaping rule of every
 * line the CLI prints with text it did not write itself.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_OR_BACKSLASH, (ch) => (ch === '\\' ? '\\\\' : textEscape(ch)));
}

/**
 * JSON safe to print and still exact: JSON.stringify, then the unsafe characters it leaves as
 * they are (DEL, C1, format characters, separators) written as `\uXXXX` escapes, which a JSON
 * parser reads back as the same characters.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_TEXT, (ch) =>
    [...Array(ch.length).keys()].map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** A copy of `value` with every string in it made {@link printable} (what a text table is built from). */
export function printableStrings<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => printableStrings(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableStrings(v)])) as T;
  return value;
}

/** {@link printable} line by line: the line breaks of a message the CLI wrote itself stay. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
