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
