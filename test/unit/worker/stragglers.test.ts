import { getEventListeners } from 'node:events';
import type { StragglerOptions } from '../../../functions/config.js';
import { StragglerWatch } from '../../../functions/worker/stragglers.js';

// The watch looks at the batch's tail on its own timer: Jest's fake timers move that timer and
// the clock together, so these tests wait for nothing real.
const timers = import.meta.jest;

const policy: StragglerOptions = { enabled: true, tailShare: 0.25, factor: 4, minMs: 500 };
const open = () => new AbortController().signal;

describe('the straggler watch', () => {
  let watch: StragglerWatch;
  beforeEach(() => {
    timers.useFakeTimers({ now: 0 });
    watch = new StragglerWatch(policy, 4, () => Date.now());
  });
  afterEach(() => {
    watch.close();
    timers.useRealTimers();
  });

  /** Begins one more SEND, tells the batch's total, ends that SEND after 100 ms, then lets 10 s pass. */
  function oneQuickSendThenTenSeconds(total: number): void {
    const quick = {};
    watch.begin(quick, true, open());
    watch.setTotal(total);
    timers.advanceTimersByTime(100);
    watch.settle(quick);
    timers.advanceTimersByTime(10_000);
  }

  /** Four SENDs; three end after 350, 100 and 200 ms (in that order), the fourth runs on. */
  function batchWithOneStraggler(): AbortSignal {
    const [a, b, c, d] = [{}, {}, {}, {}];
    watch.begin(a, true, open());
    const straggler = watch.begin(d, true, open());
    timers.advanceTimersByTime(300);
    watch.begin(b, true, open());
    watch.begin(c, true, open());
    watch.setTotal(4);
    timers.advanceTimersByTime(50);
    watch.settle(a); // 350 ms
    timers.advanceTimersByTime(50);
    watch.settle(b); // 100 ms
    timers.advanceTimersByTime(100);
    watch.settle(c); // 200 ms; now at 500 ms only the straggler runs: the batch is in its tail
    return straggler;
  }

  it("hands back the tail's SEND once it has run four times the batch's median SEND time", () => {
    const straggler = batchWithOneStraggler();
    // The median of 100, 200 and 350 ms is 200 ms: the cutoff is 800 ms, above the 500 ms floor.
    timers.advanceTimersByTime(250);
    expect(Date.now()).toBe(750);
    expect(straggler.aborted).toBe(false);
    expect(watch.handedBack).toBe(0);
    timers.advanceTimersByTime(50);
    expect(straggler.aborted).toBe(true);
    expect(watch.handedBack).toBe(1);
    // Once handed back it is not counted again.
    timers.advanceTimersByTime(1000);
    expect(watch.handedBack).toBe(1);
  });

  it('waits in full for a SEND that may not be handed back (a second receive, a FIFO record)', () => {
    const kept = watch.begin({}, false, open());
    oneQuickSendThenTenSeconds(2);
    expect(kept.aborted).toBe(false);
    expect(watch.handedBack).toBe(0);
  });

  it('hands back nothing before the tail: while more than a quarter of the slots are busy', () => {
    const running = [{}, {}].map((k) => watch.begin(k, true, open()));
    oneQuickSendThenTenSeconds(3);
    expect(running.map((s) => s.aborted)).toStrictEqual([false, false]);
    expect(watch.handedBack).toBe(0);
  });

  it('hands back nothing while no SEND of the batch has finished (there is no typical SEND time yet)', () => {
    const only = watch.begin({}, true, open());
    watch.setTotal(1);
    timers.advanceTimersByTime(60_000);
    expect(only.aborted).toBe(false);
    expect(watch.handedBack).toBe(0);
  });

  it("does not count a handed-back SEND's time in the batch's median", () => {
    watch = new StragglerWatch(policy, 8, () => Date.now()); // a tail of up to 2 running SENDs
    const [quick, first] = [{}, {}];
    watch.begin(quick, true, open());
    const firstSignal = watch.begin(first, true, open());
    timers.advanceTimersByTime(100);
    watch.settle(quick); // 100 ms: the cutoff is the 500 ms floor
    timers.advanceTimersByTime(200);
    const second = watch.begin({}, true, open());
    watch.setTotal(3);
    timers.advanceTimersByTime(200);
    expect(firstSignal.aborted).toBe(true); // 500 ms
    expect(second.aborted).toBe(false); // 200 ms
    watch.settle(first);
    watch.settle(first); // a second report of its end changes nothing
    // Counted, its 500 ms would lift the median to 500 ms and the cutoff to 2 s.
    timers.advanceTimersByTime(300);
    expect(second.aborted).toBe(true); // 500 ms
    expect(watch.handedBack).toBe(2);
  });

  it('hands back nothing before every SEND of the batch has begun', () => {
    const longSignal = watch.begin({}, true, open());
    oneQuickSendThenTenSeconds(3); // the third SEND still waits for its credentials
    expect(longSignal.aborted).toBe(false);
    expect(watch.handedBack).toBe(0);
  });

  it('still passes the deadline on to the SENDs running after others have ended', () => {
    const deadline = new AbortController();
    const [first, second] = [{}, {}];
    watch.begin(first, true, deadline.signal);
    const secondSignal = watch.begin(second, true, deadline.signal);
    watch.settle(first);
    deadline.abort();
    expect(secondSignal.aborted).toBe(true);
  });

  it('holds one listener on a deadline while SENDs run under it, and none once they have all ended', () => {
    const deadline = new AbortController();
    const keys = [{}, {}, {}];
    for (const key of keys) watch.begin(key, true, deadline.signal);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(1);
    for (const key of keys) watch.settle(key);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
  });

  it('hands back a SEND already past the cutoff as soon as the batch total is known, not at the next tick', () => {
    const [quick, long] = [{}, {}];
    watch.begin(quick, true, open());
    const longSignal = watch.begin(long, true, open());
    timers.advanceTimersByTime(100);
    watch.settle(quick); // 100 ms: the cutoff is the 500 ms floor
    timers.advanceTimersByTime(900); // the total is not known yet: no tail
    expect(longSignal.aborted).toBe(false);
    watch.setTotal(2);
    expect(longSignal.aborted).toBe(true);
  });

  it('hands back a SEND already past the cutoff as soon as another SEND ends and the tail begins', () => {
    const [a, b, c] = [{}, {}, {}];
    watch.begin(a, true, open());
    const straggler = watch.begin(c, true, open());
    timers.advanceTimersByTime(100);
    watch.settle(a); // 100 ms
    timers.advanceTimersByTime(850);
    watch.begin(b, true, open());
    watch.setTotal(3);
    timers.advanceTimersByTime(50); // at 1000 ms two SENDs still run: no tail yet
    expect(straggler.aborted).toBe(false);
    watch.settle(b); // 50 ms: the median is 100 ms and only the straggler runs
    expect(straggler.aborted).toBe(true);
  });

  it('passes the deadline on to a SEND begun after every earlier one had ended', () => {
    const deadline = new AbortController();
    const first = {};
    watch.begin(first, true, deadline.signal);
    watch.settle(first);
    const later = watch.begin({}, true, deadline.signal);
    deadline.abort();
    expect(later.aborted).toBe(true);
  });

  it('forwards each deadline only to the SENDs begun under it', () => {
    const [early, late] = [new AbortController(), new AbortController()];
    const underEarly = watch.begin({}, true, early.signal);
    const underLate = watch.begin({}, true, late.signal);
    early.abort();
    expect([underEarly.aborted, underLate.aborted]).toStrictEqual([true, false]);
  });

  it('aborts a running SEND at the batch deadline, which is not a hand-back', () => {
    const deadline = new AbortController();
    const send = watch.begin({}, true, deadline.signal);
    deadline.abort(new Error('deadline'));
    expect(send.aborted).toBe(true);
    expect(watch.handedBack).toBe(0);
    // The fired deadline keeps no listener of the watch, even while the aborted SEND winds down.
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
    const late = watch.begin({}, true, deadline.signal);
    expect(late.aborted).toBe(true);
  });
});
