import { DROPPED_DETAIL, redactSecrets, secretRunLength } from '../../../functions/core/redact.js';

describe('redactSecrets', () => {
  it('drops the whole text when it carries a password in clear, percent-encoded or Basic (base64) form', () => {
    const basic = Buffer.from('admin:p@ss word').toString('base64');
    for (const text of ['bad p@ss word', 'bad p%40ss%20word', `Basic ${basic}`, 'bad p%40ss+word'])
      expect(redactSecrets(`${text}\r\nInjected: 1`, ['p@ss word'])).toBe(DROPPED_DETAIL);
  });

  it('keeps text that carries no secret, control characters turned to spaces', () => {
    expect(redactSecrets('bad request\r\nInjected: 1', ['p@ss word'])).toBe('bad request  Injected: 1');
  });

  it('bounds the text to 256 characters', () => {
    const out = redactSecrets('x'.repeat(5000), []);
    expect(out).toHaveLength(256);
    expect(out.endsWith('…')).toBe(true);
  });

  it('counts half the secret, at least 4 and at most 8 characters, or all of a shorter one, as the secret', () => {
    expect([1, 3, 4, 5, 8, 9, 10, 16, 17, 64].map((n) => secretRunLength('x'.repeat(n)))).toEqual([
      1, 3, 4, 4, 4, 5, 5, 8, 8, 8,
    ]);
  });
});
