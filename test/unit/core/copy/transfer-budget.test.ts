import {
  configuredRate,
  feedAskAgainSeconds,
  expectedDurationMs,
  LinkEstimate,
  MAX_WAIT_SECONDS,
  MIN_SAMPLE_BYTES,
  sharedRate,
  transferBudget,
  waitOutSeconds,
} from '../../../../functions/core/copy/transfer-budget.js';

const GB = 1_000_000_000;
const policy = { safetyFactor: 2, largeAfterSeconds: 60, largeInInvocation: 'when-it-fits' } as const;

describe('transfer budget', () => {
  it('expects 100 GB to take 800 s on a 1 Gbit/s link and 8,000 s on 100 Mbit/s', () => {
    expect(expectedDurationMs(100 * GB, configuredRate(1000))).toBeCloseTo(800_000, 6);
    expect(expectedDurationMs(100 * GB, configuredRate(100))).toBeCloseTo(8_000_000, 6);
  });

  it('fits an object only when expected duration times the safety factor fits the remaining time', () => {
    const rate = configuredRate(1000); // 125 MB/s
    expect(transferBudget(50 * GB, rate, policy, 900_000)).toEqual({ expectedMs: 400_000, large: true, fits: true });
    expect(transferBudget(57 * GB, rate, policy, 900_000).fits).toBe(false); // 456 s x 2 > 900 s
    expect(transferBudget(1 * GB, rate, policy, 10_000)).toMatchObject({ large: false, fits: false });
  });

  it('under a cap, fits no large object when the policy says never, only smaller ones', () => {
    const never = { ...policy, largeInInvocation: 'never' } as const;
    const rate = configuredRate(1000); // 125 MB/s: 60 s is 7.5 GB
    expect(transferBudget(50 * GB, rate, never, 900_000)).toMatchObject({ large: true, fits: false });
    expect(transferBudget(7.4 * GB, rate, never, 900_000)).toMatchObject({ large: false, fits: true });
    expect(transferBudget(4 * GB, rate, never, 60_000).fits).toBe(false); // 32 s x 2 > 60 s
    expect(transferBudget(50 * GB, rate, never, null).fits).toBe(true); // no cap: the tier sends it
  });

  it('fits everything on a worker with no cap (remaining time null)', () => {
    expect(transferBudget(4_398_046_511_104, configuredRate(100), policy, null).fits).toBe(true);
  });

  it('calls an object large from the policy largeAfterSeconds, on the boundary too', () => {
    const rate = configuredRate(8); // 1 MB/s
    expect(transferBudget(60_000_000, rate, policy, null).large).toBe(true);
    expect(transferBudget(59_999_999, rate, policy, null).large).toBe(false);
  });
});

describe('LinkEstimate', () => {
  it('starts at the configured bandwidth with no samples', () => {
    expect(new LinkEstimate(800).rate).toEqual({ bytesPerSecond: 100_000_000, samples: 0 });
  });

  it('moves a fifth of the way to each measured copy and counts it', () => {
    const e = new LinkEstimate(800); // 100 MB/s
    e.record(MIN_SAMPLE_BYTES * 10, ((MIN_SAMPLE_BYTES * 10) / 50_000_000) * 1000); // measured 50 MB/s
    expect(e.rate.bytesPerSecond).toBeCloseTo(90_000_000, 3);
    expect(e.rate.samples).toBe(1);
  });

  it('ignores copies too small to measure bandwidth, and copies that took no time', () => {
    const e = new LinkEstimate(800);
    e.record(MIN_SAMPLE_BYTES - 1, 1);
    e.record(MIN_SAMPLE_BYTES, 0);
    expect(e.rate).toEqual({ bytesPerSecond: 100_000_000, samples: 0 });
  });
});

describe('waitOutSeconds', () => {
  it('waits the rest of the expected duration, at least the minimum, at most 12 hours', () => {
    expect(waitOutSeconds(0, 600_000, 100_000, 5)).toBe(500);
    expect(waitOutSeconds(0, 600_000, 700_000, 5)).toBe(5);
    expect(waitOutSeconds(0, 100 * 3_600_000, 0, 5)).toBe(MAX_WAIT_SECONDS);
  });
});

describe('LinkEstimate.recordUnfinished', () => {
  it('moves a too-fast estimate towards the bound a copy that did not finish set', () => {
    const e = new LinkEstimate(800); // 100 MB/s
    e.recordUnfinished(MIN_SAMPLE_BYTES * 100, ((MIN_SAMPLE_BYTES * 100) / 50_000_000) * 1000); // < 50 MB/s
    expect(e.rate.bytesPerSecond).toBeCloseTo(90_000_000, 3);
    expect(e.rate.samples).toBe(1);
  });

  it('leaves an estimate that is already below the bound alone', () => {
    const e = new LinkEstimate(8); // 1 MB/s
    e.recordUnfinished(MIN_SAMPLE_BYTES * 100, 1000); // bound far above 1 MB/s
    expect(e.rate).toEqual({ bytesPerSecond: 1_000_000, samples: 0 });
  });
});

describe('sharedRate', () => {
  it('gives one more copy an even share of the link', () => {
    expect(sharedRate(configuredRate(1000), 0).bytesPerSecond).toBe(125_000_000);
    expect(sharedRate(configuredRate(1000), 4).bytesPerSecond).toBe(25_000_000);
    expect(sharedRate({ bytesPerSecond: 10, samples: 3 }, 1)).toEqual({ bytesPerSecond: 5, samples: 3 });
  });
});

describe('feedAskAgainSeconds', () => {
  it("waits the feed's timeout, or half the time the copy has run when that is longer", () => {
    expect(feedAskAgainSeconds(5, 0, 4_000)).toBe(5);
    expect(feedAskAgainSeconds(5, 0, 60_000)).toBe(30);
    expect(feedAskAgainSeconds(5, 0, 60_001)).toBe(31);
  });
});
