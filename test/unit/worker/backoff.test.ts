import { backoffSeconds, MAX_VISIBILITY_SECONDS } from '../../../functions/worker/backoff.js';

describe('backoffSeconds', () => {
  it('grows as base * 2^(attempt-1) up to the cap, scaled by the jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffSeconds(a, 5, 60, () => 1))).toStrictEqual([5, 10, 20, 40, 60, 60]);
    expect(backoffSeconds(3, 5, 60, () => 0)).toBe(0);
    expect(backoffSeconds(3, 5, 60, () => 0.5)).toBe(10);
  });
  it('never exceeds the 12-hour SQS visibility limit', () => {
    expect(backoffSeconds(40, 3600, 1e9, () => 1)).toBe(MAX_VISIBILITY_SECONDS);
  });
});
