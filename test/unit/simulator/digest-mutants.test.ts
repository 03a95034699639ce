import { NonceStore } from '../../../simulator/digest.js';

describe('NonceStore replay window', () => {
  it('keeps the window anchored at the highest nc seen when a lower one arrives later', () => {
    const store = new NonceStore(60_000);
    const nonce = store.issue();
    const use = (nc: number): string => store.use(nonce, nc.toString(16));
    expect(use(10_000)).toBe('fresh');
    // Within the window below 10,000 (down to 5,905), so accepted; it must not lower the window.
    expect(use(9_000)).toBe('fresh');
    expect(use(5_904)).toBe('stale');
    expect(use(5_905)).toBe('fresh');
  });
});
