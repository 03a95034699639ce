import type { SQSRecord } from 'aws-lambda';
import { decide, notSentBy, type SendAttempt, type Step } from '../core/outcome/decide.js';
import { readSendMessage, type SendMessage } from '../core/message/message.js';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import { outcomeRecord, type RecordContext } from '../core/outcome/outcome.js';
import { resolveRoutes, type ResolvedRoute } from '../core/registry/registry.js';
import { splitByDestination } from '../core/message/fan-out.js';
import { fanOut } from './fan-out.js';
import { provingFeeds } from '../core/registry/replication-feeds.js';
import { stackOf } from '../core/errors.js';
import type { BatchSends } from './batch-sends.js';
import { DeadlineError } from './deadline.js';
import { sentAtOf } from './settle.js';
import { decideDelete } from '../core/outcome/delete-decision.js';
import { deleteRecord } from '../core/outcome/delete-record.js';
import { isDelete } from '../core/message/message.js';
import { attemptDelete, type DeleteHappening } from './delete-attempt.js';
import type { Telemetry, WorkerDeps } from './ports.js';
import type { SendRequest } from './send-attempt.js';
import { attemptLargeObject } from './large-object.js';
import { decideLargeObject, type LargeObjectObserved } from '../core/outcome/large-object-decision.js';
import type { LargeObjectPolicy } from '../core/registry/route-large-objects.js';

/** The receive count SQS reports: this delivery's attempt number. */
export function attemptOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}

function contextOf(record: SQSRecord, message: SendMessage | null, route?: ResolvedRoute): RecordContext {
  return {
    object: message?.object ?? null,
    from: route?.source.key ?? message?.from ?? null,
    to: route?.destination.key ?? (typeof message?.to === 'string' ? message.to : null),
    attempt: attemptOf(record),
    messageId: record.messageId,
    correlationId: message?.correlationId ?? null,
  };
}

/** What an error at `step` means; a bug's stack goes to the log (never into the record). */
function notSent(step: Step, err: unknown, record: SQSRecord, telemetry: Telemetry): SendAttempt {
  const happening = notSentBy(step, err);
  if (happening.reason === 'internal-error') {
    telemetry.warn('unexpected error processing a message (internal-error)', {
      messageId: record.messageId,
      step,
      stack: stackOf(err),
    });
  }
  return happening;
}

interface Read {
  readonly message: SendMessage | null;
  readonly request: SendRequest | null;
  /** A message that names several destinations: its source and them (split by `fanOut`, never SENT itself). */
  readonly split: { readonly from: string; readonly destinations: readonly string[] } | null;
  readonly failure: SendAttempt | null;
}

/** Parses, validates and routes the body; its warnings (ignored node hints...) go to the log. */
function readRequest(record: SQSRecord, { config, telemetry }: WorkerDeps): Read {
  let message: SendMessage | null = null;
  try {
    const read = readSendMessage(record.body);
    message = read.message;
    for (const warning of read.warnings) telemetry.warn(warning, { messageId: record.messageId });
    // Every destination is routed before anything else: a message is never half routed.
    const routes = resolveRoutes(config.registry, message.from, message.to);
    if (routes.length > 1) {
      const split = { from: routes[0]!.source.key, destinations: routes.map((r) => r.destination.key) };
      return { message, request: null, split, failure: null };
    }
    const route = routes[0]!;
    const single = splitByDestination(message, [route.destination.key])[0]!;
    return {
      message,
      request: {
        route,
        message: single,
        replicationFeeds: isDelete(message) ? [] : provingFeeds(route, message.feeds),
      },
      split: null,
      failure: null,
    };
  } catch (err) {
    return { message, request: null, split: null, failure: notSent('read', err, record, telemetry) };
  }
}

/** The record's share of its SEND; null when the deadline came before the SEND could start. */
async function sendOf(
  record: SQSRecord,
  request: SendRequest,
  firstAttempt: boolean,
  sends: BatchSends,
  { telemetry }: WorkerDeps,
): Promise<SendAttempt | null> {
  try {
    return await sends.for(request, firstAttempt);
  } catch (err) {
    if (err instanceof DeadlineError) return null;
    return notSent('send', err, record, telemetry);
  }
}

/** A delete message's steps; null when the deadline came before its credentials were read. */
async function deleteOf(
  record: SQSRecord,
  request: SendRequest,
  attempt: number,
  deps: WorkerDeps,
  deadline: AbortSignal,
): Promise<DeleteHappening | SendAttempt | null> {
  try {
    return await attemptDelete(
      { route: request.route, message: request.message, sentAtMs: sentAtOf(record), attempt },
      deps,
      deadline,
    );
  } catch (err) {
    if (err instanceof DeadlineError) return null;
    return notSent('send', err, record, deps.telemetry);
  }
}

/**
 * A SEND message on a route with a large-object policy (large-object.ts): what happened to it,
 * not yet decided; null when the deadline came first.
 */
async function largeObjectOf(
  record: SQSRecord,
  request: SendRequest & { route: { largeObjects: LargeObjectPolicy } },
  attempt: number,
  sends: BatchSends,
  deps: WorkerDeps,
  deadline: AbortSignal,
  remainingMs: () => number | null,
): Promise<LargeObjectObserved | SendAttempt | null> {
  try {
    const req = { record, request, policy: request.route.largeObjects, attempt, remainingMs: remainingMs() };
    return await attemptLargeObject(req, (r, first) => sendOf(record, r, first, sends, deps), deps, deadline);
  } catch (err) {
    if (err instanceof DeadlineError) return null;
    return notSent('send', err, record, deps.telemetry);
  }
}

const hasLargeObjects = (r: SendRequest): r is SendRequest & { route: { largeObjects: LargeObjectPolicy } } =>
  r.route.largeObjects !== null;

/**
 * Processes one record up to its outcome record: read and route the body, SEND (shared with
 * identical records of the batch) or, for a delete message, walk the delete's steps
 * (delete-attempt.ts), decide. A message naming several destinations is split instead
 * (fan-out.ts), one message per destination, and never SENT itself. Null when the deadline came
 * before its SEND could start: the record goes back to the queue unprocessed. Never throws for
 * the record's sake: an unexpected error is an `internal-error` outcome, retried like any
 * transient failure. A SEND on a route with a large-object policy first finds the object's size
 * and its transfer budget against `remainingMs` (null: no cap), large-object.ts.
 */
export async function processRecord(
  record: SQSRecord,
  sends: BatchSends,
  deps: WorkerDeps,
  deadline: AbortSignal,
  remainingMs: () => number | null = () => null,
): Promise<OutcomeRecord | null> {
  const read = readRequest(record, deps);
  const ctx = contextOf(record, read.message, read.request?.route);
  if (read.split && read.message)
    return fanOut(record, read.message, read.split.destinations, { ...ctx, from: read.split.from }, deps, deadline);
  let happening: SendAttempt | DeleteHappening | LargeObjectObserved | null = read.failure;
  if (read.request) {
    if (deadline.aborted) return null;
    const { request } = read;
    if (isDelete(request.message)) happening = await deleteOf(record, request, ctx.attempt, deps, deadline);
    else if (hasLargeObjects(request))
      happening = await largeObjectOf(record, request, ctx.attempt, sends, deps, deadline, remainingMs);
    else happening = await sendOf(record, request, ctx.attempt === 1, sends, deps);
  }
  if (!happening) return null;
  const attempts = { attempt: ctx.attempt, maxAttempts: deps.config.maxAttempts };
  if ('step' in happening) {
    const sent = happening.step === 'sent' && happening.sent.kind === 'sent' ? happening.sent.send : null;
    return outcomeRecord(decideLargeObject(happening, attempts), sent, ctx);
  }
  if (happening.kind === 'delete')
    return deleteRecord(decideDelete(happening.observed, attempts), happening.observed, happening, ctx);
  const verdict = decide(happening, attempts);
  return outcomeRecord(verdict, happening.kind === 'sent' ? happening.send : null, ctx);
}
