import { DROPPED_DETAIL, MAX_DETAIL_CHARS, redactSecrets } from '../../../functions/core/redact.js';

// Node-supplied text on its way into logs and records: each encoded form of a secret, runs of
// it, what is not a secret, every control and format character, and the length bound at its edge.

const SECRET = 'Pässw0rd-Tw3nty+Chars'; // 21 characters: any 8 in a row count as the secret
const b64 = (s: string, charset: BufferEncoding = 'utf8') => Buffer.from(s, charset).toString('base64');

describe('redactSecrets drops text that carries a secret', () => {
  it.each([
    ['a Basic token whose padding was cut', 'token YWJjZA seen', 'abcd'],
    ['the base64 of a two-character password', 'token cHc seen', 'pw'],
    ['upper-cased clear text', `echo ${SECRET.toUpperCase()}`, SECRET],
    ['lower-case percent forms', `x=${encodeURIComponent(SECRET).toLowerCase()}`, SECRET],
    ['percent-encoded Latin-1 bytes', 'x=P%E4ssw0rd-Tw3nty', SECRET],
    ['+ for a space', 'x=my+secret+words', 'my secret words'],
    ['JSON \\u escapes in either case', 'x=\\u0050\\u00E4\\u0073\\u0073\\u0077\\u0030\\u0072\\u0064', SECRET],
    ['JSON escapes of percent-encoding', 'x=\\u0025C3\\u0025A4ssw0rd-Tw', SECRET],
    ['base64 of user:password', `Basic ${b64(`admin:${SECRET}`)}`, SECRET],
    ['base64 of the Latin-1 password', b64(SECRET, 'latin1'), SECRET],
    ['base64 starting inside a longer token', `QQ${b64(`xyz${SECRET}`)}`, SECRET],
    ['URL-safe base64', Buffer.from(`admin:${SECRET}`).toString('base64url'), SECRET],
    ['eight characters of it in a row', 'said w0rd-Tw3 once', SECRET],
    ['four characters of a six-character secret', 'token ab12 seen', 'zab12y'],
  ])('%s', (_what, text, secret) => {
    expect(redactSecrets(text, [secret])).toBe(DROPPED_DETAIL);
  });

  it('checks every secret given, and ignores an empty one', () => {
    expect(redactSecrets('abc', ['', 'zz'])).toBe('abc');
    expect(redactSecrets('x hunter22 y', ['nothing-alike', 'hunter22'])).toBe(DROPPED_DETAIL);
  });
});

describe('redactSecrets keeps text that does not', () => {
  it('keeps fewer characters of the secret in a row than its run length, and the username', () => {
    expect(redactSecrets('admin: w0rd-Tw is not enough', [SECRET])).toBe('admin: w0rd-Tw is not enough');
  });

  it('turns every C0 and C1 control, format (bidi, zero-width) and separator character into a space', () => {
    expect(redactSecrets('a\u0000b\u001fc\u007fd\u0085e\u009ff\u00a0g ~', [])).toBe('a b c d e f\u00a0g ~');
    expect(redactSecrets('x\u202ey\u2066z\u200bw\u2028v\ufeffu\udc00t', [])).toBe('x y z w v u t');
  });

  it('keeps text of exactly the limit whole, and cuts one character more to the limit with an ellipsis', () => {
    expect(MAX_DETAIL_CHARS).toBe(256);
    const exact = 'x'.repeat(256);
    expect(redactSecrets(exact, [])).toBe(exact);
    expect(redactSecrets(`${exact}y`, [])).toBe(`${'x'.repeat(255)}…`);
    expect(redactSecrets('abcdef', [], 4)).toBe('abc…');
    expect(redactSecrets('abcd', [], 4)).toBe('abcd');
  });
});

describe('redactSecrets looks at what it keeps', () => {
  it('drops text whose kept part ends in a long enough run of the secret, cut or not', () => {
    const lead = 'x'.repeat(MAX_DETAIL_CHARS - 1 - 8);
    expect(redactSecrets(`${lead}${SECRET.slice(0, 8)}`, [SECRET])).toBe(DROPPED_DETAIL);
    expect(redactSecrets(`${lead}${SECRET}`, [SECRET])).toBe(DROPPED_DETAIL);
  });

  it('keeps the part before the cut when the secret lies wholly past it', () => {
    const lead = 'y'.repeat(MAX_DETAIL_CHARS + 10);
    expect(redactSecrets(`${lead}${SECRET}`, [SECRET])).toBe(`${'y'.repeat(MAX_DETAIL_CHARS - 1)}…`);
  });
});
