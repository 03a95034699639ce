import { linkLimits } from '../../../bench/large-limits.js';
import { DEFAULT_PIPELINE } from '../../../bench/large-scenario.js';

// The largest object each path takes per link (bench/large-limits.ts), from transferBudget:
// worked out by hand from the rates (1 Gbit/s = 125,000,000 bytes/s).

describe('linkLimits', () => {
  const [gigabit, hundred] = linkLimits(DEFAULT_PIPELINE);

  it('one Lambda invocation: (900 s - 3 s margin) / safety factor 2 at the link rate', () => {
    expect(gigabit).toMatchObject({ linkMbps: 1000, lambdaRemainingMs: 897_000 });
    expect(gigabit!.lambdaLargestBytes).toBe(448.5 * 125_000_000);
    expect(hundred!.lambdaLargestBytes).toBe(448.5 * 12_500_000);
    // The default, never: only what the link moves in largeAfterSeconds (60 s), less a byte.
    expect(gigabit!.lambdaLargestNeverBytes).toBe(60 * 125_000_000 - 1);
    expect(hundred!.lambdaLargestNeverBytes).toBe(60 * 12_500_000 - 1);
  });

  it('the tier within 12 h: alone, with the safety factor, and sharing the link with the 7 other copies of the default 2 tasks x 4', () => {
    expect(gigabit).toMatchObject({
      tierLargestBytes: 43_200 * 125_000_000,
      tierLargestWithSafetyBytes: 21_600 * 125_000_000,
      tierLargestSharedBytes: (43_200 * 125_000_000) / 8,
    });
    expect(hundred!.tierLargestBytes).toBe(43_200 * 12_500_000);
  });
});
