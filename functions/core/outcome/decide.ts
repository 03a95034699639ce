import { changeVerdict, type ChangeFinding } from './changed-object.js';
import { CredentialsError, InvalidMessageError } from '../errors.js';
import type { SendReport, SendObservation } from '../send/observation.js';
import type { ClientErrorCode } from '../transport/network.js';
import type { SendClient, SendInput } from '../send/send-client.js';
import { isSuccess, OUTCOME, type Decision, type Reason, type SendResult } from './outcome.js';
import { redactSecrets } from '../redact.js';

/**
 * The one place a message's outcome is decided (DESIGN.md section 3). The SEND client reports
 * what it observed, the worker what it learnt around the SEND (the straggler policy, the route's
 * verify, a failed step); `decide` turns that and the attempt count into the outcome. Pure.
 */

/** A SEND was made: what it observed, and what the worker learnt around it. */
export interface Sent {
  readonly kind: 'sent';
  readonly send: SendReport;
  /** What its SCSP answer alone means (`sendDecision`), read once, when the SEND was made. */
  readonly answer: Decision;
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

export type SendAttempt = Sent | NotSent;

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
export function sendDecision(send: SendReport): Decision {
  return classify(send.observation);
}

/**
 * Performs one SEND with the decision of its answer alone (`sendDecision`): `swarm-send send`
 * and the tests; the worker observes with `SendClient.observe` and decides with `decide`.
 */
export async function sendWithDecision(client: SendClient, input: SendInput): Promise<SendResult> {
  const observed = await client.observe(input);
  return { ...sendDecision(observed), ...observed };
}

/** What one attempt comes to before the attempt count is applied (`decide` applies it). */
export function sendVerdict(h: SendAttempt): Decision {
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
  const { answer } = h;
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
export function decide(h: SendAttempt, attempts: Attempts): Decision {
  return withAttempts(sendVerdict(h), attempts);
}

/** A retry on the last allowed attempt becomes `failed` with `retriesExhausted`, keeping its reason. */
export function withAttempts(v: Decision, attempts: Attempts): Decision {
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

// The SCSP answer table: what one observed SEND means (swarm-scsp.md section 4; section A wins
// where they differ).

/** A `retry` decision for `reason`. */
export const retry = (reason: Reason): Decision => ({ outcome: OUTCOME.RETRY, reason });
/** A `failed` decision for `reason`. */
export const failed = (reason: Reason): Decision => ({ outcome: OUTCOME.FAILED, reason });

/** Client-side errors that no repeat can heal: a SEND's and a delete's steps fail on them. */
export const PERMANENT_CLIENT_ERRORS: ReadonlySet<ClientErrorCode> = new Set([
  'auth-rejected',
  'redirect-refused',
  'tls-rejected',
  'credentials-invalid',
]);

/** The destination's answer, as carried on the `Remote cluster returned:` line (row L3). */
function classifyRemote(remote: number): Decision {
  if (remote === 201) return { outcome: OUTCOME.REPLICATED, reason: 'created' };
  if (remote === 409) return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'already-present' };
  if (remote === 507) return retry('remote-insufficient-storage');
  if (remote >= 500) return retry('remote-unavailable');
  if (remote === 412) return retry('remote-context-missing');
  if (remote === 404) return retry('remote-not-found');
  if (remote === 401 || remote === 403) return failed('remote-auth-rejected');
  if (remote >= 400) return failed('remote-rejected');
  // A 2xx other than 201 or a 3xx does not prove the object arrived: ask again (a repeat is safe).
  return retry('remote-unexpected');
}

/**
 * Feed SEND (rows N1-N4): every requested feed must report, every report must be 0, and one of
 * the route's replication feeds must be among the zeros (a search or backup feed's 0 proves no
 * DR copy).
 */
function classifyFeeds(o: SendObservation): Decision {
  // Never guess which feed replicates: without the route's replication feed ids, refuse.
  if (o.replicationFeedIds.length === 0) return failed('invalid-message');
  const ids = Object.keys(o.feeds);
  if (o.requestedFeedIds.some((id) => o.feeds[String(id)]?.status == null)) return failed('not-in-feed-scope');
  // A selection by type or `all` that reported no feed: the trailers may have been lost on the
  // way (row T4), so ask again; the attempts limit dead-letters it if it never reports.
  if (ids.length === 0) return retry('result-unknown');
  const statuses = ids.map((id) => o.feeds[id]?.status);
  if (statuses.some((s) => s == null)) return retry('result-unknown');
  if (statuses.some((s) => (s as number) >= 2)) return retry('feed-failed');
  if (statuses.some((s) => s === 1)) return retry('feed-timeout');
  // Other feeds reported, none of the replication feeds did: the object is outside their scope.
  if (!o.replicationFeedIds.some((id) => o.feeds[String(id)]?.status === 0)) return failed('not-in-feed-scope');
  return { outcome: OUTCOME.REPLICATED, reason: 'feed-complete' };
}

/** Outer status of the (final) response (rows S1-S9, A3, L5, N5). */
function classifyStatus(status: number): Decision | null {
  switch (status) {
    case 400:
      return failed('bad-request');
    case 401:
      return failed('auth-rejected');
    case 403:
      return failed('forbidden');
    case 404:
      return retry('not-found-at-source');
    case 405:
    case 501:
      return failed('method-not-supported');
    case 409:
      return { outcome: OUTCOME.ALREADY_PRESENT, reason: 'already-present' };
    case 411:
      return failed('length-required');
    case 412:
      return retry('context-missing');
    case 503:
      return retry('source-unavailable');
    case 505:
      return failed('http-version-not-supported');
    case 507:
      return retry('insufficient-storage');
  }
  if (status >= 500) return retry('source-error');
  if (status >= 400) return failed('client-error');
  if (status >= 300) return retry('remote-unexpected');
  return null;
}

/**
 * Classifies one SEND. Pure and total: every observation maps to exactly one outcome.
 * When in doubt the answer is `retry`, because a repeated SEND is safe (409 / status 0).
 */
export function classify(o: SendObservation): Decision {
  if (o.error) {
    // An error after a 2xx status line means the body was cut: the result is unknown (T2, T4).
    if (PERMANENT_CLIENT_ERRORS.has(o.error)) return failed(o.error as Reason);
    return retry(o.error as Reason);
  }
  if (o.httpStatus === null) return retry('result-unknown');
  const byStatus = classifyStatus(o.httpStatus);
  if (byStatus) return byStatus;
  // 2xx: the body decides, and only a body read to its end counts (section A).
  if (!o.complete) return retry('connection-reset');
  if (o.mode === 'feed') return classifyFeeds(o);
  if (o.remoteStatus !== null) return classifyRemote(o.remoteStatus);
  // An outer 201 with no body line is taken as the result (section A, row T4); a 200 is unknown.
  if (o.httpStatus === 201) return { outcome: OUTCOME.REPLICATED, reason: 'created' };
  return retry('result-unknown');
}
