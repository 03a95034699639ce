import {
  AdaptiveLimit,
  ClusterLimits,
  clusterLimitsOf,
  Limiter,
  limitSignalOf,
  MAX_ADAPTIVE_LIMIT,
} from '../../../functions/worker/concurrency.js';
import { observed } from '../../helpers/observation.js';
import { fakeDeps } from '../../helpers/fake-ports.js';

/** A clock the test moves by hand. */
function manualClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** Fills every slot, then releases them all with the same signal: one round at the limit. */
async function round(limit: AdaptiveLimit, signal: 'ok' | 'busy', latencyMs = 100): Promise<void> {
  const slots = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
  for (const slot of slots) slot.release(signal, latencyMs);
}

describe('AdaptiveLimit', () => {
  it('backs off multiplicatively on a busy answer and grows back additively while answers are good', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 32, max: 64, now: clock.now });
    clock.advance(1);
    await round(limit, 'busy');
    expect(limit.limit).toBe(22); // 32 x 0.7 = 22.4
    expect(limit.decreases).toBe(1);
    // About one slot per limit's worth of good answers: a full round of 22 makes 23.
    await round(limit, 'ok');
    expect(limit.limit).toBe(23);
    for (let i = 0; i < 200; i++) await round(limit, 'ok');
    expect(limit.limit).toBe(64);
  });

  it('cuts as soon as a running SEND reports a busy node, and not again when that SEND ends', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 20, max: 20, now: clock.now });
    const slots = await Promise.all(Array.from({ length: 20 }, () => limit.acquire()));
    clock.advance(5);
    // The SEND is still failing over to another node: the cut does not wait for its end.
    slots[0]!.busy();
    expect(limit.limit).toBe(14); // 20 x 0.7
    expect(limit.decreases).toBe(1);
    clock.advance(5);
    for (const slot of slots) slot.release('busy');
    expect(limit.limit).toBe(14);
    expect(limit.decreases).toBe(1);
    // A released slot reports nothing any more.
    slots[1]!.busy();
    expect(limit.decreases).toBe(1);
  });

  it('ignores a busy report from a slot already given back, even one that started after the last cut', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 8, max: 8, now: clock.now });
    clock.advance(1);
    const slot = await limit.acquire();
    slot.release('ok', 1);
    slot.busy();
    expect(limit.decreases).toBe(0);
    expect(limit.limit).toBe(8);
  });

  it('grows by the configured increase per round once slow start is over', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 32, max: 64, increase: 0.5, now: clock.now });
    clock.advance(1);
    await round(limit, 'busy');
    expect(limit.limit).toBe(22);
    // Half a slot per limit's worth of good answers: two rounds for one more slot.
    await round(limit, 'ok');
    expect(limit.limit).toBe(22);
    await round(limit, 'ok');
    expect(limit.limit).toBe(23);
  });

  it('cuts once per round: busy answers of SENDs that started before the last cut do not cut again', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 40, max: 40, now: clock.now });
    const slots = await Promise.all(Array.from({ length: 40 }, () => limit.acquire()));
    clock.advance(5);
    for (const slot of slots) slot.release('busy');
    expect(limit.limit).toBe(28);
    expect(limit.decreases).toBe(1);
    clock.advance(5);
    await round(limit, 'busy');
    expect(limit.limit).toBe(19);
  });

  it('cuts from what was in flight when a limit above the demand meets a busy answer', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 40, max: 40, now: clock.now });
    const slots = await Promise.all(Array.from({ length: 10 }, () => limit.acquire()));
    clock.advance(5);
    for (const slot of slots) slot.release('busy');
    expect(limit.limit).toBe(7); // 10 in flight x 0.7, not 40 x 0.7
  });

  it('never goes below its minimum nor above its maximum', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 4, min: 2, max: 6, now: clock.now });
    for (let i = 0; i < 20; i++) {
      clock.advance(1);
      await round(limit, 'busy');
    }
    expect(limit.limit).toBe(2);
    for (let i = 0; i < 100; i++) await round(limit, 'ok', 10);
    expect(limit.limit).toBe(6);
  });

  it('starts slow: one more slot per good answer until the first sign of congestion', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 8, max: 64, now: clock.now });
    await round(limit, 'ok');
    expect(limit.limit).toBe(16);
    clock.advance(1);
    await round(limit, 'busy');
    expect(limit.limit).toBe(11); // 16 x 0.7
    await round(limit, 'ok');
    expect(limit.limit).toBe(12);
  });

  it('does not grow a limit the demand never reaches', async () => {
    const limit = new AdaptiveLimit({ initial: 8, max: 64 });
    // Never more than 3 SENDs at once: the limit of 8 never constrained anything.
    for (let i = 0; i < 100; i++) {
      const slots = await Promise.all([limit.acquire(), limit.acquire(), limit.acquire()]);
      for (const slot of slots) slot.release('ok', 100);
    }
    expect(limit.limit).toBe(8);
  });

  it('treats a whole window of SENDs running well above the long-run latency as congestion, and ignores what teaches nothing', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 50, max: 50, now: clock.now });
    for (let i = 0; i < 300; i++) (await limit.acquire()).release('ok', 100);
    for (let i = 0; i < 10; i++) (await limit.acquire()).release('ignore');
    expect(limit.decreases).toBe(0);
    // 49 SENDs stay in flight while others come back ten times slower.
    const held = await Promise.all(Array.from({ length: 49 }, () => limit.acquire()));
    let slowOnes = 0;
    while (limit.decreases === 0 && slowOnes < 64) {
      clock.advance(1);
      (await limit.acquire()).release('ok', 1000);
      slowOnes += 1;
    }
    for (const slot of held) slot.release('ignore');
    expect(limit.decreases).toBe(1);
    expect(limit.limit).toBe(35);
    // Not one slow SEND: about half the window had to be ten times slower.
    expect(slowOnes).toBeGreaterThan(20);
  });

  it('after a cut, lets latency cut again only once the 64-SEND window has refilled', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 50, max: 50, now: clock.now });
    for (let i = 0; i < 300; i++) (await limit.acquire()).release('ok', 100);
    clock.advance(1);
    (await limit.acquire()).release('busy'); // the cut empties the window
    expect(limit.decreases).toBe(1);
    // SENDs a million times slower: only a full window may judge them.
    for (let i = 0; i < 63; i++) {
      clock.advance(1);
      (await limit.acquire()).release('ok', 100_000_000);
    }
    expect(limit.decreases).toBe(1);
    clock.advance(1);
    (await limit.acquire()).release('ok', 100_000_000);
    expect(limit.decreases).toBe(2);
  });

  it('does not read heavy-tailed SEND times of a steady cluster as congestion', async () => {
    const limit = new AdaptiveLimit({ initial: 50, max: 50 });
    // Lognormal-like: mostly 50 ms, one in ten 2 s, one in a hundred 20 s, interleaved steadily.
    for (let i = 0; i < 5000; i++) {
      const ms = i % 100 === 7 ? 20_000 : i % 10 === 3 ? 2000 : 50;
      (await limit.acquire()).release('ok', ms);
    }
    expect(limit.decreases).toBe(0);
  });

  it('grows the limit for a SEND during which a caller had to wait, even if the limit has room when it ends', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 2, max: 10, now: clock.now });
    const first = await limit.acquire();
    const second = await limit.acquire(); // fills the limit of 2
    const waiting = limit.acquire(); // a third caller waits: the limit binds while the first SEND runs
    second.release('ok', 1); // slow start: 2 -> 3, and the waiter gets its slot
    const third = await waiting;
    expect(limit.limit).toBe(3);
    expect(limit.inFlight).toBe(2);
    // 2 in flight under a limit of 3 when the first SEND ends, but it did run at the limit.
    first.release('ok', 1);
    expect(limit.limit).toBe(4);
    third.release('ignore');
  });

  it('grows the limit for a SEND that ends with the limit exactly full after a cut', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 20, max: 20, backoff: 0.5, increase: 4, now: clock.now });
    const slots = await Promise.all(Array.from({ length: 15 }, () => limit.acquire()));
    clock.advance(1);
    slots[0]!.busy(); // 15 in flight x 0.5: a limit of 7.5
    expect(limit.limit).toBe(7);
    for (const slot of slots.slice(0, 8)) slot.release('ignore');
    expect(limit.inFlight).toBe(7);
    // 7 in flight under a limit of 7: the SEND ran at the limit, so the limit grows (7.5 + 4 / 7.5).
    slots[8]!.release('ok', 1);
    expect(limit.limit).toBe(8);
    for (const slot of slots.slice(9)) slot.release('ignore');
  });

  it('keeps no more SENDs in flight than the limit, and admits waiters in arrival order as slots free', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 2, max: 2, now: clock.now });
    const first = await limit.acquire();
    const second = await limit.acquire();
    const order: number[] = [];
    const third = limit.acquire().then((s) => (order.push(3), s));
    const fourth = limit.acquire().then((s) => (order.push(4), s));
    await Promise.resolve();
    expect(limit.inFlight).toBe(2);
    expect(order).toEqual([]);
    first.release('ok', 1);
    const s3 = await third;
    expect(order).toEqual([3]);
    expect(limit.inFlight).toBe(2);
    second.release('ok', 1);
    (await fourth).release('ok', 1);
    s3.release('ok', 1);
    expect(limit.inFlight).toBe(0);
    expect(order).toEqual([3, 4]);
  });

  it('hands a freed slot to the first waiter: a caller arriving meanwhile queues behind the waiters', async () => {
    const limit = new AdaptiveLimit({ initial: 1, max: 1 });
    const holder = await limit.acquire();
    const order: string[] = [];
    // Each caller gives its slot back as soon as it has it.
    const take = (name: string) => limit.acquire().then((slot) => (order.push(name), slot.release('ignore')));
    const callers = [take('first'), take('second')];
    holder.release('ignore');
    // Arrives after the release, before the first waiter has run: the slot is no longer free.
    callers.push(take('late'));
    expect(limit.inFlight).toBe(1);
    await Promise.all(callers);
    expect(order).toEqual(['first', 'second', 'late']);
    expect(limit.inFlight).toBe(0);
  });

  it('wakes only as many waiters as there are free slots, and the rest keep their places', async () => {
    const clock = manualClock();
    const limit = new AdaptiveLimit({ initial: 3, max: 3, now: clock.now });
    const held = await Promise.all([limit.acquire(), limit.acquire(), limit.acquire()]);
    const order: number[] = [];
    const waiters = [1, 2, 3, 4, 5].map((n) => limit.acquire().then((slot) => (order.push(n), slot)));
    const settled = async () => {
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    };
    // A cut to 2 (3 in flight x 0.7): the first release frees nothing.
    clock.advance(1);
    held[0]!.busy();
    expect(limit.limit).toBe(2);
    held[0]!.release('ignore');
    await settled();
    expect(order).toEqual([]);
    expect(limit.inFlight).toBe(2);
    held[1]!.release('ignore');
    await settled();
    expect(order).toEqual([1]);
    expect(limit.inFlight).toBe(2);
    held[2]!.release('ignore');
    await settled();
    expect(order).toEqual([1, 2]);
    expect(limit.inFlight).toBe(2);
    (await waiters[0]!).release('ignore');
    (await waiters[1]!).release('ignore');
    await settled();
    expect(order).toEqual([1, 2, 3, 4]);
    expect(limit.inFlight).toBe(2);
    for (const w of waiters.slice(2)) (await w).release('ignore');
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(limit.inFlight).toBe(0);
  });

  it('run() releases its slot when the task throws, and judges the result otherwise', async () => {
    const limit = new AdaptiveLimit({ initial: 1, max: 1 });
    await expect(
      limit.run(
        () => Promise.reject(new Error('boom')),
        () => ({ signal: 'ok' }),
      ),
    ).rejects.toThrow('boom');
    expect(limit.inFlight).toBe(0);
    await expect(
      limit.run(
        async () => 7,
        (n) => ({ signal: n === 7 ? 'busy' : 'ok' }),
      ),
    ).resolves.toBe(7);
    expect(limit.decreases).toBe(1);
    expect(limit.inFlight).toBe(0);
  });

  it('keeps one limit per source cluster, each starting at the initial limit', async () => {
    const limits = new ClusterLimits({ max: 10 });
    await round(limits.for('primary'), 'busy');
    expect(limits.for('primary').limit).toBe(5); // 8 x 0.7
    expect(limits.for('other').limit).toBe(8);
    expect(new ClusterLimits({ max: 3 }).for('small').limit).toBe(3);
    expect(limits.for('primary')).toBe(limits.for('primary'));
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

describe('what a SEND teaches the adaptive limit', () => {
  it('reads a busy node on the way as busy, even when another node then took the SEND', () => {
    expect(limitSignalOf(observed({}, { busy: 1, requests: 2 }))).toStrictEqual({ signal: 'busy' });
  });

  it('learns nothing from a SEND that got no answer at all', () => {
    expect(
      limitSignalOf(observed({ httpStatus: null, remoteStatus: null, error: 'connection-reset' }, { durationMs: 900 })),
    ).toStrictEqual({ signal: 'ignore' });
  });

  it("reads a clean answer as good, with the SEND's duration", () => {
    expect(limitSignalOf(observed({ httpStatus: 404, remoteStatus: null }, { durationMs: 37 }))).toStrictEqual({
      signal: 'ok',
      latencyMs: 37,
    });
  });
});

describe('the cluster limits of a container', () => {
  it('keeps one set per dependency object, so what one batch learns carries over to the next', () => {
    const deps = fakeDeps();
    expect(clusterLimitsOf(deps)).toBe(clusterLimitsOf(deps));
    expect(clusterLimitsOf(fakeDeps())).not.toBe(clusterLimitsOf(deps));
  });

  it('lets a limit grow up to the largest SENDs-per-invocation the configuration accepts', async () => {
    const limit = clusterLimitsOf(fakeDeps()).for('primary');
    for (let round = 0; round < 20; round++) {
      const slots = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
      for (const slot of slots) slot.release('ok', 10);
    }
    expect(limit.limit).toBe(MAX_ADAPTIVE_LIMIT);
  });
  it('once a node has been busy, grows about half a slot per round of good answers', async () => {
    const limit = clusterLimitsOf(fakeDeps()).for('primary');
    const round = async (signal: 'ok' | 'busy') => {
      const slots = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
      for (const slot of slots) slot.release(signal, 10);
    };
    await round('busy');
    expect(limit.limit).toBe(5); // 8 x 0.7 = 5.6
    for (let i = 0; i < 10; i++) await round('ok');
    // 5.6 plus about ten half slots (each round adds 0.5 x the slots used / the limit)
    expect(limit.limit).toBe(10);
  });
});
