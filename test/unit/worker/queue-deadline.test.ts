import { once } from 'node:events';
import { QUEUE_CALL_RESERVE_MS, queueCallSignal } from '../../../functions/worker/queue-deadline.js';

/** Which of two signals aborts first (timers fire in the order they expire, however busy the machine). */
async function firstToAbort(call: AbortSignal, reference: AbortSignal): Promise<'queue call' | 'reference'> {
  return Promise.race([
    once(call, 'abort').then(() => 'queue call' as const),
    once(reference, 'abort').then(() => 'reference' as const),
  ]);
}

describe('the abort signal of a DLQ, outcomes or visibility call', () => {
  it('gives up at once when the invocation has no more than the reserve left', async () => {
    const call = queueCallSignal({ getRemainingTimeInMillis: () => QUEUE_CALL_RESERVE_MS });
    await expect(firstToAbort(call, AbortSignal.timeout(200))).resolves.toBe('queue call');
    const late = queueCallSignal({ getRemainingTimeInMillis: () => 0 });
    await expect(firstToAbort(late, AbortSignal.timeout(200))).resolves.toBe('queue call');
  });

  it('lets the call run for the time left beyond the reserve', async () => {
    const call = queueCallSignal({ getRemainingTimeInMillis: () => QUEUE_CALL_RESERVE_MS + 60_000 });
    await expect(firstToAbort(call, AbortSignal.timeout(200))).resolves.toBe('reference');
    expect(call.aborted).toBe(false);
  });
});
