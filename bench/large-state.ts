/**
 * The state of the large-object simulation (bench/large-simulation.ts): each object, the SQS
 * messages that carry it, the batches (a Lambda invocation or a tier task's batch) and the
 * attempts in them, and the copies on the link.
 */
import type { TransferBudget } from '../functions/core/copy/transfer-budget.js';
import type { Copy } from './large-link.js';
import type { WorkloadObject } from './large-workload.js';

export type Queue = 'send' | 'large';

export interface ObjectState {
  readonly o: WorkloadObject;
  landedAtMs: number | null;
  readonly copies: Set<SimCopy>;
  feed: SimCopy | null;
  readonly feedWaiters: Set<Attempt>;
  done: 'replicated' | 'dead-lettered' | 'redriven' | null;
  lagMs: number;
  waitMs: number;
  lambdaMs: number;
  lambdaAttempts: number;
  longestLambdaMs: number;
  cutAttempts: number;
  receives: number;
}

export interface Msg {
  readonly obj: ObjectState;
  readonly queue: Queue;
  receives: number;
  /** SQS's ApproximateFirstReceiveTimestamp (NaN before the first receive). */
  firstReceiveMs: number;
  /** A renewed message carries the copy start of the message it renews. */
  readonly carriedStartMs: number | null;
}

export const fresh = (obj: ObjectState, queue: Queue, carriedStartMs: number | null = null): Msg => ({
  obj,
  queue,
  receives: 0,
  firstReceiveMs: Number.NaN,
  carriedStartMs,
});

/** When the message's copy is taken to have started: its first receive, or the carried start of a renewed one. */
export const copyStartOf = (msg: Msg): number => msg.carriedStartMs ?? msg.firstReceiveMs;
/** A re-attempt: not the message's first receive, or a renewed message. */
export const isReattempt = (msg: Msg): boolean => msg.receives > 1 || msg.carriedStartMs !== null;

export interface Batch {
  readonly kind: 'lambda' | 'tier';
  /** The consumer: a Lambda container or a tier task, each with its own link estimate. */
  readonly slot: number;
  readonly startMs: number;
  readonly deadlineMs: number;
  pending: number;
  ended: boolean;
  readonly attempts: Attempt[];
  /** Durations of the batch's SENDs that ended on their own (the straggler policy's median). */
  readonly sendMs: number[];
  readonly retries: { readonly msg: Msg; readonly seconds: number }[];
}

export interface Attempt {
  readonly msg: Msg;
  readonly batch: Batch;
  readonly startMs: number;
  settled: boolean;
  copy: SimCopy | null;
  sendStartMs: number;
  /** The SEND ended on the client's side (deadline or hand-back). */
  aborted: boolean;
  budget: TransferBudget | null;
  /** The straggler policy may hand this SEND back. */
  handBack: boolean;
  /** A legacy SEND of a large object, in its process's SENDs in flight from its start (what `sharedRate` counts). */
  largeSend: boolean;
}

export interface SimCopy extends Copy {
  readonly obj: ObjectState;
  attempt: Attempt | null;
}

export type Settlement =
  | { readonly kind: 'success'; readonly reason: string }
  | { readonly kind: 'ack'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly counted: boolean; readonly seconds: number };

export interface Event {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
