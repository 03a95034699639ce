import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { stackOf } from '../core/errors.js';
import { applyBackoffs, batchResponse, publishEvents, publishOutcomes } from './batch-end.js';
import { BatchSends } from './batch-sends.js';
import { batchDeadline, sendTimeLeft } from './deadline.js';
import { holdBackGroups, inGroupOrder, isFifo } from './fifo.js';
import type { DeadlineContext, WorkerDeps } from './ports.js';
import { processRecord } from './process-record.js';
import { settleRecord, unprocessed, type Settled } from './settle.js';
import { stragglerPolicy, StragglerWatch } from './stragglers.js';

/**
 * Processes one SQS batch the way DESIGN.md section 3 says: each record is parsed, routed,
 * SENT (identical SENDs coalesced, bounded concurrency, aborted before the deadline), decided
 * and recorded. Successes are acknowledged, permanent failures and exhausted retries are
 * forwarded to the DLQ with their reason and acknowledged, and retries stay on the queue with a
 * backoff. Returns the partial batch response. It never throws for a message's sake.
 */
export async function processBatch(
  records: readonly SQSRecord[],
  context: DeadlineContext,
  deps: WorkerDeps,
): Promise<SQSBatchResponse> {
  const { config, telemetry } = deps;
  const deadline = batchDeadline(context, config.deadlineMarginMs);
  const fifo = records.some(isFifo);
  const watch = new StragglerWatch(stragglerPolicy(config.stragglers, fifo), config.concurrency);
  const sends = new BatchSends(deps, deadline, watch);
  const remainingMs = sendTimeLeft(context, config.deadlineMarginMs, config.longRunning === true);

  // One record, from its body to its settled outcome. A failure to settle it (a bug) keeps the
  // message on its queue and never fails the rest of the batch.
  const handle = (record: SQSRecord): Promise<Settled> =>
    processRecord(record, sends, deps, deadline, remainingMs)
      .then((outcome) => settleRecord(record, outcome, deps, context))
      .catch((err: unknown) => {
        try {
          telemetry.warn('unexpected error settling a record; it stays on its queue', {
            messageId: record.messageId,
            stack: stackOf(err),
          });
        } catch {
          // The log itself failed: the record still goes back to its queue.
        }
        return unprocessed(record);
      });

  let settled: Settled[];
  if (fifo) settled = await inGroupOrder(records, handle);
  else {
    const all = records.map(handle);
    // Every distinct SEND of the batch is known now (parsing is synchronous): the tail can be told.
    watch.setTotal(sends.size);
    settled = await Promise.all(all).finally(() => watch.close());
  }

  const keep = new Set(settled.filter((s) => s.keep).map((s) => s.record.messageId));
  await publishOutcomes(settled, keep, deps, context);
  await publishEvents(settled, keep, deps, context);
  if (fifo) holdBackGroups(settled, keep);
  const response = batchResponse(settled, keep, deps);
  await applyBackoffs(settled, deps, context);
  telemetry.flush();
  return response;
}
