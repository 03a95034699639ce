import type { UnprovenIdentity } from '../core/copy/content-identity.js';
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunks } from '../adapters/sqs-batches.js';
import type { ReconcileScopeConfig } from '../reconcile-config.js';
import { bucketScopes, DiscoveryError } from './buckets.js';
import { scopeKey } from './run.js';
import { reconcileScope } from './engine.js';
import {
  type HeadPort,
  type ListingPort,
  type ObjectScope,
  type DeletePort,
  type RepairPort,
  type ScopeSummary,
} from './scope-types.js';
import { SwarmSendError } from '../core/errors.js';

/**
 * The scheduled reconcile's work items. A run is started by fanning out one continuation per
 * scope; each continuation names a scope and the marker everything before which is done. The
 * reconcile function works one for as long as its time budget allows and hands itself the next.
 */

/**
 * What a continuation walks: a bucket's named objects, a domain's unnamed objects, or a domain's
 * buckets (fanned out).
 */
export type ContinuationScope = ObjectScope | { readonly kind: 'buckets'; readonly domain: string };

export interface Continuation {
  readonly version: 1;
  /** The run: the schedule's scheduled time (or the time of a manual start). */
  readonly run: string;
  /** When the run started, epoch ms (for the run-duration metric). */
  readonly startedAt: number;
  readonly scope: ContinuationScope;
  /** Everything up to and including this key is done; null = from the start. */
  readonly marker: string | null;
  /** 1 for the first slice of the scope, +1 per continuation. */
  readonly slice: number;
  /** Rows each side listed up to the marker in earlier slices (absent: none, or an older message). */
  readonly listed?: { readonly source: number; readonly dr: number } | undefined;
}

/** Why a message is not a continuation. */
export class ContinuationError extends SwarmSendError {
  constructor(message: string) {
    super('invalid-continuation', message);
    this.name = 'ContinuationError';
  }
}

const str = (v: unknown): v is string => typeof v === 'string';

/** Parses a reconcile queue message; throws {@link ContinuationError} naming what is wrong (never echoes it). */
export function parseContinuation(body: string): Continuation {
  let c: Partial<Continuation> & { scope?: Record<string, unknown> };
  try {
    c = JSON.parse(body) as typeof c;
  } catch {
    throw new ContinuationError('the message is not JSON');
  }
  const s = c?.scope;
  const scopeOk =
    s !== null &&
    typeof s === 'object' &&
    str(s.domain) &&
    ((s.kind === 'named' && str(s.bucket) && s.bucket !== '') ||
      s.kind === 'unnamed' ||
      (s.kind === 'buckets' && s.domain !== ''));
  if (
    c?.version !== 1 ||
    !str(c.run) ||
    !Number.isFinite(c.startedAt) ||
    !scopeOk ||
    !(c.marker === null || str(c.marker)) ||
    !Number.isInteger(c.slice) ||
    (c.slice as number) < 1 ||
    !(c.listed === undefined || (Number.isInteger(c.listed?.source) && Number.isInteger(c.listed?.dr)))
  ) {
    throw new ContinuationError('the message is not a swarm-send reconcile continuation (version 1)');
  }
  return c as Continuation;
}

/** A stable name of a scope (`named:d/b`, `unnamed:d`, `buckets:d`), for logs and FIFO message groups. */
export function scopeName(s: ContinuationScope): string {
  return s.kind === 'buckets' ? `buckets:${s.domain}` : scopeKey(s);
}

const digest = (...parts: (string | number | null)[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/** Where continuations go. */
export interface ContinuationQueue {
  enqueue(items: readonly Continuation[]): Promise<void>;
}

/**
 * Continuations on an SQS queue. On a FIFO queue (the construct's), each (run, scope) is its own
 * message group, so one scope is worked by one invocation at a time while scopes run in
 * parallel; the deduplication id is (run, scope, marker, slice), so a start retried by Scheduler
 * or a slice repeated after a crash hands over the same continuation, which SQS drops within its
 * five-minute deduplication window, while a slice that made no progress (stopped before its
 * first batch was done) still hands over a new one. Throws when SQS keeps refusing an entry: the caller must not
 * acknowledge the slice that produced it.
 */
export function sqsContinuationQueue(sqs: SQSClient, queueUrl: string): ContinuationQueue {
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async enqueue(items) {
      for (const batch of chunks(items)) {
        let pending = batch.map((c, i) => ({ c, id: String(i) }));
        for (let attempt = 1; pending.length; attempt++) {
          const res = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: pending.map(({ c, id }) => ({
                Id: id,
                MessageBody: JSON.stringify(c),
                ...(fifo && {
                  MessageGroupId: digest(c.run, scopeName(c.scope)),
                  MessageDeduplicationId: digest(c.run, scopeName(c.scope), c.marker, c.slice),
                }),
              })),
            }),
          );
          const failed = new Set((res.Failed ?? []).map((f) => f.Id));
          if (failed.size && attempt >= 3) {
            const f = res.Failed![0]!;
            throw new Error(
              `the reconcile queue refused ${failed.size} continuation(s): ${f.Code} ${f.Message ?? ''}`.trim(),
            );
          }
          pending = pending.filter((p) => failed.has(p.id));
        }
      }
    },
  };
}

/**
 * The first continuations of a run: per configured domain, its buckets (or a bucket fan-out) and
 * its unnamed objects.
 */
export function startContinuations(
  scopes: readonly ReconcileScopeConfig[],
  run: string,
  startedAt: number,
): Continuation[] {
  const out: Continuation[] = [];
  const first = (scope: ContinuationScope): Continuation => ({
    version: 1,
    run,
    startedAt,
    scope,
    marker: null,
    slice: 1,
  });
  for (const s of scopes) {
    if (s.buckets === undefined) out.push(first({ kind: 'buckets', domain: s.domain }));
    else for (const bucket of s.buckets) out.push(first({ kind: 'named', domain: s.domain, bucket }));
    if (s.unnamed) out.push(first({ kind: 'unnamed', domain: s.domain }));
  }
  return out;
}

export interface SliceDeps {
  readonly source: ListingPort;
  readonly dr: ListingPort;
  readonly heads: HeadPort;
  /** null: report mode. */
  readonly repair: (run: string) => RepairPort | null;
  /** Deletes confirmed extra-on-dr objects; null: they are reported only. */
  readonly deleteExtra?: DeletePort | null;
  readonly queue: ContinuationQueue;
  readonly graceMs: number;
  /** The route's `unprovenIdentity`. @default "fail" */
  readonly unprovenIdentity?: UnprovenIdentity | undefined;
  readonly clock?: () => number;
}

/** What one slice did. */
export type SliceResult =
  | { readonly kind: 'fanned-out'; readonly buckets: number }
  | { readonly kind: 'worked'; readonly summary: ScopeSummary; readonly next: Continuation | null }
  /** The slice made no progress and ended in an error: the message must be delivered again. */
  | { readonly kind: 'failed'; readonly summary: ScopeSummary | null; readonly error: string };

/**
 * Works one continuation until `stopAt` (soft) or `signal` (hard). A bucket fan-out lists the
 * domain's buckets on both clusters (DR-only buckets hold objects extra on DR) and enqueues one
 * continuation per bucket. An object scope runs the engine from the marker; when it stops early,
 * the next continuation (from the marker the engine reached) is enqueued before this one is
 * acknowledged. A listing error with progress hands over the progress; without, the slice fails
 * and SQS delivers it again (and dead-letters it after the queue's maxReceiveCount).
 */
export async function workSlice(
  c: Continuation,
  deps: SliceDeps,
  stopAt: number,
  signal?: AbortSignal,
): Promise<SliceResult> {
  if (c.scope.kind === 'buckets') {
    const domain = c.scope.domain;
    // Streamed: each page pair of both bucket listings becomes continuations as it comes.
    let buckets = 0;
    let pending: Continuation[] = [];
    try {
      for await (const scope of bucketScopes(domain, deps.source, deps.dr, signal)) {
        pending.push({ ...c, scope, marker: null, slice: 1 });
        buckets++;
        if (pending.length >= 100) {
          await deps.queue.enqueue(pending);
          pending = [];
        }
      }
      if (pending.length) await deps.queue.enqueue(pending);
      return { kind: 'fanned-out', buckets };
    } catch (err) {
      if (err instanceof DiscoveryError)
        return { kind: 'failed', summary: null, error: `${err.side ?? 'walk'} ${err.code}: ${err.message}` };
      throw err;
    }
  }
  const summary = await reconcileScope({
    scope: c.scope,
    marker: c.marker,
    listedBefore: c.listed,
    source: deps.source,
    dr: deps.dr,
    heads: deps.heads,
    repair: deps.repair(c.run),
    deleteExtra: deps.deleteExtra ?? null,
    graceMs: deps.graceMs,
    unprovenIdentity: deps.unprovenIdentity,
    stopAt,
    ...(signal && { signal }),
    ...(deps.clock && { clock: deps.clock }),
  });
  const next: Continuation | null = summary.complete
    ? null
    : { ...c, marker: summary.marker, slice: c.slice + 1, listed: summary.listed };
  if (summary.stopped === 'error') {
    const error = `${summary.error!.side ?? 'walk'} ${summary.error!.code}: ${summary.error!.message}`;
    if (summary.marker === c.marker) return { kind: 'failed', summary, error };
  }
  if (next) await deps.queue.enqueue([next]);
  return { kind: 'worked', summary, next };
}
