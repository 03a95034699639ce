import { getEventListeners } from 'node:events';
import type { RequestContext } from '../../../simulator/context.js';
import {
  instantWork,
  pause,
  planStream,
  resetConnection,
  stretchOverTransfer,
  streamAnswer,
  type StreamPlan,
} from '../../../simulator/send-stream.js';
import type { FaultKind } from '../../../simulator/types.js';

// How a streamed SEND answer unfolds in time, without waiting for it: the plan is plain data,
// and Jest's fake timers move the pauses. The answer is written to a recording stand-in for the
// response writer, so the order of what goes out (and of the commit) is what is asserted.
const timers = import.meta.jest;

const KEEPALIVE = { count: 3, intervalMs: 1000 };

/** A context with only what planning and streaming read; the rest is never touched. */
function context({ zeroLatency = false, keepaliveIntervalMs = undefined as number | undefined } = {}) {
  const log: string[] = [];
  const controller = new AbortController();
  const socket = {
    destroyed: false,
    end: () => log.push('end'),
    resetAndDestroy: () => log.push('reset'),
  };
  const res = {
    closeAfter: false,
    writeHead: (status: number) => log.push(`head ${status}`),
    keepalive: () => log.push('keepalive'),
    chunk: (data: string) => log.push(`chunk ${data}`),
    endChunked: (trailers: readonly [string, string][] = []) =>
      log.push(`end-chunked ${trailers.map(([n, v]) => `${n}=${v}`).join(',')}`),
    flushed: () => {
      log.push('flushed');
      return Promise.resolve();
    },
  };
  const stats = { resets: 0 };
  const ctx = {
    res,
    conn: { signal: controller.signal, socket },
    node: { stats },
    sim: {
      options: { keepalive: KEEPALIVE, zeroLatency },
      transfer: keepaliveIntervalMs === undefined ? undefined : { keepaliveIntervalMs },
    },
  } as unknown as RequestContext;
  return { ctx, log, res, socket, stats, controller };
}

const plan = (p: Partial<StreamPlan> = {}): StreamPlan => ({
  keepalives: 0,
  intervalMs: 0,
  stallMs: 0,
  ending: 'normal',
  commitAnyway: false,
  ...p,
});

describe('planStream', () => {
  const normal = plan({ keepalives: 3, intervalMs: 1000 });

  it("takes the keep-alive count and interval from the simulator's options", () => {
    expect(planStream(context().ctx, undefined)).toEqual(normal);
  });

  it('sends no keep-alive and waits for nothing at zero latency', () => {
    expect(planStream(context({ zeroLatency: true }).ctx, undefined)).toEqual(plan());
  });

  it('a stall fault stalls for its time and changes nothing else', () => {
    expect(planStream(context().ctx, { type: 'stall', ms: 750 })).toEqual({ ...normal, stallMs: 750 });
  });

  it('a slow-keepalive fault sets the count and interval, even at zero latency', () => {
    const fault: FaultKind = { type: 'slow-keepalive', count: 7, intervalMs: 20 };
    expect(planStream(context({ zeroLatency: true }).ctx, fault)).toEqual(plan({ keepalives: 7, intervalMs: 20 }));
  });

  it.each(['reset-mid-body', 'truncate'] as const)(
    '%s ends early; the copy is made only when the fault says so',
    (type) => {
      const ending = type === 'truncate' ? 'truncate' : 'reset';
      expect(planStream(context().ctx, { type })).toEqual({ ...normal, ending, commitAnyway: false });
      expect(planStream(context().ctx, { type, copied: false })).toEqual({ ...normal, ending, commitAnyway: false });
      expect(planStream(context().ctx, { type, copied: true })).toEqual({ ...normal, ending, commitAnyway: true });
    },
  );

  it('a fault that is not about the stream leaves the plan as the options make it', () => {
    expect(planStream(context().ctx, { type: 'status', status: 500 })).toEqual(normal);
    expect(planStream(context().ctx, { type: 'remote-status', status: 404 })).toEqual(normal);
  });
});

describe('stretchOverTransfer', () => {
  it('spreads keep-alives over the transfer at the model interval, the result due at its end', () => {
    const p = plan({ keepalives: 1, intervalMs: 1000 });
    stretchOverTransfer(context({ keepaliveIntervalMs: 1000 }).ctx, p, 2500);
    expect(p.keepalives).toBe(3);
    expect(p.intervalMs * p.keepalives).toBeCloseTo(2500, 9);
  });

  it('keeps more keep-alives than the transfer needs, closer together', () => {
    const p = plan({ keepalives: 5, intervalMs: 1000 });
    stretchOverTransfer(context({ keepaliveIntervalMs: 1000 }).ctx, p, 2000);
    expect(p).toEqual(plan({ keepalives: 5, intervalMs: 400 }));
  });

  it('a duration of exactly one interval gives one keep-alive', () => {
    const p = plan();
    stretchOverTransfer(context({ keepaliveIntervalMs: 500 }).ctx, p, 500);
    expect(p).toEqual(plan({ keepalives: 1, intervalMs: 500 }));
  });

  it.each([0, -5, Number.NaN])('changes nothing for a duration of %s', (ms) => {
    const p = plan({ keepalives: 2, intervalMs: 10 });
    stretchOverTransfer(context({ keepaliveIntervalMs: 1000 }).ctx, p, ms);
    expect(p).toEqual(plan({ keepalives: 2, intervalMs: 10 }));
  });

  it('changes nothing without a transfer model', () => {
    const p = plan({ keepalives: 2, intervalMs: 10 });
    stretchOverTransfer(context().ctx, p, 5000);
    expect(p).toEqual(plan({ keepalives: 2, intervalMs: 10 }));
  });
});

/** A signal whose abort listeners can be counted (the ones really registered on it). */
function countedSignal() {
  const controller = new AbortController();
  const signal = controller.signal;
  return { signal, controller, listeners: () => getEventListeners(signal, 'abort').length };
}

describe('pause', () => {
  beforeEach(() => timers.useFakeTimers({ now: 0 }));
  afterEach(() => timers.useRealTimers());

  const settled = (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    return () => done;
  };

  it('waits exactly its time, then clears its timer and its abort listener', async () => {
    const s = countedSignal();
    const done = settled(pause(100, s.signal));
    expect(timers.getTimerCount()).toBe(1);
    expect(s.listeners()).toBe(1);
    await timers.advanceTimersByTimeAsync(99);
    expect(done()).toBe(false);
    await timers.advanceTimersByTimeAsync(1);
    expect(done()).toBe(true);
    expect(timers.getTimerCount()).toBe(0);
    expect(s.listeners()).toBe(0);
  });

  it('ends early when the connection closes, clearing its timer', async () => {
    const s = countedSignal();
    const done = settled(pause(10_000, s.signal));
    await timers.advanceTimersByTimeAsync(50);
    s.controller.abort();
    await Promise.resolve();
    expect(done()).toBe(true);
    expect(timers.getTimerCount()).toBe(0);
    expect(s.listeners()).toBe(0);
  });

  it.each([0, -1])('waits for nothing for %s ms', async (ms) => {
    const s = countedSignal();
    const done = settled(pause(ms, s.signal));
    await Promise.resolve();
    expect(done()).toBe(true);
    expect(timers.getTimerCount()).toBe(0);
    expect(s.listeners()).toBe(0);
  });

  it('waits for nothing on a connection already closed', async () => {
    const s = countedSignal();
    s.controller.abort();
    const done = settled(pause(100, s.signal));
    await Promise.resolve();
    expect(done()).toBe(true);
    expect(timers.getTimerCount()).toBe(0);
  });
});

describe('streamAnswer', () => {
  beforeEach(() => timers.useFakeTimers({ now: 0 }));
  afterEach(() => timers.useRealTimers());

  const result = { body: 'Remote cluster returned: 201\n', trailers: [['Feed-1-Status', '201']] as [string, string][] };

  it('without interval or stall waits for nothing: head, keep-alives, commit, result, zero chunk', async () => {
    const { ctx, log } = context();
    await streamAnswer(
      ctx,
      [],
      plan({ keepalives: 2 }),
      instantWork(result, () => log.push('commit')),
    );
    expect(log).toEqual([
      'head 200',
      'keepalive',
      'keepalive',
      'commit',
      'chunk Remote cluster returned: 201\n',
      'end-chunked Feed-1-Status=201',
    ]);
    expect(timers.getTimerCount()).toBe(0);
  });

  it('sends each keep-alive after its interval', async () => {
    const { ctx, log } = context();
    const done = streamAnswer(
      ctx,
      [],
      plan({ keepalives: 2, intervalMs: 100 }),
      instantWork(result, () => log.push('commit')),
    );
    await timers.advanceTimersByTimeAsync(99);
    expect(log).toEqual(['head 200']);
    await timers.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['head 200', 'keepalive']);
    await timers.advanceTimersByTimeAsync(100);
    await done;
    expect(log.slice(1, 4)).toEqual(['keepalive', 'keepalive', 'commit']);
  });

  it('a stall flushes the head, then is silent for its time', async () => {
    const { ctx, log } = context();
    const done = streamAnswer(
      ctx,
      [],
      plan({ stallMs: 300 }),
      instantWork(result, () => log.push('commit')),
    );
    await timers.advanceTimersByTimeAsync(299);
    expect(log).toEqual(['head 200', 'flushed']);
    await timers.advanceTimersByTimeAsync(1);
    await done;
    expect(log.slice(2)).toEqual(['commit', 'chunk Remote cluster returned: 201\n', 'end-chunked Feed-1-Status=201']);
  });

  it.each([true, false])('a truncated answer closes cleanly without the result (copy made: %s)', async (copied) => {
    const { ctx, log, res } = context();
    await streamAnswer(
      ctx,
      [],
      plan({ keepalives: 1, ending: 'truncate', commitAnyway: copied }),
      instantWork(result, () => log.push('commit')),
    );
    expect(log).toEqual(['head 200', 'keepalive', ...(copied ? ['commit'] : []), 'flushed', 'end']);
    expect(res.closeAfter).toBe(true);
  });

  it.each([true, false])('a reset answer sends one keep-alive, then resets (copy made: %s)', async (copied) => {
    const { ctx, log, stats } = context();
    const done = streamAnswer(
      ctx,
      [],
      plan({ keepalives: 3, ending: 'reset', commitAnyway: copied }),
      instantWork(result, () => log.push('commit')),
    );
    await timers.advanceTimersByTimeAsync(24);
    expect(log).toEqual(['head 200', 'keepalive', ...(copied ? ['commit'] : []), 'flushed']);
    expect(stats.resets).toBe(0);
    await timers.advanceTimersByTimeAsync(1);
    await done;
    expect(log.at(-1)).toBe('reset');
    expect(stats.resets).toBe(1);
  });
});

describe('resetConnection', () => {
  it('counts the reset but does not reset a socket already gone', async () => {
    const { ctx, log, socket, stats, controller } = context();
    socket.destroyed = true;
    controller.abort();
    await resetConnection(ctx);
    expect(stats.resets).toBe(1);
    expect(log).toEqual(['flushed']);
  });
});
