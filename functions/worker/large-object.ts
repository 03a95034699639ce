import type { SQSRecord } from 'aws-lambda';
import { compareIdentity } from '../core/copy/content-identity.js';
import {
  feedAskAgainSeconds,
  sharedRate,
  transferBudget,
  type LinkEstimate,
  type TransferBudget,
} from '../core/copy/transfer-budget.js';
import { errorText } from '../core/errors.js';
import { sendVerdict, type SendAttempt } from '../core/outcome/decide.js';
import { ENDED_ON_CLIENT_SIDE, type LargeObjectObserved } from '../core/outcome/large-object-decision.js';
import type { LargeObjectPolicy } from '../core/registry/route-large-objects.js';
import type { HeadResult } from '../core/send/observation.js';
import { backoffSeconds } from './backoff.js';
import { LinkEstimates } from './link-estimates.js';
import type { WorkerDeps } from './ports.js';
import {
  credentialsStep,
  isHappening,
  readCredentials,
  type CredentialPair,
  type SendRequest,
} from './send-attempt.js';
import { copyStartedAtOf, renewedCopyStartOf } from './copy-start.js';
import { identityOfHead } from './verify.js';

/** One SEND message on a route with a large-object policy. */
export interface LargeObjectRequest {
  readonly record: SQSRecord;
  readonly request: SendRequest;
  readonly policy: LargeObjectPolicy;
  readonly attempt: number;
  /** The time this invocation has left for SENDs, ms; null: no cap (a long-running worker). */
  readonly remainingMs: number | null;
}

/** The batch's SEND of a request (`BatchSends`); null when the deadline came before it started. */
export type SendStep = (req: SendRequest, firstAttempt: boolean) => Promise<SendAttempt | null>;

type LargeDeps = Pick<WorkerDeps, 'client' | 'credentials' | 'queue' | 'config' | 'linkEstimates' | 'random'> & {
  readonly now?: () => number;
};

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

/** The source HEAD and the credentials, each asked for at most once per message. */
class Lookups {
  #creds: CredentialPair | SendAttempt | null = null;
  #source: HeadResult | null = null;

  constructor(
    private readonly req: LargeObjectRequest,
    private readonly deps: LargeDeps,
    private readonly deadline: AbortSignal,
  ) {}

  async credentials(): Promise<CredentialPair | SendAttempt> {
    this.#creds ??= await credentialsStep(() => readCredentials(this.req.request, this.deps, this.deadline));
    return this.#creds;
  }

  async source(creds: CredentialPair): Promise<HeadResult> {
    const { route, message } = this.req.request;
    this.#source ??= await this.deps.client.head(route.source, message.object, creds.source, this.deadline);
    return this.#source;
  }
}

/** The object's size: the message's, else the source HEAD's Content-Length; else why not. */
async function sizeOf(req: LargeObjectRequest, lookups: Lookups): Promise<number | LargeObjectObserved | SendAttempt> {
  if (req.request.message.size !== undefined) return req.request.message.size;
  const creds = await lookups.credentials();
  if (isHappening(creds)) return creds;
  const head = await lookups.source(creds);
  if (head.status === 200 && head.contentLength !== null) return head.contentLength;
  const detail =
    head.status === 200
      ? 'the message has no size and the source HEAD gave no Content-Length'
      : `the message has no size and the source HEAD answered ${head.status ?? head.error}`;
  return { step: 'size-unknown', detail };
}

/**
 * Before a re-attempt of a large object: did an earlier SEND's copy land? DR's and the source's
 * HEAD compared by content identity; anything short of `same` (no copy, another version, a HEAD
 * that did not answer) sends again.
 */
async function landed(req: LargeObjectRequest, lookups: Lookups, deps: LargeDeps, deadline: AbortSignal) {
  const creds = await lookups.credentials();
  if (isHappening(creds)) return null;
  const { route, message } = req.request;
  const [dr, source] = await Promise.all([
    deps.client.head(route.destination, message.object, creds.destination, deadline),
    lookups.source(creds),
  ]);
  if (dr.status !== 200 || source.status !== 200) return null;
  const identity = compareIdentity(identityOfHead(source), identityOfHead(dr));
  return identity.kind === 'same' ? `DR holds the source's object (by ${identity.by}) on attempt ${req.attempt}` : null;
}

/** A feed SEND on the route's replication feeds with the policy's short timeout, never `force`. */
async function inBackground(
  req: LargeObjectRequest,
  budget: TransferBudget,
  send: SendStep,
  now: () => number,
): Promise<LargeObjectObserved | null> {
  const { route, message } = req.request;
  const feeds = { ids: [...route.replicationFeeds], timeout: req.policy.feedTimeoutSeconds };
  const sent = await send(
    { ...req.request, message: { ...message, feeds }, replicationFeeds: route.replicationFeeds },
    false,
  );
  if (!sent) return null;
  // The feed holds the copy across deliveries: it started about when the message was first
  // received (a renewed message carries that time).
  const startedAtMs = copyStartedAtOf(req.record) ?? now();
  const nowMs = now();
  return {
    step: 'sent',
    via: 'feed',
    sent,
    budget,
    startedAtMs,
    nowMs,
    minWaitSeconds: feedAskAgainSeconds(req.policy.feedTimeoutSeconds, startedAtMs, nowMs),
  };
}

/** The message, as it came, onto the large-object queue (the long-running tier). */
async function toLongRunningTier(
  req: LargeObjectRequest,
  budget: TransferBudget,
  deps: LargeDeps,
  deadline: AbortSignal,
): Promise<LargeObjectObserved | null> {
  try {
    await deps.queue.moveToLongRunningTier(req.record, deadline);
    const left = req.remainingMs === null ? 'no cap' : seconds(req.remainingMs);
    const why = budget.fits
      ? `a re-attempt of a large object (expected ${seconds(budget.expectedMs)} on the link) is not sent again under an invocation's cap`
      : `expected ${seconds(budget.expectedMs)} on the link (safety factor ${req.policy.safetyFactor}), ${left} left`;
    return { step: 'moved', detail: `${why}: moved to the large-object queue` };
  } catch (err) {
    if (deadline.aborted) return null;
    return { step: 'move-failed', detail: errorText(err) };
  }
}

/**
 * A re-attempt of a large object that fits, DR without the copy: held while an earlier copy may
 * still run (its start, `copyStartedAtOf`, plus the expected duration is ahead), so a second copy
 * is not started beside it; past that end (bounded) it is sent. Null: send.
 */
function held(
  req: LargeObjectRequest,
  budget: TransferBudget,
  deps: LargeDeps,
  now: () => number,
): LargeObjectObserved | null {
  const startedAtMs = copyStartedAtOf(req.record);
  const nowMs = now();
  if (startedAtMs === null || startedAtMs + budget.expectedMs <= nowMs) return null;
  const { config, random } = deps;
  return {
    step: 'held',
    budget,
    startedAtMs,
    nowMs,
    minWaitSeconds: backoffSeconds(req.attempt, config.backoffBaseSeconds, config.backoffCapSeconds, random),
  };
}

/**
 * What a large object's SEND here tells the route's estimate: a 201 measured a copy (a legacy
 * SEND answers it when the copy ended inside that SEND); one that ended on the client's side ran
 * its duration without finishing, a bound on the link (`recordUnfinished`).
 */
function measure(estimate: LinkEstimate, size: number, budget: TransferBudget, sent: SendAttempt): void {
  if (sent.kind !== 'sent') return;
  if (!sent.handedBack && sent.answer.reason === 'created') estimate.record(size, sent.send.durationMs);
  else if (budget.large && ENDED_ON_CLIENT_SIDE.has(sendVerdict(sent).reason))
    estimate.recordUnfinished(size, sent.send.durationMs);
}

/**
 * Walks a SEND message on a route with a large-object policy (docs/large-objects.md): its size
 * (the message's, else one source HEAD), its transfer budget on the route's link estimate, then
 * - it does not fit the time left: a background feed SEND (`via: "feed"`) or a move to the
 *   large-object queue (`via: "long-running-tier"`);
 * - it fits: on a re-attempt of a large object (or a renewed message) DR is checked first
 *   (`landed`), the re-attempt is held while an earlier copy may still run (`held`), then the
 *   usual SEND, counted among the route's copies in flight when large; its result refines the
 *   route's estimate (`measure`).
 * The plan takes the route's rate shared with its large SENDs running in this process (`sharedRate`).
 * Reports what happened without deciding (core/outcome/large-object-decision.ts does). Null when
 * the deadline came first; rejects with DeadlineError when the credentials were not read in time.
 */
export async function attemptLargeObject(
  req: LargeObjectRequest,
  send: SendStep,
  deps: LargeDeps,
  deadline: AbortSignal,
): Promise<LargeObjectObserved | SendAttempt | null> {
  const now = deps.now ?? Date.now;
  const lookups = new Lookups(req, deps, deadline);
  const size = await sizeOf(req, lookups);
  if (deadline.aborted) return null;
  if (typeof size !== 'number') return size;
  const { route } = req.request;
  const estimates = deps.linkEstimates ?? new LinkEstimates();
  const estimate = estimates.for(route, req.policy.linkMbps);
  const rate = sharedRate(estimate.rate, estimates.inFlight(route));
  const budget = transferBudget(size, rate, req.policy, req.remainingMs);
  const elsewhere = () =>
    req.policy.via === 'feed' ? inBackground(req, budget, send, now) : toLongRunningTier(req, budget, deps, deadline);
  if (!budget.fits) return elsewhere();
  if (budget.large && (req.attempt > 1 || renewedCopyStartOf(req.record) !== null)) {
    const detail = await landed(req, lookups, deps, deadline);
    if (deadline.aborted) return null;
    if (detail) return { step: 'landed', detail };
    const hold = held(req, budget, deps, now);
    if (hold) return hold;
    // Its earlier attempt under a cap did not end it (cut, reset, a link slower than estimated):
    // the next goes the policy's way, which has none, rather than risk another cut copy here.
    if (req.remainingMs !== null) return elsewhere();
  }
  const startedAtMs = now();
  // A large object is never handed back as a straggler: its copy would be left to the node.
  const sendHere = () => send(req.request, req.attempt === 1 && !budget.large);
  const sent = await (budget.large ? estimates.carrying(route, sendHere) : sendHere());
  if (!sent) return null;
  measure(estimate, size, budget, sent);
  const { config, random } = deps;
  return {
    step: 'sent',
    via: 'here',
    sent,
    budget,
    startedAtMs,
    nowMs: now(),
    minWaitSeconds: backoffSeconds(req.attempt, config.backoffBaseSeconds, config.backoffCapSeconds, random),
  };
}
