import { MAX_DETAIL_CHARS, redactSecrets } from '../../../functions/core/redact.js';

// Node-supplied text on its way into logs and records: each encoded form of a secret, the
// order the forms are removed in, every control character, and the length bound at its edge.

describe('redactSecrets', () => {
  it('removes the Basic form of a secret whose base64 ends in padding, without the padding', () => {
    // "abcd" is YWJjZA== in base64; a header carrying "user:abcd" or a cut echo shows YWJjZA without "==".
    expect(redactSecrets('token YWJjZA seen', ['abcd'])).toBe('token [redacted] seen');
    expect(redactSecrets('token cHc seen', ['pw'])).toBe('token [redacted] seen');
  });

  it('removes a secret that contains another one whole', () => {
    expect(redactSecrets('x password y pass z', ['pass', 'password'])).toBe('x [redacted] y [redacted] z');
    expect(redactSecrets('x password y', ['password', 'pass'])).toBe('x [redacted] y');
  });

  it('ignores an empty secret instead of redacting between every character', () => {
    expect(redactSecrets('abc', ['', 'zz'])).toBe('abc');
  });

  it('turns every C0 and C1 control character into a space, and keeps the characters around them', () => {
    expect(redactSecrets('a\u0000b\u001fc\u007fd\u0085e\u009ff\u00a0g ~', [])).toBe('a b c d e f\u00a0g ~');
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
