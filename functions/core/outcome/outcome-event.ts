import { OUTCOME, type OutcomeKind, type OutcomeRecord } from './outcome.js';

/** The `source` of every event swarm-send puts on an event bus (docs/events.md). */
export const EVENT_SOURCE = 'swarm-send';

/**
 * The events' detail-types. A final outcome's detail-type follows its outcome kind alone; the
 * reason (`created`, `deleted`, `already-absent`, `verify-mismatch`...) is in the detail, where
 * a rule matches it. So a reason added later (a delete's, a changed object's) needs no new
 * detail-type: it arrives under its outcome's.
 */
export const DETAIL_TYPES = {
  REPLICATED: 'Object Replicated',
  ALREADY_PRESENT: 'Object Already Present',
  FAILED: 'Replication Failed',
  /** An attempt (final or a retry) that ended after the message had waited longer than the RPO. */
  MISSED_THRESHOLD: 'Replication Missed Threshold',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

const FINAL_DETAIL_TYPES: Record<Exclude<OutcomeKind, 'retry'>, DetailType> = {
  [OUTCOME.REPLICATED]: DETAIL_TYPES.REPLICATED,
  [OUTCOME.ALREADY_PRESENT]: DETAIL_TYPES.ALREADY_PRESENT,
  [OUTCOME.FAILED]: DETAIL_TYPES.FAILED,
};

/** The detail-type of a final outcome; null for `retry`, which is not final and has no event. */
export function finalDetailType(outcome: OutcomeKind): DetailType | null {
  return outcome === OUTCOME.RETRY ? null : FINAL_DETAIL_TYPES[outcome];
}

/** How far past its RPO an object was when its attempt ended (a missed-threshold event's own field). */
export interface MissedThreshold {
  /** Time from the message entering the queue to the end of this attempt, ms. */
  readonly lagMs: number;
  readonly rpoSeconds: number;
}

/** An event's detail: the outcome record as written to the outcomes queue, and for a missed threshold, by how much. */
export type OutcomeEventDetail = OutcomeRecord & { readonly threshold?: MissedThreshold };

/** One event for the bus: a detail-type and its detail (the source is always EVENT_SOURCE). */
export interface OutcomeEvent {
  readonly detailType: DetailType;
  readonly detail: OutcomeEventDetail;
}

/** What decides a settled attempt's events besides its record. */
export interface EventContext {
  /** True when the outcome is final and its message leaves the queue (so its event is sent once). */
  readonly final: boolean;
  /** Time since the message entered the queue, ms; null when unknown (no threshold event then). */
  readonly lagMs: number | null;
  /** The recovery point objective, seconds; null: no threshold events. */
  readonly rpoSeconds: number | null;
}

/**
 * The events of one settled attempt: its final outcome's (when final), and a missed-threshold
 * event when its lag passed the RPO (a retry's too: an object still retrying past its RPO is the
 * one to hear about; each such attempt sends one).
 */
export function outcomeEvents(record: OutcomeRecord, ctx: EventContext): OutcomeEvent[] {
  const events: OutcomeEvent[] = [];
  const detailType = ctx.final ? finalDetailType(record.outcome) : null;
  if (detailType) events.push({ detailType, detail: record });
  if (ctx.rpoSeconds !== null && ctx.lagMs !== null && ctx.lagMs > ctx.rpoSeconds * 1000)
    events.push({
      detailType: DETAIL_TYPES.MISSED_THRESHOLD,
      detail: { ...record, threshold: { lagMs: ctx.lagMs, rpoSeconds: ctx.rpoSeconds } },
    });
  return events;
}
