import { NodeCounters } from '../../../simulator/counters.js';
import { copyKey, LinkCopies } from '../../../simulator/link-copies.js';

// Jest's fake timers move the copies' clocks (performance.now() included).
const timers = import.meta.jest;

const KEY = copyKey('dr', { uuid: 'a'.repeat(32), version: '1.000' });

describe('LinkCopies', () => {
  beforeEach(() => timers.useFakeTimers({ now: 0 }));
  afterEach(() => timers.useRealTimers());

  function setUp(): { copies: LinkCopies; stats: NodeCounters; stored: string[] } {
    return { copies: new LinkCopies(), stats: new NodeCounters(), stored: [] };
  }

  it('stores the object when its transfer time is up and counts that time as used', async () => {
    const { copies, stats, stored } = setUp();
    const copy = copies.start({ key: KEY, durationMs: 1000, stats, store: () => stored.push('a') });
    expect(stats.copies).toBe(1);
    await timers.advanceTimersByTimeAsync(999);
    expect(stored).toEqual([]);
    expect(copy.running).toBe(true);
    expect(copy.remainingMs).toBe(1);
    await timers.advanceTimersByTimeAsync(1);
    expect(stored).toEqual(['a']);
    await expect(copy.ended).resolves.toBe(true);
    expect(copy.storedAt).toEqual(new Date(1000));
    expect(stats).toMatchObject({ copyMs: 1000, copyMsAbandoned: 0, copyMsRestarted: 0, copiesAbandoned: 0 });
  });

  it('counts an abandoned copy for the time it ran, stores nothing, and ignores a later end', async () => {
    const { copies, stats, stored } = setUp();
    const copy = copies.start({ key: KEY, durationMs: 1000, stats, store: () => stored.push('a') });
    await timers.advanceTimersByTimeAsync(300);
    copy.abandon();
    copy.storeNow();
    await timers.advanceTimersByTimeAsync(2000);
    expect(stored).toEqual([]);
    await expect(copy.ended).resolves.toBe(false);
    expect(stats).toMatchObject({ copiesAbandoned: 1, copyMs: 300, copyMsAbandoned: 300 });
  });

  it('counts the later of two overlapping copies that both store as restarted, not the first', async () => {
    const { copies, stats } = setUp();
    copies.start({ key: KEY, durationMs: 1000, stats, store: () => {} });
    await timers.advanceTimersByTimeAsync(400);
    copies.start({ key: KEY, durationMs: 1000, stats, store: () => {} });
    // Another object version, or another cluster, is not the same copy.
    copies.start({
      key: copyKey('dr', { uuid: 'a'.repeat(32), version: '2.000' }),
      durationMs: 1000,
      stats,
      store: () => {},
    });
    copies.start({
      key: copyKey('dr2', { uuid: 'a'.repeat(32), version: '1.000' }),
      durationMs: 1000,
      stats,
      store: () => {},
    });
    await timers.advanceTimersByTimeAsync(2000);
    expect(stats).toMatchObject({ copies: 4, copiesRestarted: 1, copyMsRestarted: 1000, copyMs: 4000 });
  });

  it('does not count a copy as restarted when the one it overlapped was abandoned', async () => {
    const { copies, stats } = setUp();
    const first = copies.start({ key: KEY, durationMs: 1000, stats, store: () => {} });
    await timers.advanceTimersByTimeAsync(200);
    copies.start({ key: KEY, durationMs: 1000, stats, store: () => {} });
    first.abandon();
    await timers.advanceTimersByTimeAsync(1000);
    expect(stats).toMatchObject({
      copies: 2,
      copiesRestarted: 0,
      copiesAbandoned: 1,
      copyMs: 1200,
      copyMsAbandoned: 200,
    });
  });

  it('does not count a copy as restarted when the earlier one had ended before it started', async () => {
    const { copies, stats } = setUp();
    copies.start({ key: KEY, durationMs: 100, stats, store: () => {} });
    await timers.advanceTimersByTimeAsync(100);
    copies.start({ key: KEY, durationMs: 100, stats, store: () => {} });
    await timers.advanceTimersByTimeAsync(100);
    expect(stats).toMatchObject({ copies: 2, copiesRestarted: 0, copyMs: 200 });
  });

  it('stores a copy without transfer time when its SEND ends it, and a fault can store one early', async () => {
    const { copies, stats, stored } = setUp();
    const instant = copies.start({ key: KEY, durationMs: 0, stats, store: () => stored.push('instant') });
    expect(stored).toEqual([]);
    await expect(instant.end()).resolves.toBe(true);
    const early = copies.start({ key: 'other', durationMs: 1000, stats, store: () => stored.push('early') });
    early.storeNow();
    expect(stored).toEqual(['instant', 'early']);
    expect(timers.getTimerCount()).toBe(0);
    expect(stats.copyMs).toBe(1000);
  });

  it('drops every copy in progress on close, storing and counting nothing, with no timer left', async () => {
    const { copies, stats, stored } = setUp();
    const copy = copies.start({ key: KEY, durationMs: 1000, stats, store: () => stored.push('a') });
    copies.close();
    await expect(copy.ended).resolves.toBe(false);
    expect(timers.getTimerCount()).toBe(0);
    expect(stored).toEqual([]);
    expect(stats).toMatchObject({ copies: 1, copyMs: 0, copiesAbandoned: 0 });
  });
});
