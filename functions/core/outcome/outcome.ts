import type { FeedStatus } from '../send/response-parser.js';
import type { ObjectRef } from '../message/message.js';
import type { SendReport } from '../send/observation.js';

/** The source's and the destination's version, as the outcome record and the DLQ attributes carry them. */
export interface Versions {
  readonly source: string | null;
  readonly destination: string | null;
}

/** What replacing a stale copy took. */
export interface Replacement {
  readonly by: 'feed-force' | 'copy';
  /** HTTP requests of the repair itself (the forced feed SEND, or the copy's GET, PUT and HEADs). */
  readonly requests: number;
  /** Object bytes moved between the clusters. */
  readonly bytes: number;
}

/** Every message ends in exactly one of these (DESIGN.md section 3). */
export const OUTCOME = {
  REPLICATED: 'replicated',
  ALREADY_PRESENT: 'already-present',
  RETRY: 'retry',
  FAILED: 'failed',
} as const;
export type OutcomeKind = (typeof OUTCOME)[keyof typeof OUTCOME];

/**
 * Stable kebab-case reason codes. Operators filter the DLQ and dashboards by them, so a code,
 * once published, never changes meaning.
 */
export const REASONS = {
  // success
  created: 'the destination answered 201: the object was transferred',
  'feed-complete': 'every selected feed reported status 0',
  'already-present': 'the destination already holds the object (409)',
  // success of a delete message (outcome kinds: docs/deletes.md)
  deleted: 'a delete: the source proved the object gone and DR deleted its copy (200/204), confirmed by a HEAD 404',
  'already-absent': 'a delete: the source proved the object gone and DR had no copy (404), confirmed by a HEAD 404',
  'source-present': 'a delete: the source holds the object again, so DR keeps its copy',
  'delete-ignored':
    'a delete on a route whose deletes are "ignore": DR keeps its copy, nothing was asked of either cluster',
  'stale-replaced':
    "the destination held another version of the object; a forced feed SEND or the route's copy replaced it, and content identity confirmed the copy",
  // a message naming several destinations (docs/fan-out.md)
  'fanned-out':
    'the message named several destinations: one message per destination was put on its queue, each settles on its own; nothing was sent for this one',
  // large objects (docs/large-objects.md)
  'copy-landed':
    "a re-attempt of a large object found, by a DR HEAD and content identity, that the copy of an earlier SEND that ended on the client's side landed; nothing was sent",
  'moved-to-long-running-tier':
    "the object does not fit the invocation's remaining time: the message was put on the large-object queue, where the long-running tier copies it and its copy settles",
  // transient
  'remote-unavailable': 'the destination answered 5xx or could not be reached by the source node',
  'remote-insufficient-storage': 'the destination is out of space or licence (507)',
  'remote-context-missing': 'the destination lacks the domain or bucket (412); it may not have replicated yet',
  'remote-not-found': 'the destination could not get the object from the source (404)',
  'remote-unexpected':
    'the destination answered an unexpected 2xx/3xx, or the source a 3xx that is not a followable redirect',
  'source-unavailable': 'the source node is busy or initialising (503)',
  'source-error': 'the source node failed internally (5xx)',
  'insufficient-storage': 'the source cluster is out of space or licence (507)',
  'not-found-at-source': 'the source cluster does not have the object (404); it can be transient',
  'context-missing': 'the source cluster lacks the domain or bucket (412)',
  'result-unknown': 'the SEND ended without a result line; repeating it is safe',
  'connection-refused': 'no source node accepted a connection',
  'connection-reset': 'the connection closed before the SEND finished',
  'connect-timeout': 'connecting to the source node timed out',
  'idle-timeout': 'the source node sent nothing for longer than the idle timeout',
  'deadline-exceeded': 'the SEND was aborted at the invocation deadline',
  'handed-back':
    "a straggler in the batch's tail was no longer waited for; it comes back after the node has had time to finish",
  'network-error': 'a network error other than refusal, reset or timeout',
  'redirect-limit': 'more than 5 redirects',
  'feed-timeout': 'a feed reported status 1 (not finished within the timeout)',
  'feed-failed': 'a feed reported a failure status (2 or more)',
  'credentials-unavailable': 'the credentials could not be read',
  'internal-error':
    "an unexpected error in the worker (a bug), not the message's or the cluster's fault; its stack is in the log",
  'verify-mismatch':
    'the destination HEAD after a 201 or 409 found no copy, or a HEAD verify needed gave no answer (another version is stale-at-destination)',
  'delete-grace':
    "a delete younger than its route's deleteGraceSeconds: it comes back when the grace has passed (never dead-lettered for this)",
  'delete-unconfirmed': "a delete: the HEAD after DR's answer still found the object on DR",
  'source-changed':
    "the source object changed while the worker copied it; the next attempt copies the source's new version",
  'fan-out-unavailable':
    'the message named several destinations and its per-destination messages could not all be put on its queue; nothing was sent',
  'copying-in-background':
    "a large object's feed SEND with the route's short timeout answered status 1: the feed copies it in the background; the message asks again (never with force) once the copy is expected done (never dead-lettered for this)",
  'awaiting-copy':
    "a large object's SEND ended on the client's side (deadline, idle timeout, reset, truncated answer, handed back): its copy may go on; the next attempt waits out its expected duration and checks DR first. Also a re-attempt held while an earlier copy may still run (DR has no copy, its expected end is ahead): nothing was sent, not counted against the attempts",
  'size-unknown':
    'the route has a large-object policy, the message no size, and the source HEAD gave no usable Content-Length: nothing was sent',
  'long-running-tier-unavailable':
    "the object does not fit the invocation's remaining time and the large-object queue did not take its message; nothing was sent",
  // permanent
  'invalid-message':
    'the message is not valid JSON, fails the schema, names a route the registry lacks, or selects feeds none of whose statuses can prove a DR copy',
  'auth-rejected': 'the source cluster rejected the admin credentials',
  'remote-auth-rejected': 'the destination rejected the admin credentials (401/403)',
  'remote-rejected': 'the destination refused the object with a 4xx that cannot heal',
  forbidden: 'the source cluster forbids SEND for this user (403)',
  'bad-request': 'the source node rejected the request (400): configuration or feed id/type',
  'method-not-supported': 'the node does not implement SEND (501/405): a gateway, proxy or old node',
  'http-version-not-supported': 'the node requires HTTP/1.1 (505)',
  'length-required': 'the node wanted a Content-Length (411)',
  'client-error': 'the source node answered a 4xx that cannot heal',
  'redirect-refused':
    "a redirect left the source cluster's nodes and networks, went from https to http, or could not be parsed",
  'not-in-feed-scope': 'the object is outside every selected feed: nothing will replicate it',
  'tls-rejected': 'the node certificate was not trusted',
  'credentials-invalid':
    'the configured credentials hold a control character (CR, LF, NUL...) or a character outside Latin-1',
  'delete-refused': 'a delete: DR refused it (403): a deletable=no lifepoint or an object lock; never overridden',
  'stale-at-destination':
    'the destination holds another version of the object (different content), and the route can neither force a feed SEND nor copy (or the repair failed)',
  'unproven-identity':
    "the copies have the same size and different ETags, and no digest on both sides proves them the same or different; the route's unprovenIdentity decides the outcome",
} as const;
export type Reason = keyof typeof REASONS;

/** True for the two outcomes that end a message successfully. */
export function isSuccess(outcome: OutcomeKind): boolean {
  return outcome === OUTCOME.REPLICATED || outcome === OUTCOME.ALREADY_PRESENT;
}

/**
 * What a message's SEND (or its absence) comes to: an outcome and its reason; from `decide`,
 * also the detail the record carries. `classify` reads the SCSP answer alone and gives no detail.
 */
export interface Decision {
  readonly outcome: OutcomeKind;
  readonly reason: Reason;
  /** Log-safe detail; never a secret or a stack. */
  readonly detail?: string | null;
  /** A transient failure dead-lettered because its attempts ran out. */
  readonly retriesExhausted?: true;
  /** A changed object: both versions (docs/changed-objects.md). */
  readonly versions?: Versions;
  /** What replacing a stale DR copy took. */
  readonly replaced?: Replacement;
  /** A retry that must wait this long, seconds, instead of the backoff (a delete's grace, a large object's copy). */
  readonly retryAfterSeconds?: number;
}

/** One SEND with the decision of its SCSP answer alone (`sendWithDecision`: the CLI, tests). */
export type SendResult = SendReport & Decision;

/** One message's outcome as logged, put on the outcomes queue and attached to DLQ messages. */
export interface OutcomeRecord {
  outcome: OutcomeKind;
  reason: Reason;
  /** The number on the `Remote cluster returned:` line, or null. */
  remoteStatus: number | null;
  /** The status line of the final SEND response, or null when none arrived. */
  httpStatus: number | null;
  /** Human-readable detail (the last Castor-System-Error-Text, an error message); never a secret. */
  detail: string | null;
  object: ObjectRef | null;
  from: string | null;
  to: string | null;
  /** host:port of the node that answered last. */
  node: string | null;
  attempt: number;
  durationMs: number;
  messageId: string | null;
  correlationId: string | null;
  /** Per-feed statuses of a feed SEND. */
  feeds?: Record<string, FeedStatus>;
  /** Set when a transient failure was dead-lettered because the attempts ran out. */
  retriesExhausted?: boolean;
  /** HTTP requests this SEND took (auth challenges and redirects included). */
  requests?: number;
  /**
   * Set when the dead-lettered copy of the body had to be cut to fit the queue's size limit:
   * the original body's size in bytes and its SHA-256 (hex), so it can be matched upstream.
   */
  truncated?: { readonly bytes: number; readonly sha256: string };
  /** A retry that must wait this long, seconds, instead of the backoff (a delete's grace, a large object's copy). */
  retryAfterSeconds?: number;
  /** A changed object: the source's and the destination's version (version time, else ETag). */
  versions?: { readonly source: string | null; readonly destination: string | null };
  /** What replacing a stale copy took: `feed-force` or `copy`, its requests and the bytes it moved. */
  replaced?: { readonly by: 'feed-force' | 'copy'; readonly requests: number; readonly bytes: number };
  /** A message that named several destinations (`to` is then null): them, in order (docs/fan-out.md). */
  destinations?: string[];
  /**
   * A large object's wait that is not a failure (`copying-in-background`, the hold of
   * `awaiting-copy`) on attempt maxAttempts or later: its message was put again on its own queue
   * as a new message (`QueueOps.renew`) and this one acknowledged, so the queue's redrive never
   * dead-letters it (docs/large-objects.md).
   */
  renewed?: boolean;
}

/** What is known about a message besides the SEND itself. */
export interface RecordContext {
  readonly object: ObjectRef | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly attempt: number;
  readonly messageId: string | null;
  readonly correlationId: string | null;
}

/** Builds the outcome record of one message from its verdict and its SEND, if one was made (DESIGN.md section 3). */
export function outcomeRecord(verdict: Decision, send: SendReport | null, ctx: RecordContext): OutcomeRecord {
  const o = send?.observation;
  return {
    outcome: verdict.outcome,
    reason: verdict.reason,
    remoteStatus: o?.remoteStatus ?? null,
    httpStatus: o?.httpStatus ?? null,
    detail: verdict.detail ?? null,
    object: ctx.object,
    from: ctx.from,
    to: ctx.to,
    node: send?.node ?? null,
    attempt: ctx.attempt,
    durationMs: send?.durationMs ?? 0,
    messageId: ctx.messageId,
    correlationId: ctx.correlationId,
    ...(o?.mode === 'feed' && { feeds: { ...o.feeds } }),
    ...(send && { requests: send.requests }),
    ...(verdict.retriesExhausted && { retriesExhausted: true }),
    ...(verdict.versions && { versions: verdict.versions }),
    ...(verdict.replaced && { replaced: verdict.replaced }),
    ...(verdict.retryAfterSeconds !== undefined && { retryAfterSeconds: verdict.retryAfterSeconds }),
  };
}

/** The outcome record of one SEND made with `sendWithDecision` (its own decision), e.g. by the CLI. */
export function recordFromResult(result: SendResult, ctx: RecordContext): OutcomeRecord {
  return outcomeRecord(result, result, ctx);
}
