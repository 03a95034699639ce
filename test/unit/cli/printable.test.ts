import { printable, printableJson, printableLines, printableStrings } from '../../../cli/printable.js';

describe('printable', () => {
  it('escapes C0, DEL, C1, format, separator characters and lone surrogates; doubles a backslash', () => {
    expect(printable('a\u0000b\u001b[2Jc\u007fd\u009be\t')).toBe('a\\x00b\\x1b[2Jc\\x7fd\\x9be\\x09');
    expect(printable('x\u202ey\u2066z\u200bw\u00adv\ufeffu\u2028t\udc00s\u{e0041}')).toBe(
      'x\\u{202e}y\\u{2066}z\\u{200b}w\\xadv\\u{feff}u\\u{2028}t\\u{dc00}s\\u{e0041}',
    );
    expect(printable('C:\\x41 stays apart from \u0041')).toBe('C:\\\\x41 stays apart from A');
  });

  it('keeps printable text of every script, and the line breaks of printableLines', () => {
    expect(printable('Größe 価格 ملف 🙂 a\u00a0b')).toBe('Größe 価格 ملف 🙂 a\u00a0b');
    expect(printableLines('one\u001b\ntwo')).toBe('one\\x1b\ntwo');
  });

  it('writes JSON whose bytes carry no unsafe character and which parses back to the same value', () => {
    const value = { name: 'a\u0007\u007f\u0085\u202e\u{e0041}\udc00"\\', n: 1 };
    const json = printableJson(value);
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u);
    expect(json).toContain('\\u0085\\u202e\\udb40\\udc41\\udc00');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('makes every string of a plain value printable, and leaves other values as they are', () => {
    expect(printableStrings({ a: ['x\u001b', 2, null], b: { c: '\u009b' }, d: true })).toEqual({
      a: ['x\\x1b', 2, null],
      b: { c: '\\x9b' },
      d: true,
    });
  });
});
