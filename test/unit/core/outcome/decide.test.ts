import {
  decide,
  notSentBy,
  sendDecision,
  type SendAttempt,
  type Step,
} from '../../../../functions/core/outcome/decide.js';
import { CredentialsError, InvalidMessageError } from '../../../../functions/core/errors.js';
import type { SendObservation, SendReport } from '../../../../functions/core/send/observation.js';
import { observed as baseObserved } from '../../../helpers/observation.js';

/** The shared default observation, with this table's duration, node text and no ETag. */
const observed = (o: Partial<SendObservation> = {}, more: Partial<SendReport> = {}): SendReport =>
  baseObserved(o, { durationMs: 2500, detail: 'node text', etag: null, ...more });
const sent = (
  o: Partial<SendObservation> = {},
  facts: { handedBack?: boolean; verifyProblem?: string | null } = {},
): SendAttempt => ({
  kind: 'sent',
  send: observed(o),
  answer: sendDecision(observed(o)),
  handedBack: facts.handedBack ?? false,
  verifyProblem: facts.verifyProblem ?? null,
});
const notSent = (
  reason: 'invalid-message' | 'credentials-invalid' | 'credentials-unavailable' | 'internal-error',
): SendAttempt => ({ kind: 'not-sent', reason, detail: `why ${reason}` });

const FIRST = { attempt: 1, maxAttempts: 3 };
const LAST = { attempt: 3, maxAttempts: 3 };

describe('decide: the one place an outcome is decided', () => {
  it.each([
    [
      'the SEND answer alone: remote 201',
      sent(),
      FIRST,
      { outcome: 'replicated', reason: 'created', detail: 'node text' },
    ],
    [
      'the SEND answer alone: remote 409',
      sent({ remoteStatus: 409 }),
      FIRST,
      { outcome: 'already-present', reason: 'already-present', detail: 'node text' },
    ],
    [
      'a transient answer before the last attempt',
      sent({ httpStatus: 503, remoteStatus: null }),
      FIRST,
      { outcome: 'retry', reason: 'source-unavailable', detail: 'node text' },
    ],
    [
      'a transient answer on the last attempt',
      sent({ httpStatus: 503, remoteStatus: null }),
      LAST,
      { outcome: 'failed', reason: 'source-unavailable', detail: 'node text', retriesExhausted: true },
    ],
    [
      'a transient answer past the last attempt',
      sent({ httpStatus: 503, remoteStatus: null }),
      { attempt: 7, maxAttempts: 3 },
      { outcome: 'failed', reason: 'source-unavailable', retriesExhausted: true },
    ],
    [
      'a permanent answer on the last attempt is not "exhausted"',
      sent({ httpStatus: 403, remoteStatus: null }),
      LAST,
      { outcome: 'failed', reason: 'forbidden', detail: 'node text' },
    ],
    ['a success on the last attempt', sent(), LAST, { outcome: 'replicated', reason: 'created' }],
    [
      'credentials no header can carry (never sent)',
      sent({ httpStatus: null, remoteStatus: null, complete: false, error: 'credentials-invalid' }),
      FIRST,
      { outcome: 'failed', reason: 'credentials-invalid' },
    ],
    [
      'handed back by the straggler policy',
      sent({}, { handedBack: true }),
      FIRST,
      {
        outcome: 'retry',
        reason: 'handed-back',
        detail: "stopped waiting after 2.5 s in the batch's tail; the node may finish the copy",
      },
    ],
    [
      'handed back on the last attempt',
      sent({}, { handedBack: true }),
      LAST,
      { outcome: 'failed', reason: 'handed-back', retriesExhausted: true },
    ],
    [
      'verify found no matching copy after a 201',
      sent({}, { verifyProblem: 'ETag "b" (source "a")' }),
      FIRST,
      {
        outcome: 'retry',
        reason: 'verify-mismatch',
        detail: 'created not confirmed by the destination: ETag "b" (source "a")',
      },
    ],
    [
      'verify found no matching copy after a 409',
      sent({ remoteStatus: 409 }, { verifyProblem: 'destination HEAD answered 404' }),
      FIRST,
      {
        outcome: 'retry',
        reason: 'verify-mismatch',
        detail: 'already-present not confirmed by the destination: destination HEAD answered 404',
      },
    ],
    [
      'verify mismatch on the last attempt',
      sent({}, { verifyProblem: 'x' }),
      LAST,
      { outcome: 'failed', reason: 'verify-mismatch', retriesExhausted: true },
    ],
    [
      'a verify problem never turns a failure into a retry',
      sent({ remoteStatus: 410 }, { verifyProblem: 'x' }),
      FIRST,
      { outcome: 'failed', reason: 'remote-rejected', detail: 'node text' },
    ],
    [
      'an invalid message, first attempt',
      notSent('invalid-message'),
      FIRST,
      { outcome: 'failed', reason: 'invalid-message', detail: 'why invalid-message' },
    ],
    [
      'credentials that can never be used',
      notSent('credentials-invalid'),
      FIRST,
      { outcome: 'failed', reason: 'credentials-invalid' },
    ],
    [
      'credentials that could not be read',
      notSent('credentials-unavailable'),
      FIRST,
      { outcome: 'retry', reason: 'credentials-unavailable', detail: 'why credentials-unavailable' },
    ],
    [
      'credentials still unreadable on the last attempt',
      notSent('credentials-unavailable'),
      LAST,
      { outcome: 'failed', reason: 'credentials-unavailable', retriesExhausted: true },
    ],
    [
      'an unexpected error (a bug) is retried',
      notSent('internal-error'),
      FIRST,
      { outcome: 'retry', reason: 'internal-error', detail: 'why internal-error' },
    ],
    [
      'an unexpected error on the last attempt is dead-lettered with its own reason',
      notSent('internal-error'),
      LAST,
      { outcome: 'failed', reason: 'internal-error', retriesExhausted: true },
    ],
  ])('%s', (_row, happening, attempts, verdict) => {
    const v = decide(happening, attempts);
    expect(v).toMatchObject(verdict);
    if (!('retriesExhausted' in verdict)) expect(v.retriesExhausted).toBeUndefined();
  });

  it('sendDecision is the SCSP table on the observation and nothing else', () => {
    expect(sendDecision(observed({ httpStatus: 200, remoteStatus: 507 }))).toStrictEqual({
      outcome: 'retry',
      reason: 'remote-insufficient-storage',
    });
    expect(sendDecision(observed({ httpStatus: null, remoteStatus: null, error: 'tls-rejected' }))).toStrictEqual({
      outcome: 'failed',
      reason: 'tls-rejected',
    });
  });
});

describe('notSentBy: only the errors that mean it get a data reason', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'uuid')");
  it.each<[string, Step, unknown, object]>([
    [
      'an invalid body while reading',
      'read',
      new InvalidMessageError(['body is not valid JSON']),
      { reason: 'invalid-message', detail: 'invalid message: body is not valid JSON' },
    ],
    [
      'a bug while reading',
      'read',
      bug,
      {
        reason: 'internal-error',
        detail: "unexpected TypeError while reading the message: Cannot read properties of undefined (reading 'uuid')",
      },
    ],
    [
      'credentials that can never be used',
      'credentials',
      new CredentialsError('env:X', 'credentials "env:X": a control character', 'credentials-invalid'),
      { reason: 'credentials-invalid', detail: 'credentials "env:X": a control character' },
    ],
    [
      'a credentials read that failed',
      'credentials',
      new CredentialsError('swarm/a', 'cannot read secret "swarm/a": ThrottlingException'),
      { reason: 'credentials-unavailable' },
    ],
    [
      'any rejection of the credentials port',
      'credentials',
      new Error('Secrets Manager: ThrottlingException'),
      { reason: 'credentials-unavailable', detail: 'Secrets Manager: ThrottlingException' },
    ],
    [
      'a non-Error rejection of the credentials port',
      'credentials',
      'timeout',
      { reason: 'credentials-unavailable', detail: 'timeout' },
    ],
    [
      'a bug while sending',
      'send',
      bug,
      { reason: 'internal-error', detail: expect.stringMatching(/^unexpected TypeError while sending: /) },
    ],
    [
      'an InvalidMessageError while sending is a bug too',
      'send',
      new InvalidMessageError(['x']),
      { reason: 'internal-error' },
    ],
    [
      'a thrown non-Error while sending',
      'send',
      42,
      { reason: 'internal-error', detail: 'unexpected number while sending: 42' },
    ],
  ])('%s', (_what, step, err, expected) => {
    expect(notSentBy(step, err)).toMatchObject({ kind: 'not-sent', ...expected });
  });

  it("keeps a bug's stack and control characters out of the detail, and bounds it", () => {
    const err = new RangeError(`line one\nline two ${'x'.repeat(400)}`);
    const { detail } = notSentBy('send', err);
    expect(err.stack).toContain('    at ');
    expect(detail).not.toContain('    at ');
    expect(detail).not.toMatch(/[\n\r]/);
    expect(detail.length).toBeLessThanOrEqual(256);
    expect(detail).toMatch(/^unexpected RangeError while sending: line one line two x+/);
  });
});
