import type { SQSRecord } from 'aws-lambda';
import { OUTCOME, type OutcomeRecord } from '../core/outcome/outcome.js';
import { renewsInsteadOfWaiting } from '../core/outcome/large-object-decision.js';
import { errorText } from '../core/errors.js';
import { backoffSeconds } from './backoff.js';
import { copyStartedAtOf } from './copy-start.js';
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
  { config, queue, telemetry }: SettleDeps,
  context: DeadlineContext,
): Promise<Settled> {
  try {
    const written =
      (await queue.deadLetter(record, outcome, queueCallSignal(context, config.deadlineMarginMs))) ?? outcome;
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
 * A large object's wait that is not a failure, on attempt maxAttempts or later
 * (`renewsInsteadOfWaiting`): its message is put again on its queue with the copy's start
 * (`QueueOps.renew`) and this one acknowledged, the record saying `renewed`. Null when the queue
 * did not take it: the record then waits as any retry, with a warning.
 */
async function renewedInstead(
  record: SQSRecord,
  outcome: OutcomeRecord,
  delaySeconds: number,
  { config, queue, telemetry }: SettleDeps,
  context: DeadlineContext,
): Promise<Settled | null> {
  if (!renewsInsteadOfWaiting(outcome, config.maxAttempts)) return null;
  try {
    const copyStartedAtMs = copyStartedAtOf(record) ?? Date.now();
    await queue.renew(record, { copyStartedAtMs, delaySeconds }, queueCallSignal(context, config.deadlineMarginMs));
    return { record, outcomeRecord: { ...outcome, renewed: true }, keep: false, backoffSeconds: null };
  } catch (err) {
    telemetry.warn('renewal failed; the message waits on its queue (its receives count towards the redrive)', {
      messageId: record.messageId,
      error: errorText(err),
    });
    return null;
  }
}

/**
 * Acts on one record's outcome: a failure is dead-lettered, a retry stays on the queue with a
 * backoff (or, a large object's wait that is not a failure at maxAttempts, is renewed), a success
 * is acknowledged; every outcome is logged and counted. Null (no outcome: the deadline came
 * first) returns the record unprocessed.
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
  if (outcome.outcome === OUTCOME.RETRY) {
    const delay = retryDelay(outcome, deps);
    const settled = (await renewedInstead(record, outcome, delay, deps, context)) ?? {
      record,
      outcomeRecord: outcome,
      keep: true,
      backoffSeconds: delay,
    };
    deps.telemetry.outcome(settled.outcomeRecord!, sentAt);
    return settled;
  }
  deps.telemetry.outcome(outcome, sentAt);
  return { record, outcomeRecord: outcome, keep: false, backoffSeconds: null };
}
