import type { TransferBudget } from '../../../../functions/core/copy/transfer-budget.js';
import { sendDecision, type SendAttempt } from '../../../../functions/core/outcome/decide.js';
import {
  decideLargeObject,
  ENDED_ON_CLIENT_SIDE,
  renewsInsteadOfWaiting,
  type LargeObjectObserved,
} from '../../../../functions/core/outcome/large-object-decision.js';
import type { SendReport } from '../../../../functions/core/send/observation.js';
import { feedObserved, observed } from '../../../helpers/observation.js';

const FIRST = { attempt: 1, maxAttempts: 5 };
const LAST = { attempt: 5, maxAttempts: 5 };
const LARGE: TransferBudget = { expectedMs: 600_000, large: true, fits: false };
const SMALL: TransferBudget = { expectedMs: 2_000, large: false, fits: true };

const sent = (send: SendReport, handedBack = false): SendAttempt => ({
  kind: 'sent',
  send,
  answer: sendDecision(send),
  handedBack,
  verifyProblem: null,
});

/** A SEND that started at 0 ms; it is now 100 s later. */
function sentObserved(via: 'here' | 'feed', attempt: SendAttempt, budget = LARGE, minWaitSeconds = 5) {
  return { step: 'sent', via, sent: attempt, budget, startedAtMs: 0, nowMs: 100_000, minWaitSeconds } as const;
}

describe('decideLargeObject: a background feed copy', () => {
  it('makes status 1 copying-in-background, back when the rest of the expected duration has passed', () => {
    const v = decideLargeObject(sentObserved('feed', sent(feedObserved(1))), FIRST);
    expect(v).toMatchObject({ outcome: 'retry', reason: 'copying-in-background', retryAfterSeconds: 500 });
  });

  it('never dead-letters a copy the feed holds, on the last attempt either', () => {
    const v = decideLargeObject(sentObserved('feed', sent(feedObserved(1))), LAST);
    expect(v).toMatchObject({ outcome: 'retry', reason: 'copying-in-background' });
    expect(v.retriesExhausted).toBeUndefined();
  });

  it('asks again after the minimum once the expected end has passed (a slower link)', () => {
    const late = { ...sentObserved('feed', sent(feedObserved(1))), nowMs: 900_000 };
    expect(decideLargeObject(late, FIRST).retryAfterSeconds).toBe(5);
  });

  it('takes status 0 as replicated feed-complete, as any feed SEND', () => {
    expect(decideLargeObject(sentObserved('feed', sent(feedObserved(0))), FIRST)).toMatchObject({
      outcome: 'replicated',
      reason: 'feed-complete',
    });
  });

  it('keeps a feed failure (status 2) a counted retry: dead-lettered on the last attempt', () => {
    expect(decideLargeObject(sentObserved('feed', sent(feedObserved(2))), LAST)).toMatchObject({
      outcome: 'failed',
      reason: 'feed-failed',
      retriesExhausted: true,
    });
  });
});

describe('decideLargeObject: a SEND here that ended on the client side', () => {
  it.each([...ENDED_ON_CLIENT_SIDE].filter((r) => r !== 'handed-back'))(
    'makes a large object whose SEND ended with %s awaiting-copy, waiting out the rest of its copy',
    (reason) => {
      const report =
        reason === 'result-unknown'
          ? observed({ httpStatus: null, remoteStatus: null })
          : observed({ error: reason as 'idle-timeout', remoteStatus: null });
      const v = decideLargeObject(sentObserved('here', sent(report)), FIRST);
      expect(v).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy', retryAfterSeconds: 500 });
      expect(v.detail).toContain(reason);
    },
  );

  it('makes a handed-back large object awaiting-copy too', () => {
    const v = decideLargeObject(sentObserved('here', sent(observed(), true)), FIRST);
    expect(v).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy' });
    expect(v.detail).toContain('handed-back');
  });

  it('counts awaiting-copy against the attempts: dead-lettered on the last one', () => {
    const report = observed({ error: 'deadline-exceeded', remoteStatus: null });
    expect(decideLargeObject(sentObserved('here', sent(report)), LAST)).toMatchObject({
      outcome: 'failed',
      reason: 'awaiting-copy',
      retriesExhausted: true,
    });
  });

  it('leaves an object under largeAfterSeconds to the usual verdict', () => {
    const report = observed({ error: 'deadline-exceeded', remoteStatus: null });
    const v = decideLargeObject(sentObserved('here', sent(report), SMALL), FIRST);
    expect(v).toMatchObject({ outcome: 'retry', reason: 'deadline-exceeded' });
    expect(v.retryAfterSeconds).toBeUndefined();
  });

  it('leaves an answer the node gave (a 409, a 503) to the usual verdict', () => {
    expect(decideLargeObject(sentObserved('here', sent(observed({ remoteStatus: 409 }))), FIRST)).toMatchObject({
      outcome: 'already-present',
    });
    expect(decideLargeObject(sentObserved('here', sent(observed({ httpStatus: 503 }))), FIRST)).toMatchObject({
      outcome: 'retry',
      reason: 'source-unavailable',
    });
  });
});

describe('decideLargeObject: the steps without a SEND', () => {
  const cases: [LargeObjectObserved, object][] = [
    [
      { step: 'landed', detail: 'd' },
      { outcome: 'replicated', reason: 'copy-landed' },
    ],
    [
      { step: 'moved', detail: 'd' },
      { outcome: 'already-present', reason: 'moved-to-long-running-tier' },
    ],
    [
      { step: 'move-failed', detail: 'd' },
      { outcome: 'retry', reason: 'long-running-tier-unavailable' },
    ],
    [
      { step: 'size-unknown', detail: 'd' },
      { outcome: 'retry', reason: 'size-unknown' },
    ],
  ];
  it.each(cases)('decides %o as %o', (o, expected) => {
    expect(decideLargeObject(o, FIRST)).toMatchObject({ ...expected, detail: 'd' });
  });

  it('dead-letters size-unknown and a refused move once the attempts run out', () => {
    for (const step of ['size-unknown', 'move-failed'] as const)
      expect(decideLargeObject({ step, detail: 'd' }, LAST)).toMatchObject({
        outcome: 'failed',
        retriesExhausted: true,
      });
  });
});

describe('decideLargeObject: a re-attempt held while an earlier copy may still run', () => {
  const held = { step: 'held', budget: LARGE, startedAtMs: 0, nowMs: 100_000, minWaitSeconds: 5 } as const;

  it('makes it awaiting-copy for the rest of the expected duration, on the last attempt too', () => {
    const v = decideLargeObject(held, LAST);
    expect(v).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy', retryAfterSeconds: 500 });
    expect(v.detail).toContain('expected to end 500 s from now');
    expect(v.retriesExhausted).toBeUndefined();
  });
});

describe('renewsInsteadOfWaiting', () => {
  const at = (
    reason: 'copying-in-background' | 'awaiting-copy' | 'delete-grace' | 'source-unavailable',
    attempt: number,
  ) => renewsInsteadOfWaiting({ outcome: 'retry', reason, attempt }, 5);

  it('renews the waits that are not a failure from maxAttempts on, and nothing else', () => {
    expect([at('copying-in-background', 5), at('awaiting-copy', 6), at('copying-in-background', 4)]).toStrictEqual([
      true,
      true,
      false,
    ]);
    expect([at('delete-grace', 9), at('source-unavailable', 9)]).toStrictEqual([false, false]);
    expect(renewsInsteadOfWaiting({ outcome: 'failed', reason: 'awaiting-copy', attempt: 5 }, 5)).toBe(false);
  });

  it('never renews on a first receive, even with maxAttempts 1: a FIFO renewal cannot be delayed', () => {
    const first = { outcome: 'retry', reason: 'copying-in-background', attempt: 1 } as const;
    expect([renewsInsteadOfWaiting(first, 1), renewsInsteadOfWaiting({ ...first, attempt: 2 }, 1)]).toStrictEqual([
      false,
      true,
    ]);
  });
});
