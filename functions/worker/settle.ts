import type { SQSRecord } from 'aws-lambda';
import { OUTCOME, type OutcomeRecord } from '../core/outcome/outcome.js';
import { errorText } from '../core/errors.js';
import { backoffSeconds } from './backoff.js';
import { queueCallSignal } from './deadline.js';
import type { DeadlineContext, WorkerDeps } from './ports.js';

/** What happened to one record; the handler's response is built from these. */
export interface Settled {
  readonly record: SQSRecord;
  /** Null when the record was returned unprocessed (deadline, FIFO order, or a failure to settle it). */
  readonly outcomeRecord: OutcomeRecord | null;
  /** True when the message stays on its queue (retry, deadline, or a DLQ write that failed). */
  readonly keep: boolean;
  readonly backoffSeconds: number | null;
}

/** When the record's message entered its queue (SQS SentTimestamp), ms; null when the record does not say. */
export function sentAtOf(record: SQSRecord): number | null {
  const sent = Number(record.attributes.SentTimestamp);
  return Number.isFinite(sent) ? sent : null;
}

/**
 * When the record's message was first received from its queue (SQS
 * ApproximateFirstReceiveTimestamp), ms; null when the record does not say. A large object's
 * background feed copy is taken to have started then (docs/large-objects.md).
 */
export function firstReceivedAtOf(record: SQSRecord): number | null {
  const first = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  return Number.isFinite(first) && first > 0 ? first : null;
}

/** A record returned to its queue as it came, to be delivered again. */
export const unprocessed = (record: SQSRecord): Settled => ({
  record,
  outcomeRecord: null,
  keep: true,
  backoffSeconds: null,
});

type SettleDeps = Pick<WorkerDeps, 'config' | 'queue' | 'telemetry' | 'random'>;

/**
 * Forwards a failed record to the DLQ, within the remaining time. The record it returns is the
 * one written (it says when the body had to be cut); one the DLQ did not take stays queued.
 */
async function deadLetter(
  record: SQSRecord,
  outcome: OutcomeRecord,
  { queue, telemetry }: SettleDeps,
  context: DeadlineContext,
): Promise<Settled> {
  try {
    const written = (await queue.deadLetter(record, outcome, queueCallSignal(context))) ?? outcome;
    return { record, outcomeRecord: written, keep: false, backoffSeconds: null };
  } catch (err) {
    telemetry.warn('dead-lettering failed; the message stays on its queue', {
      messageId: record.messageId,
      error: errorText(err),
    });
    return { record, outcomeRecord: outcome, keep: true, backoffSeconds: null };
  }
}

/**
 * Seconds before a retry's next attempt: a delete inside its grace waits what is left of it; a
 * handed-back straggler waits about twice as long as it ran, so its node can finish.
 */
function retryDelay(outcome: OutcomeRecord, { config, random }: SettleDeps): number {
  if (outcome.retryAfterSeconds !== undefined) return Math.max(1, outcome.retryAfterSeconds);
  if (outcome.reason === 'handed-back') return Math.max(1, Math.ceil((2 * (outcome.durationMs ?? 0)) / 1000));
  return backoffSeconds(outcome.attempt, config.backoffBaseSeconds, config.backoffCapSeconds, random ?? Math.random);
}

/**
 * Acts on one record's outcome: a failure is dead-lettered, a retry stays on the queue with a
 * backoff, a success is acknowledged; every outcome is logged and counted. Null (no outcome:
 * the deadline came first) returns the record unprocessed.
 */
export async function settleRecord(
  record: SQSRecord,
  outcome: OutcomeRecord | null,
  deps: SettleDeps,
  context: DeadlineContext,
): Promise<Settled> {
  if (outcome === null) return unprocessed(record);
  const sentAt = sentAtOf(record);
  if (outcome.outcome === OUTCOME.FAILED) {
    const dead = await deadLetter(record, outcome, deps, context);
    deps.telemetry.outcome(dead.outcomeRecord!, sentAt);
    return dead;
  }
  deps.telemetry.outcome(outcome, sentAt);
  if (outcome.outcome === OUTCOME.RETRY)
    return { record, outcomeRecord: outcome, keep: true, backoffSeconds: retryDelay(outcome, deps) };
  return { record, outcomeRecord: outcome, keep: false, backoffSeconds: null };
}
