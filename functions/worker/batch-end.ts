import type { SQSBatchResponse } from 'aws-lambda';
import { isSuccess, OUTCOME } from '../core/outcome/outcome.js';
import { errorText } from '../core/errors.js';
import { outcomeEvents, type OutcomeEvent } from '../core/outcome/outcome-event.js';
import { queueCallSignal } from './deadline.js';
import type { DeadlineContext, WorkerDeps } from './ports.js';
import { sentAtOf, type Settled } from './settle.js';

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
      queueCallSignal(context, config.deadlineMarginMs),
    )
    .catch(() => terminal.map((_s, i) => i));
  for (const i of failedIdx) {
    const s = terminal[i];
    if (s && isSuccess(s.outcomeRecord!.outcome)) keep.add(s.record.messageId);
  }
  if (failedIdx.length) telemetry.warn('outcomes could not be published', { count: failedIdx.length });
}

/** The time a record has waited since it entered its queue (SQS SentTimestamp), ms; null when unknown. */
function lagOf(s: Settled, now: number): number | null {
  const sent = sentAtOf(s.record);
  return sent === null ? null : Math.max(0, now - sent);
}

/**
 * Puts the batch's outcome events on the event bus (docs/events.md), after the outcomes queue
 * and within the same deadline: a final outcome's event for each message that leaves its queue
 * (not one `keep` holds, so an event is not sent for an outcome the next attempt repeats), and a
 * missed-threshold event for each attempt that ended past the RPO. Events that could not be put
 * are counted (EventsNotPublished) and logged; the message's outcome is never lost, and with
 * `keep-message` a success whose event failed stays on its queue, as for the outcomes queue.
 */
export async function publishEvents(
  settled: readonly Settled[],
  keep: Set<string>,
  deps: Pick<WorkerDeps, 'config' | 'telemetry' | 'events'>,
  context: DeadlineContext,
  now: number = Date.now(),
): Promise<void> {
  const { config, telemetry, events: publisher } = deps;
  const eventsConfig = config.events;
  if (!publisher || !eventsConfig) return;
  const owners: Settled[] = [];
  const events: OutcomeEvent[] = [];
  for (const s of settled) {
    if (!s.outcomeRecord) continue;
    const final = !s.keep && !keep.has(s.record.messageId);
    for (const event of outcomeEvents(s.outcomeRecord, {
      final,
      lagMs: lagOf(s, now),
      rpoSeconds: eventsConfig.rpoSeconds,
    })) {
      events.push(event);
      owners.push(s);
    }
  }
  if (!events.length) return;
  const failedIdx = await publisher
    .publish(events, queueCallSignal(context, config.deadlineMarginMs))
    .catch(() => events.map((_e, i) => i));
  if (!failedIdx.length) return;
  telemetry.eventsNotPublished?.(failedIdx.length);
  telemetry.warn('outcome events could not be published', { count: failedIdx.length });
  if (eventsConfig.onFailure !== 'keep-message') return;
  for (const i of failedIdx) {
    const s = owners[i];
    if (s && isSuccess(s.outcomeRecord!.outcome)) keep.add(s.record.messageId);
  }
}

/** Sets the retries' backoffs (best effort: a failure is logged, the message comes back sooner). */
export async function applyBackoffs(
  settled: readonly Settled[],
  { config, queue, telemetry }: EndDeps,
  context: DeadlineContext,
): Promise<void> {
  const backoffs = settled
    .filter((s) => s.backoffSeconds !== null)
    .map((s) => ({ record: s.record, seconds: s.backoffSeconds! }));
  if (!backoffs.length) return;
  await queue
    .changeVisibility(backoffs, queueCallSignal(context, config.deadlineMarginMs))
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
