import { errorText, stackOf } from '../../../functions/worker/error-text.js';

describe('error text for the log', () => {
  it("gives an error's name and message, and anything else as a string", () => {
    expect(errorText(Object.assign(new Error('refused'), { name: 'AccessDenied' }))).toBe('AccessDenied: refused');
    expect(errorText('socket hang up')).toBe('socket hang up');
    expect(errorText(undefined)).toBe('undefined');
  });

  it("gives an error's stack, or its name and message when it has none", () => {
    const err = new TypeError('boom');
    expect(stackOf(err)).toBe(err.stack);
    expect(stackOf(Object.assign(new TypeError('boom'), { stack: undefined }))).toBe('TypeError: boom');
    expect(stackOf(42)).toBe('42');
  });
});
