import type { SQSBatchResponse } from 'aws-lambda';
import { isSuccess, OUTCOME } from '../core/outcome/outcome.js';
import { errorText } from '../core/errors.js';
import { queueCallSignal } from './deadline.js';
import type { DeadlineContext, WorkerDeps } from './ports.js';
import type { Settled } from './settle.js';

type EndDeps = Pick<WorkerDeps, 'config' | 'queue' | 'telemetry'>;

/**
 * Publishes the batch's terminal outcomes to the outcomes queue (when there is one). A success
 * that cannot be published keeps its message (added to `keep`), so the next attempt (a 409)
 * publishes it again: upstream learns of every safe object.
 */
export async function publishOutcomes(
  settled: readonly Settled[],
  keep: Set<string>,
  deps: EndDeps,
  context: DeadlineContext,
): Promise<void> {
  const { config, queue, telemetry } = deps;
  if (!config.outcomesQueueUrl) return;
  const terminal = settled.filter((s) => s.outcomeRecord && !s.keep && s.outcomeRecord.outcome !== OUTCOME.RETRY);
  const failedIdx = await queue
    .publishOutcomes(
      terminal.map((s) => s.outcomeRecord!),
      queueCallSignal(context),
    )
    .catch(() => terminal.map((_s, i) => i));
  for (const i of failedIdx) {
    const s = terminal[i];
    if (s && isSuccess(s.outcomeRecord!.outcome)) keep.add(s.record.messageId);
  }
  if (failedIdx.length) telemetry.warn('outcomes could not be published', { count: failedIdx.length });
}

/** Sets the retries' backoffs (best effort: a failure is logged, the message comes back sooner). */
export async function applyBackoffs(
  settled: readonly Settled[],
  { queue, telemetry }: EndDeps,
  context: DeadlineContext,
): Promise<void> {
  const backoffs = settled
    .filter((s) => s.backoffSeconds !== null)
    .map((s) => ({ record: s.record, seconds: s.backoffSeconds! }));
  if (!backoffs.length) return;
  await queue
    .changeVisibility(backoffs, queueCallSignal(context))
    .catch((err: unknown) => telemetry.warn('backoff not applied', { error: errorText(err) }));
}

/** Warns about records that went back unprocessed; builds the partial batch response from `keep`. */
export function batchResponse(
  settled: readonly Settled[],
  keep: ReadonlySet<string>,
  { telemetry }: EndDeps,
): SQSBatchResponse {
  const unstarted = settled.filter((s) => s.outcomeRecord === null).length;
  if (unstarted)
    telemetry.warn('records returned to the queue unprocessed (deadline or FIFO order)', { count: unstarted });
  return {
    batchItemFailures: settled
      .filter((s) => keep.has(s.record.messageId))
      .map((s) => ({ itemIdentifier: s.record.messageId })),
  };
}
