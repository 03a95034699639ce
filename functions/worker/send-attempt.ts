import { notSentBy, sendDecision, type SendAttempt, type Sent } from '../core/outcome/decide.js';
import { sameCredentials, type Credentials } from '../core/transport/digest-auth.js';
import type { SendMessage } from '../core/message/message.js';
import type { SendReport } from '../core/send/observation.js';
import { isSuccess } from '../core/outcome/outcome.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import { DeadlineError, untilDeadline } from './deadline.js';
import type { WorkerDeps } from './ports.js';
import { replaceStale } from './replace-stale.js';
import { verifyCopy } from './verify.js';

/** One SEND to make: a routed message and the feed ids that can prove its copy (`provingFeeds`). */
export interface SendRequest {
  readonly route: ResolvedRoute;
  readonly message: SendMessage;
  readonly replicationFeeds: readonly number[];
  /** Told at once when a node answers 503 busy (the adaptive limit cuts before the SEND ends). */
  readonly onBusy?: (() => void) | undefined;
}

/** Both clusters' credentials, as a route's steps use them. */
export interface CredentialPair {
  readonly source: Credentials;
  readonly destination: Credentials;
}

type AttemptDeps = Pick<WorkerDeps, 'client' | 'credentials' | 'telemetry'>;

/** Reads both clusters' credentials, giving up at the deadline (a slow Secrets Manager). */
export async function readCredentials(
  { route }: Pick<SendRequest, 'route'>,
  deps: Pick<AttemptDeps, 'credentials'>,
  deadline: AbortSignal,
): Promise<CredentialPair> {
  const read = Promise.all([
    deps.credentials.get(route.source.credentials),
    deps.credentials.get(route.destination.credentials),
  ]);
  const [source, destination] = await untilDeadline(read, deadline);
  return { source, destination };
}

/** Credentials may have been rotated: reads them again once; null when they did not change. */
async function rotatedCredentials(
  req: SendRequest,
  deps: AttemptDeps,
  used: CredentialPair,
  deadline: AbortSignal,
): Promise<CredentialPair | null> {
  deps.credentials.refresh(req.route.source.credentials);
  deps.credentials.refresh(req.route.destination.credentials);
  const fresh = await readCredentials(req, deps, deadline);
  return sameCredentials(fresh.source, used.source) && sameCredentials(fresh.destination, used.destination)
    ? null
    : fresh;
}

function observe(
  { route, message: m, replicationFeeds, onBusy }: SendRequest,
  deps: AttemptDeps,
  creds: CredentialPair,
  signal: AbortSignal,
): Promise<SendReport> {
  return deps.client.observe({
    source: route.source,
    destination: route.destination,
    credentials: creds.source,
    destinationCredentials: creds.destination,
    object: m.object,
    feeds: m.feeds,
    replicationFeeds,
    nodeHint: m.nodeHint,
    signal,
    onBusy,
  });
}

/**
 * Runs `step`; a rejection of the credentials port becomes the `NotSent` it means (a deadline stays
 * a DeadlineError).
 */
export async function credentialsStep<T>(step: () => Promise<T>): Promise<T | SendAttempt> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof DeadlineError) throw err;
    return notSentBy('credentials', err);
  }
}

export const isHappening = (x: object | null): x is SendAttempt => x !== null && 'kind' in x;

/**
 * Makes the SEND of one request and reports what happened, without deciding the outcome:
 * `signal` aborts at the batch `deadline`, or earlier when the straggler policy hands the SEND
 * back. An answer that rejects the credentials is tried once more with freshly read ones if they
 * changed; a success on a route with `verify` is checked on the destination. Rejects with
 * DeadlineError when the deadline came first, and with any other error only for a bug.
 */
export async function attemptSend(
  req: SendRequest,
  deps: AttemptDeps,
  signal: AbortSignal,
  deadline: AbortSignal,
): Promise<SendAttempt> {
  const first = await credentialsStep(() => readCredentials(req, deps, deadline));
  if (isHappening(first)) return first;
  let creds = first;
  let send = await observe(req, deps, creds, signal);
  if (signal.aborted && !deadline.aborted)
    return { kind: 'sent', send, answer: sendDecision(send), handedBack: true, verifyProblem: null };
  if (send.hintIgnored)
    deps.telemetry.warn('node hint outside the source cluster ignored', {
      nodeHint: req.message.nodeHint,
      cluster: req.route.source.key,
    });
  let answer = sendDecision(send);
  if (answer.reason === 'auth-rejected' || answer.reason === 'remote-auth-rejected') {
    const used = creds;
    const fresh = await credentialsStep(() => rotatedCredentials(req, deps, used, deadline));
    if (isHappening(fresh)) return fresh;
    if (fresh) {
      creds = fresh;
      const again = await observe(req, deps, creds, signal);
      send = { ...again, requests: again.requests + send.requests, busy: again.busy + send.busy };
      answer = sendDecision(send);
    }
  }
  if (!req.route.verify || !isSuccess(answer.outcome))
    return { kind: 'sent', send, answer, handedBack: false, verifyProblem: null };
  return { kind: 'sent', send, answer, handedBack: false, ...(await verified(req, deps, creds, send, deadline)) };
}

/**
 * The route's verify after a success, by content identity; a DR copy of another version is
 * repaired at once (`replaceStale`), never left to the retries.
 */
async function verified(
  req: SendRequest,
  deps: AttemptDeps,
  creds: CredentialPair,
  send: SendReport,
  deadline: AbortSignal,
): Promise<Pick<Sent, 'verifyProblem' | 'change'>> {
  const { route, message } = req;
  const found = await verifyCopy(deps.client, route, message.object, creds, send, deadline);
  switch (found.kind) {
    case 'same':
      return { verifyProblem: null };
    case 'problem':
      return { verifyProblem: found.detail };
    case 'unproven':
      return {
        verifyProblem: null,
        change: { kind: 'unproven', detail: found.detail, versions: found.versions, policy: route.unprovenIdentity },
      };
    case 'different': {
      const args = { client: deps.client, route, object: message.object, credentials: creds, signal: deadline };
      return { verifyProblem: null, change: await replaceStale(args, found) };
    }
  }
}
