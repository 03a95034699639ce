import {
  DEFAULT_WORKLOAD,
  GB,
  TB,
  generateTail,
  generateWorkload,
  inArrivalOrder,
} from '../../../bench/large-workload.js';

// The utilisation sweep's tail (bench/large-sweep.ts): a heavy tail of a given size in bytes,
// drawn on its own random stream so the small objects stay exactly as the tables draw them.

const spec = { ...DEFAULT_WORKLOAD, windowMs: 3600_000, small: { ...DEFAULT_WORKLOAD.small, count: 200 } };

describe('generateTail', () => {
  it('holds the bytes asked for, the first object exactly the largest, none larger, all within the window', () => {
    const tail = generateTail(spec, 3.5 * TB, 9, 200);
    const bytes = tail.reduce((s, o) => s + o.bytes, 0);
    expect(bytes).toBeLessThanOrEqual(3.5 * TB);
    expect(bytes).toBeGreaterThan(3.5 * TB - 1 * GB);
    expect(tail[0]!.bytes).toBe(1 * TB);
    expect(Math.max(...tail.map((o) => o.bytes))).toBe(1 * TB);
    expect(tail.every((o) => o.tail && o.arrivalMs >= 0 && o.arrivalMs < spec.windowMs)).toBe(true);
    expect(tail.map((o) => o.id)).toEqual(tail.map((_o, i) => 200 + i));
  });

  it('has no object of the largest size when the tail is smaller than it', () => {
    const tail = generateTail(spec, 300 * GB, 9, 0);
    expect(tail.reduce((s, o) => s + o.bytes, 0)).toBeGreaterThan(299 * GB);
    expect(tail.every((o) => o.bytes < 300 * GB)).toBe(true);
  });

  it('is the same for a seed, and a larger tail begins with the smaller one', () => {
    const sizes = (bytes: number) => generateTail(spec, bytes, 9, 0).map((o) => o.bytes);
    expect(generateTail(spec, 2 * TB, 9, 0)).toEqual(generateTail(spec, 2 * TB, 9, 0));
    expect(sizes(2 * TB)).not.toEqual(generateTail(spec, 2 * TB, 10, 0).map((o) => o.bytes));
    const small = sizes(2 * TB);
    expect(sizes(4 * TB).slice(0, small.length - 1)).toEqual(small.slice(0, -1));
  });

  it('leaves the small objects as they are: the workload without its tail, in arrival order', () => {
    const small = generateWorkload(spec, false);
    const all = inArrivalOrder(small, generateTail(spec, 2 * TB, 9, small.length));
    expect(all.filter((o) => !o.tail)).toEqual(small);
    expect(all.map((o) => o.arrivalMs)).toEqual([...all.map((o) => o.arrivalMs)].sort((a, b) => a - b));
  });
});
