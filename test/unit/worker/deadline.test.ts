import { getEventListeners, once } from 'node:events';
import {
  batchDeadline,
  DeadlineError,
  QUEUE_CALL_RESERVE_MS,
  queueCallReserveMs,
  queueCallSignal,
  sendTimeLeft,
  untilDeadline,
} from '../../../functions/worker/deadline.js';

describe("a large object's time left (sendTimeLeft)", () => {
  it("is the invocation's remaining time minus the margin, read when asked, never below 0", () => {
    let remaining = 60_000;
    const left = sendTimeLeft({ getRemainingTimeInMillis: () => remaining }, 3000, false);
    expect(left()).toBe(57_000);
    remaining = 1000;
    expect(left()).toBe(0);
  });

  it('is null on a long-running worker: no cap', () => {
    expect(sendTimeLeft({ getRemainingTimeInMillis: () => 60_000 }, 3000, true)()).toBeNull();
  });
});

describe('the batch deadline', () => {
  it('is aborted at once when the margin leaves no time', () => {
    expect(batchDeadline({ getRemainingTimeInMillis: () => 500 }, 500).aborted).toBe(true);
    expect(batchDeadline({ getRemainingTimeInMillis: () => 60_000 }, 500).aborted).toBe(false);
  });

  it('lets work that settles first through, value or error', async () => {
    const deadline = new AbortController();
    await expect(untilDeadline(Promise.resolve(7), deadline.signal)).resolves.toBe(7);
    await expect(untilDeadline(Promise.reject(new Error('read failed')), deadline.signal)).rejects.toThrow(
      'read failed',
    );
  });

  it('gives up on slow work with a DeadlineError when the deadline fires', async () => {
    const deadline = new AbortController();
    const slow = untilDeadline(new Promise(() => undefined), deadline.signal);
    deadline.abort();
    await expect(slow).rejects.toBeInstanceOf(DeadlineError);
    await expect(untilDeadline(Promise.resolve(1), deadline.signal)).rejects.toBeInstanceOf(DeadlineError);
  });
});

describe('untilDeadline and the listeners it leaves on the deadline', () => {
  it('takes its abort listener off the deadline once the work settles, value or error', async () => {
    // One batch deadline serves every record of the batch: a listener left per record would pile up.
    const deadline = new AbortController();
    await untilDeadline(Promise.resolve(1), deadline.signal);
    await untilDeadline(Promise.reject(new Error('read failed')), deadline.signal).catch(() => undefined);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
  });

  it('keeps no listener on a deadline that fired while the work was still running', async () => {
    const deadline = new AbortController();
    const slow = untilDeadline(new Promise(() => undefined), deadline.signal);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(1);
    deadline.abort();
    await expect(slow).rejects.toBeInstanceOf(DeadlineError);
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
  });
});

/** Which of two signals aborts first (timers fire in the order they expire, however busy the machine). */
async function firstToAbort(call: AbortSignal, reference: AbortSignal): Promise<'queue call' | 'reference'> {
  return Promise.race([
    once(call, 'abort').then(() => 'queue call' as const),
    once(reference, 'abort').then(() => 'reference' as const),
  ]);
}

describe('the abort signal of a DLQ, outcomes or visibility call', () => {
  it('keeps a quarter of the deadline margin for the response, at least QUEUE_CALL_RESERVE_MS', () => {
    expect(queueCallReserveMs(0)).toBe(QUEUE_CALL_RESERVE_MS);
    expect(queueCallReserveMs(1000)).toBe(QUEUE_CALL_RESERVE_MS);
    expect(queueCallReserveMs(3000)).toBe(750);
    expect(queueCallReserveMs(2001)).toBe(500);
  });

  it('gives up at once when the invocation has no more than the reserve left', async () => {
    const call = queueCallSignal({ getRemainingTimeInMillis: () => 750 }, 3000);
    await expect(firstToAbort(call, AbortSignal.timeout(200))).resolves.toBe('queue call');
    const late = queueCallSignal({ getRemainingTimeInMillis: () => 0 }, 0);
    await expect(firstToAbort(late, AbortSignal.timeout(200))).resolves.toBe('queue call');
  });

  it('lets the call run for the time left beyond the reserve', async () => {
    const call = queueCallSignal({ getRemainingTimeInMillis: () => 750 + 60_000 }, 3000);
    await expect(firstToAbort(call, AbortSignal.timeout(200))).resolves.toBe('reference');
    expect(call.aborted).toBe(false);
  });
});
