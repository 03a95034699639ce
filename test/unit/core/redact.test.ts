import { redactSecrets } from '../../../functions/core/redact.js';

describe('redactSecrets', () => {
  it('removes secrets in clear, percent-encoded and Basic (base64) form, and control characters', () => {
    const basic = Buffer.from('admin:p@ss word').toString('base64');
    const out = redactSecrets(`bad p@ss word / p%40ss%20word / Basic ${basic}\r\nInjected: 1`, [
      'p@ss word',
      'admin:p@ss word',
    ]);
    expect(out).toBe('bad [redacted] / [redacted] / Basic [redacted]  Injected: 1');
  });

  it('bounds the text to 256 characters', () => {
    const out = redactSecrets('x'.repeat(5000), []);
    expect(out).toHaveLength(256);
    expect(out.endsWith('…')).toBe(true);
  });
});
