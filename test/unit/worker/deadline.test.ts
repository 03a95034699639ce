import { getEventListeners } from 'node:events';
import { batchDeadline, DeadlineError, untilDeadline } from '../../../functions/worker/deadline.js';

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
