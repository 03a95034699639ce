import type { DeleteObserved, DeleteVerdict } from './delete-decision.js';
import type { OutcomeRecord } from './outcome.js';
import { outcomeRecord, type RecordContext } from './outcome.js';

/** What a delete cost: HTTP requests (challenges and redirects included) and time. */
export interface DeleteCost {
  readonly requests: number;
  readonly durationMs: number;
}

/**
 * The outcome record of a delete message: `httpStatus` and `node` are DR's answer to the
 * DELETE when one was made, else the source HEAD's; `remoteStatus` is null (no SEND).
 */
export function deleteRecord(
  verdict: DeleteVerdict,
  observed: DeleteObserved,
  cost: DeleteCost,
  ctx: RecordContext,
): OutcomeRecord {
  const answer = 'delete' in observed ? observed.delete : 'source' in observed ? observed.source : null;
  return {
    ...outcomeRecord(verdict, null, ctx),
    httpStatus: answer?.status ?? null,
    node: answer?.node ?? null,
    durationMs: cost.durationMs,
    requests: cost.requests,
    ...(verdict.retriesExhausted && { retriesExhausted: true }),
  };
}
