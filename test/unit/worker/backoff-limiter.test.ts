import { backoffSeconds, MAX_VISIBILITY_SECONDS } from '../../../functions/worker/backoff.js';
import { Limiter } from '../../../functions/worker/limiter.js';

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

describe('Limiter', () => {
  it('runs at most `limit` tasks at once, in arrival order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        limiter.run(async () => {
          active += 1;
          peak = Math.max(peak, active);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          active -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toStrictEqual([0, 1, 2, 3, 4, 5]);
  });
  it('refuses a limit below one, which would run nothing', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(Number.NaN)).toThrow('limit must be at least 1');
    expect(new Limiter(1).limit).toBe(1);
  });
  it('frees its slot when a task throws', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run(async () => 7)).resolves.toBe(7);
  });
});
