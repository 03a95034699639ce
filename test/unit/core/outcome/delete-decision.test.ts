import {
  decideDelete,
  graceRemainingSeconds,
  type DeleteObserved,
} from '../../../../functions/core/outcome/delete-decision.js';
import type { ObjectAnswer } from '../../../../functions/core/send/object-request.js';

// A delete message's outcome from how far its proof steps got (docs/deletes.md).

const answer = (status: number | null, o: Partial<ObjectAnswer> = {}): ObjectAnswer => ({
  status,
  error: null,
  node: '10.0.0.1:80',
  detail: null,
  requests: 1,
  ...o,
});
const FIRST = { attempt: 1, maxAttempts: 3 };
const LAST = { attempt: 3, maxAttempts: 3 };
const kindOf = (o: DeleteObserved, attempts = FIRST) => {
  const v = decideDelete(o, attempts);
  return `${v.outcome}/${v.reason}`;
};

describe('decideDelete', () => {
  it('a route that ignores deletes: already-present/delete-ignored', () => {
    expect(kindOf({ step: 'ignored' })).toBe('already-present/delete-ignored');
  });

  it('inside the grace: retry/delete-grace with the seconds left, never exhausted, even on the last attempt', () => {
    expect(decideDelete({ step: 'grace', remainingSeconds: 42 }, LAST)).toStrictEqual({
      outcome: 'retry',
      reason: 'delete-grace',
      detail: "inside the route's delete grace; back in 42 s",
      retryAfterSeconds: 42,
    });
  });

  it.each([
    [200, 'already-present/source-present'],
    [401, 'failed/auth-rejected'],
    [403, 'failed/forbidden'],
    [400, 'failed/bad-request'],
    [405, 'failed/method-not-supported'],
    [410, 'failed/client-error'],
    [412, 'retry/context-missing'],
    [503, 'retry/source-unavailable'],
    [507, 'retry/insufficient-storage'],
    [500, 'retry/source-error'],
    [204, 'retry/remote-unexpected'],
  ])('the source HEAD answered %s (no proof the object is gone): %s', (status, expected) => {
    expect(kindOf({ step: 'source', source: answer(status) })).toBe(expected);
  });

  it('a source that could not be reached proves nothing: retry with the network reason; a permanent one fails', () => {
    expect(kindOf({ step: 'source', source: answer(null, { error: 'connection-refused' }) })).toBe(
      'retry/connection-refused',
    );
    expect(kindOf({ step: 'source', source: answer(null, { error: 'auth-rejected' }) })).toBe('failed/auth-rejected');
    expect(kindOf({ step: 'source', source: answer(null, { error: 'tls-rejected' }) })).toBe('failed/tls-rejected');
  });

  it.each([
    [403, 'failed/delete-refused'],
    [401, 'failed/remote-auth-rejected'],
    [400, 'failed/remote-rejected'],
    [412, 'retry/remote-context-missing'],
    [507, 'retry/remote-insufficient-storage'],
    [500, 'retry/remote-unavailable'],
    [503, 'retry/remote-unavailable'],
    [302, 'retry/remote-unexpected'],
  ])("DR's DELETE answered %s: %s", (status, expected) => {
    expect(kindOf({ step: 'delete', delete: answer(status) })).toBe(expected);
  });

  it("DR's DELETE without an answer: retry (remote-unavailable, or the deadline); refused credentials fail", () => {
    expect(kindOf({ step: 'delete', delete: answer(null, { error: 'connection-reset' }) })).toBe(
      'retry/remote-unavailable',
    );
    expect(kindOf({ step: 'delete', delete: answer(null, { error: 'deadline-exceeded' }) })).toBe(
      'retry/deadline-exceeded',
    );
    expect(kindOf({ step: 'delete', delete: answer(null, { error: 'auth-rejected' }) })).toBe(
      'failed/remote-auth-rejected',
    );
  });

  it('the refusal keeps its text as detail and is failed at once (never a retry)', () => {
    const v = decideDelete(
      { step: 'delete', delete: answer(403, { detail: 'Forbidden (403): cannot be deleted at this time.' }) },
      FIRST,
    );
    expect(v).toStrictEqual({
      outcome: 'failed',
      reason: 'delete-refused',
      detail: 'DR DELETE answered 403: Forbidden (403): cannot be deleted at this time.',
    });
  });

  it('200 or 204 then HEAD 404: replicated/deleted; 404 then HEAD 404: already-present/already-absent', () => {
    expect(kindOf({ step: 'confirm', delete: answer(200), confirm: answer(404) })).toBe('replicated/deleted');
    expect(kindOf({ step: 'confirm', delete: answer(204), confirm: answer(404) })).toBe('replicated/deleted');
    expect(kindOf({ step: 'confirm', delete: answer(404), confirm: answer(404) })).toBe(
      'already-present/already-absent',
    );
  });

  it('a HEAD after the DELETE that still finds the object, or gives no answer: retry/delete-unconfirmed', () => {
    expect(kindOf({ step: 'confirm', delete: answer(200), confirm: answer(200) })).toBe('retry/delete-unconfirmed');
    expect(kindOf({ step: 'confirm', delete: answer(404), confirm: answer(null, { error: 'idle-timeout' }) })).toBe(
      'retry/delete-unconfirmed',
    );
  });

  it('a retry on the last attempt is failed with retriesExhausted, keeping its reason', () => {
    expect(decideDelete({ step: 'delete', delete: answer(500) }, LAST)).toMatchObject({
      outcome: 'failed',
      reason: 'remote-unavailable',
      retriesExhausted: true,
    });
  });
});

describe('graceRemainingSeconds', () => {
  const SENT = 1_700_000_000_000;
  it('is what is left of the grace, rounded up, and 0 once it has passed', () => {
    expect(graceRemainingSeconds(SENT, SENT, 60, 1)).toBe(60);
    expect(graceRemainingSeconds(SENT, SENT + 59_500, 60, 1)).toBe(1);
    expect(graceRemainingSeconds(SENT, SENT + 60_000, 60, 1)).toBe(0);
    expect(graceRemainingSeconds(SENT, SENT + 3_600_000, 60, 1)).toBe(0);
    expect(graceRemainingSeconds(SENT, SENT, 0, 1)).toBe(0);
  });

  it('a message without an enqueue time waits the whole grace on its first delivery only', () => {
    expect(graceRemainingSeconds(null, SENT, 60, 1)).toBe(60);
    expect(graceRemainingSeconds(null, SENT, 60, 2)).toBe(0);
  });
});
