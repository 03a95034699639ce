import type { Verdict } from './decide.js';
import type { ObjectRef } from './message.js';
import type { SendObserved } from './observation.js';
import type { OutcomeRecord } from './outcome.js';
import type { SendResult } from './send-client.js';

export { isSuccess } from './outcome.js';

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
export function outcomeRecord(verdict: Verdict, send: SendObserved | null, ctx: RecordContext): OutcomeRecord {
  const o = send?.observation;
  return {
    outcome: verdict.outcome,
    reason: verdict.reason,
    remoteStatus: o?.remoteStatus ?? null,
    httpStatus: o?.httpStatus ?? null,
    detail: verdict.detail,
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
  };
}

/** The outcome record of one SEND made with `SendClient.send` (its own verdict), e.g. by the CLI. */
export function recordFromResult(result: SendResult, ctx: RecordContext): OutcomeRecord {
  return outcomeRecord(result, result, ctx);
}
