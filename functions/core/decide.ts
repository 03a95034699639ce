import { changeVerdict, type ChangeFinding, type Replacement, type Versions } from './changed-object.js';
import { classify, type Classification } from './classify.js';
import { CredentialsError, InvalidMessageError } from './errors.js';
import type { SendObserved } from './observation.js';
import { isSuccess, OUTCOME } from './outcome.js';
import { redactSecrets } from './redact.js';

/**
 * The one place a message's outcome is decided (DESIGN.md section 3). The SEND client reports
 * what it observed, the worker what it learnt around the SEND (the straggler policy, the route's
 * verify, a failed step); `decide` turns that and the attempt count into the outcome. Pure.
 */

/** An outcome and reason, with the detail the record carries. */
export interface Verdict extends Classification {
  /** Log-safe detail; never a secret or a stack. */
  readonly detail: string | null;
  /** A transient failure dead-lettered because its attempts ran out. */
  readonly retriesExhausted?: true;
  /** A changed object: both versions (docs/changed-objects.md). */
  readonly versions?: Versions;
  /** What replacing a stale DR copy took. */
  readonly replaced?: Replacement;
}

/** A SEND was made: what it observed, and what the worker learnt around it. */
export interface Sent {
  readonly kind: 'sent';
  readonly send: SendObserved;
  /** The straggler policy stopped waiting for it (the batch deadline did not). */
  readonly handedBack: boolean;
  /** Why the route's verify found the DR copy missing or different; null when it matched or was not checked. */
  readonly verifyProblem: string | null;
  /** What verify found about a changed object (content identity, a stale copy and its repair). */
  readonly change?: ChangeFinding | undefined;
}

/** No SEND was made, and why. */
export interface NotSent {
  readonly kind: 'not-sent';
  readonly reason: 'invalid-message' | 'credentials-invalid' | 'credentials-unavailable' | 'internal-error';
  readonly detail: string;
}

export type Happening = Sent | NotSent;

/** The worker's facts about the message itself. */
export interface Attempts {
  /** This delivery (SQS ApproximateReceiveCount). */
  readonly attempt: number;
  /** SWARM_SEND_MAX_ATTEMPTS: a retry on this attempt or later is dead-lettered. */
  readonly maxAttempts: number;
}

/** Where in a record's processing an error was thrown. */
export type Step = 'read' | 'credentials' | 'send';

const PERMANENT: ReadonlySet<NotSent['reason']> = new Set(['invalid-message', 'credentials-invalid']);

/** What the SCSP answer alone means (swarm-scsp.md section 4), before the worker's facts. */
export function sendVerdict(send: SendObserved): Classification {
  return classify(send.observation);
}

function verdictOf(h: Happening): Verdict {
  if (h.kind === 'not-sent')
    return { outcome: PERMANENT.has(h.reason) ? OUTCOME.FAILED : OUTCOME.RETRY, reason: h.reason, detail: h.detail };
  if (h.handedBack) {
    const seconds = (h.send.durationMs / 1000).toFixed(1);
    return {
      outcome: OUTCOME.RETRY,
      reason: 'handed-back',
      detail: `stopped waiting after ${seconds} s in the batch's tail; the node may finish the copy`,
    };
  }
  const answer = sendVerdict(h.send);
  if (h.change && isSuccess(answer.outcome)) return changeVerdict(h.change);
  if (h.verifyProblem !== null && isSuccess(answer.outcome)) {
    // An updated alias whose DR copy is an older version is not `already-present`.
    return {
      outcome: OUTCOME.RETRY,
      reason: 'verify-mismatch',
      detail: `${answer.reason} not confirmed by the destination: ${h.verifyProblem}`,
    };
  }
  return { ...answer, detail: h.send.detail };
}

/**
 * Decides one message's outcome. When in doubt it is `retry` (a repeated SEND is safe); a retry
 * on the last allowed attempt becomes `failed` with `retriesExhausted`, keeping its reason.
 */
export function decide(h: Happening, attempts: Attempts): Verdict {
  const v = verdictOf(h);
  if (v.outcome === OUTCOME.RETRY && attempts.attempt >= attempts.maxAttempts)
    return { ...v, outcome: OUTCOME.FAILED, retriesExhausted: true };
  return v;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * What an error thrown at `step` means. Only the errors that mean it get a data reason: an
 * `InvalidMessageError` while reading and routing the message is `invalid-message`; a rejection
 * of the credentials port is `credentials-unavailable` (or `credentials-invalid` when it says
 * so). Anything else is a bug: `internal-error`, with the error's name and message as detail
 * (its stack belongs in the log, never in a record).
 */
export function notSentBy(step: Step, err: unknown): NotSent {
  if (step === 'read' && err instanceof InvalidMessageError)
    return { kind: 'not-sent', reason: 'invalid-message', detail: err.message };
  if (step === 'credentials') {
    const invalid = err instanceof CredentialsError && err.reason === 'credentials-invalid';
    return {
      kind: 'not-sent',
      reason: invalid ? 'credentials-invalid' : 'credentials-unavailable',
      detail: messageOf(err),
    };
  }
  const name = err instanceof Error ? err.name : typeof err;
  return {
    kind: 'not-sent',
    reason: 'internal-error',
    detail: redactSecrets(`unexpected ${name} while ${STEP[step]}: ${messageOf(err)}`, []),
  };
}

/** The steps whose errors can only be bugs (a credentials error always has a reason of its own). */
const STEP: Readonly<Record<Exclude<Step, 'credentials'>, string>> = {
  read: 'reading the message',
  send: 'sending',
};
