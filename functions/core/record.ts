import type { ObjectRef } from './message.js';
import { OUTCOME, type OutcomeKind, type OutcomeRecord, type Reason } from './outcome.js';
import type { SendResult } from './send-client.js';

/** What is known about a message besides the SEND itself. */
export interface RecordContext {
  readonly object: ObjectRef | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly attempt: number;
  readonly messageId: string | null;
  readonly correlationId: string | null;
}

/** Builds the outcome record of one SEND (DESIGN.md section 3). */
export function recordFromResult(result: SendResult, ctx: RecordContext): OutcomeRecord {
  const feeds = result.observation.mode === 'feed' ? { feeds: { ...result.observation.feeds } } : {};
  return {
    outcome: result.outcome,
    reason: result.reason,
    remoteStatus: result.observation.remoteStatus,
    httpStatus: result.observation.httpStatus,
    detail: result.detail,
    object: ctx.object,
    from: ctx.from,
    to: ctx.to,
    node: result.node,
    attempt: ctx.attempt,
    durationMs: result.durationMs,
    messageId: ctx.messageId,
    correlationId: ctx.correlationId,
    ...feeds,
    requests: result.requests,
  };
}

/** An outcome decided without a SEND (invalid message, unknown route, missing credentials). */
export function recordWithoutSend(outcome: OutcomeKind, reason: Reason, detail: string | null, ctx: RecordContext): OutcomeRecord {
  return {
    outcome,
    reason,
    remoteStatus: null,
    httpStatus: null,
    detail,
    object: ctx.object,
    from: ctx.from,
    to: ctx.to,
    node: null,
    attempt: ctx.attempt,
    durationMs: 0,
    messageId: ctx.messageId,
    correlationId: ctx.correlationId,
  };
}

/** True for the two outcomes that end a message successfully. */
export function isSuccess(outcome: OutcomeKind): boolean {
  return outcome === OUTCOME.REPLICATED || outcome === OUTCOME.ALREADY_PRESENT;
}
