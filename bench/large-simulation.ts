/**
 * The discrete-event simulation behind `npm run bench:large` (docs/performance.md, "Large objects
 * (bench:large)"): SQS queues, Lambda invocations with their cap and concurrency limit, a
 * long-running tier, and the copies on one modelled link (bench/large-link.ts), in simulated
 * time. Seeded and deterministic: the same workload and scenario give the same result.
 *
 * The decisions are the product's own: `transferBudget`, `LinkEstimate` (with
 * `recordUnfinished`), `sharedRate` and `waitOutSeconds` (functions/core/copy/transfer-budget.ts),
 * `largeObjectPolicy` (functions/core/registry/route-large-objects.ts), `renewsInsteadOfWaiting`
 * (functions/core/outcome/large-object-decision.ts) and the worker's `backoffSeconds`. It models
 * the worker's large-object rules (docs/large-objects.md; docs/performance.md, "Large objects
 * (bench:large)"): a wait that is not a failure is renewed as a fresh message (functions/worker/settle.ts);
 * a re-attempt of a large object that fits holds while its copy is expected to run (`awaiting-copy`,
 * not counted); a SEND cut short bounds the estimate; the budget plans with the link's share left
 * by the worker process's own large SENDs in flight (`LinkEstimates.carrying`).
 */
import {
  feedAskAgainSeconds,
  LinkEstimate,
  sharedRate,
  transferBudget,
  waitOutSeconds,
} from '../functions/core/copy/transfer-budget.js';
import { renewsInsteadOfWaiting } from '../functions/core/outcome/large-object-decision.js';
import { OUTCOME, type Reason } from '../functions/core/outcome/outcome.js';
import { largeObjectPolicy, type LargeObjectPolicy } from '../functions/core/registry/route-large-objects.js';
import { backoffSeconds } from '../functions/worker/backoff.js';
import { createRandom } from '../simulator/random.js';
import { SharedLink } from './large-link.js';
import type { RunResult, Scenario } from './large-scenario.js';
import { MinHeap } from './min-heap.js';
import {
  copyStartOf,
  fresh,
  isReattempt,
  percentile,
  type Attempt,
  type Batch,
  type Event,
  type Msg,
  type ObjectState,
  type Queue,
  type Settlement,
  type SimCopy,
} from './large-state.js';
import type { WorkloadObject } from './large-workload.js';

/** The outcome reason of rule 2's hold, the product's (a `retry` never counted against maxAttempts). */
export const HOLD_REASON: Reason = 'awaiting-copy';
/** SQS's longest DelaySeconds: a renewed message waits at most this long before it is visible. */
export const MAX_DELAY_SECONDS = 900;

class LargeObjectSimulation {
  #now = 0;
  #seq = 0;
  readonly #events = new MinHeap<Event>((a, b) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq));
  readonly #link: SharedLink;
  /** One link estimate per worker process (Lambda container, tier task), as the product keeps one per process. */
  readonly #estimates = new Map<string, LinkEstimate>();
  /** Large legacy SENDs running now per worker process (`LinkEstimates.inFlight`). */
  readonly #inFlight = new Map<string, number>();
  readonly #policy: LargeObjectPolicy | null;
  readonly #random: () => number;
  readonly #objects: ObjectState[];
  readonly #visible: Record<Queue, Msg[]> = { send: [], large: [] };
  /** Consumers at work per queue, by slot. */
  readonly #busy: Record<Queue, boolean[]> = { send: [], large: [] };
  readonly #reasons: Record<string, number> = {};
  #wastedBytes = 0;
  #lambdaInvocations = 0;
  #lambdaBilledMs = 0;
  #tierMs = 0;
  #redriven = 0;
  #deadLettered = 0;
  #renewals = 0;
  #holds = 0;

  constructor(
    objects: readonly WorkloadObject[],
    private readonly s: Scenario,
  ) {
    this.#link = new SharedLink(s.linkMbps, s.sharing);
    this.#policy =
      s.strategy === 'today' ? null : largeObjectPolicy({ linkMbps: s.linkMbps, ...s.policy, via: s.strategy });
    const random = createRandom(s.seed);
    this.#random = () => random.next();
    this.#objects = objects.map((o) => ({
      o,
      landedAtMs: null,
      copies: new Set(),
      feed: null,
      feedWaiters: new Set(),
      done: null,
      lagMs: Number.NaN,
      waitMs: Number.NaN,
      lambdaMs: 0,
      lambdaAttempts: 0,
      longestLambdaMs: 0,
      cutAttempts: 0,
      receives: 0,
    }));
    for (const obj of this.#objects) this.#at(obj.o.arrivalMs, () => this.#visibleNow(fresh(obj, 'send')));
  }

  #at(atMs: number, run: () => void): void {
    this.#events.push({ atMs, seq: this.#seq++, run });
  }

  run(): RunResult {
    for (;;) {
      const next = this.#events.peek();
      const linkEnd = this.#link.nextEndMs();
      if (!next && linkEnd === Number.POSITIVE_INFINITY) break;
      if (linkEnd <= (next?.atMs ?? Number.POSITIVE_INFINITY)) {
        this.#now = Math.max(this.#now, linkEnd);
        this.#link.advance(this.#now);
        this.#link.endNext();
      } else {
        this.#events.pop();
        this.#now = Math.max(this.#now, next!.atMs);
        this.#link.advance(this.#now);
        next!.run();
      }
    }
    return this.#result();
  }

  #visibleNow(msg: Msg): void {
    this.#visible[msg.queue].push(msg);
    this.#dispatch(msg.queue);
  }

  /** Starts batches while a consumer is free: Lambda on the SEND queue, the tier on the large-object queue. */
  #dispatch(queue: Queue): void {
    const m = this.s.model;
    const [slots, size] =
      queue === 'send' ? [m.lambdaConcurrency, m.batchSize] : [m.tierTasks * m.tierCopiesPerTask, m.tierBatchSize];
    const visible = this.#visible[queue];
    const busy = this.#busy[queue];
    for (;;) {
      let slot = busy.indexOf(false);
      if (slot < 0) slot = busy.length;
      if (slot >= slots || !visible.length) return;
      const taken: Msg[] = [];
      while (taken.length < size && visible.length) {
        const msg = visible.shift()!;
        msg.receives++;
        if (msg.receives === 1) msg.firstReceiveMs = this.#now;
        msg.obj.receives = Math.max(msg.obj.receives, msg.receives);
        if (msg.receives > m.maxReceiveCount) {
          this.#redriven++;
          msg.obj.done = 'redriven';
          continue;
        }
        taken.push(msg);
      }
      if (taken.length) this.#startBatch(queue, slot, taken);
    }
  }

  /** The worker process a batch runs in: its Lambda container, or its tier task (`tierCopiesPerTask` batches). */
  #processOf(batch: Batch): string {
    return batch.kind === 'lambda'
      ? `lambda:${batch.slot}`
      : `tier:${Math.floor(batch.slot / this.s.model.tierCopiesPerTask)}`;
  }

  #estimateOf(batch: Batch): LinkEstimate {
    const key = this.#processOf(batch);
    let estimate = this.#estimates.get(key);
    if (!estimate) this.#estimates.set(key, (estimate = new LinkEstimate(this.#policy!.linkMbps)));
    return estimate;
  }

  #startBatch(queue: Queue, slot: number, msgs: readonly Msg[]): void {
    const m = this.s.model;
    const lambda = queue === 'send';
    const batch: Batch = {
      kind: lambda ? 'lambda' : 'tier',
      slot,
      startMs: this.#now,
      deadlineMs: lambda ? this.#now + m.lambdaTimeoutMs - m.deadlineMarginMs : Number.POSITIVE_INFINITY,
      pending: msgs.length,
      ended: false,
      attempts: [],
      sendMs: [],
      retries: [],
    };
    this.#busy[queue][slot] = true;
    for (const msg of msgs) {
      const attempt: Attempt = {
        msg,
        batch,
        startMs: this.#now,
        settled: false,
        copy: null,
        sendStartMs: Number.NaN,
        aborted: false,
        budget: null,
        handBack: false,
        largeSend: false,
      };
      batch.attempts.push(attempt);
      this.#at(this.#now + m.invokeOverheadMs, () => this.#decide(attempt));
    }
    if (lambda) this.#at(batch.deadlineMs, () => this.#deadline(batch));
  }

  /**
   * Plans an attempt as the worker does: the transfer budget on this process's estimate, shared
   * with the large SENDs it already runs (rule 3; each counted from its SEND's start, as
   * `LinkEstimates.carrying`). An object that does not fit goes the policy's way; a re-attempt
   * of a large object that fits first HEADs DR, then holds while its copy is expected to run
   * (rule 2), else SENDs: on the tier; under a Lambda's cap it goes the policy's way instead (an
   * earlier attempt here did not end it).
   */
  #decide(a: Attempt): void {
    const policy = this.#policy;
    if (!policy) return this.#legacySend(a);
    const remainingMs = a.batch.kind === 'tier' ? null : a.batch.deadlineMs - this.#now;
    const running = this.#inFlight.get(this.#processOf(a.batch)) ?? 0;
    const rate = sharedRate(this.#estimateOf(a.batch).rate, running);
    const budget = (a.budget = transferBudget(a.msg.obj.o.bytes, rate, policy, remainingMs));
    if (!budget.fits) return policy.via === 'feed' ? this.#feedSend(a) : this.#moveToTier(a);
    if (!budget.large || !isReattempt(a.msg)) return this.#legacySend(a);
    this.#at(this.#now + this.s.model.headMs, () => {
      if (a.settled) return;
      const obj = a.msg.obj;
      if (obj.landedAtMs !== null) return this.#settle(a, { kind: 'success', reason: 'copy-landed' });
      const start = copyStartOf(a.msg);
      if (start + budget.expectedMs <= this.#now) {
        // Under a cap a large re-attempt goes the policy's way, never another SEND that may be cut.
        if (remainingMs === null) return this.#legacySend(a);
        return policy.via === 'feed' ? this.#feedSend(a) : this.#moveToTier(a);
      }
      const seconds = waitOutSeconds(start, budget.expectedMs, this.#now, this.#backoff(a));
      this.#holds++;
      this.#settle(a, { kind: 'retry', reason: HOLD_REASON, counted: false, seconds });
    });
  }

  #moveToTier(a: Attempt): void {
    this.#at(this.#now + this.s.model.enqueueMs, () => {
      if (a.settled) return;
      this.#at(this.#now, () => this.#visibleNow(fresh(a.msg.obj, 'large')));
      this.#settle(a, { kind: 'ack', reason: 'moved-to-long-running-tier' });
    });
  }

  /**
   * A SEND's round trips, then `then`, unless the attempt ended meanwhile or DR already has the
   * object (the SEND answers at once: `onDr` is its reason).
   */
  #send(a: Attempt, onDr: string, then: (obj: ObjectState) => void): void {
    a.sendStartMs = this.#now;
    // Today every first receive may be handed back; the policy never hands back a large object or a feed SEND.
    a.handBack = a.msg.receives === 1 && !a.budget?.large && a.budget?.fits !== false;
    this.#stragglers(a.batch);
    this.#at(this.#now + this.s.model.sendSetupMs, () => {
      if (a.settled) return;
      const obj = a.msg.obj;
      if (obj.landedAtMs !== null) return this.#settle(a, { kind: 'success', reason: onDr });
      then(obj);
    });
  }

  /** A copy of `obj` on the link; `attempt` is the legacy SEND that waits for it (null: a feed's). */
  #startCopy(obj: ObjectState, attempt: Attempt | null): SimCopy {
    const copy: SimCopy = {
      bytes: obj.o.bytes,
      obj,
      attempt,
      onDone: () => {
        if (copy.attempt && this.#policy)
          this.#estimateOf(copy.attempt.batch).record(obj.o.bytes, this.#now - copy.attempt.sendStartMs);
        this.#land(copy);
      },
    };
    obj.copies.add(copy);
    this.#link.start(copy);
    return copy;
  }

  #legacySend(a: Attempt): void {
    if (a.budget?.large) {
      a.largeSend = true;
      const key = this.#processOf(a.batch);
      this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    }
    this.#send(a, 'already-present', (obj) => {
      a.copy = this.#startCopy(obj, a);
    });
  }

  /** A feed SEND with the policy's short timeout: status 0 once the feed's copy has landed, else 1. */
  #feedSend(a: Attempt): void {
    const policy = this.#policy!;
    this.#send(a, 'replicated', (obj) => {
      obj.feed ??= this.#startCopy(obj, null);
      obj.feedWaiters.add(a);
      this.#at(this.#now + policy.feedTimeoutSeconds * 1000, () => {
        if (a.settled) return;
        obj.feedWaiters.delete(a);
        this.#stillCopying(a);
      });
    });
  }

  /**
   * Status 1: the feed still copies; the message comes back after the rest of the expected
   * duration from its copy start, at least the feed's timeout or half the time the copy has run
   * (the product's `feedAskAgainSeconds`).
   */
  #stillCopying(a: Attempt): void {
    const start = copyStartOf(a.msg);
    const minSeconds = feedAskAgainSeconds(this.#policy!.feedTimeoutSeconds, start, this.#now);
    const seconds = waitOutSeconds(start, a.budget!.expectedMs, this.#now, minSeconds);
    this.#settle(a, { kind: 'retry', reason: 'copying-in-background', counted: false, seconds });
  }

  #backoff(a: Attempt): number {
    const m = this.s.model;
    return Math.max(1, backoffSeconds(a.msg.receives, m.backoffBaseSeconds, m.backoffCapSeconds, this.#random));
  }

  /** A copy landed on DR: every other copy of the object stops (its bytes wasted), and whoever waited is told. */
  #land(copy: SimCopy): void {
    const obj = copy.obj;
    obj.copies.delete(copy);
    obj.landedAtMs = this.#now;
    for (const other of obj.copies) {
      this.#wastedBytes += this.#link.stop(other);
      if (other.attempt && !other.attempt.settled)
        this.#settle(other.attempt, { kind: 'success', reason: 'already-present' });
    }
    obj.copies.clear();
    if (copy.attempt && !copy.attempt.settled) this.#settle(copy.attempt, { kind: 'success', reason: 'replicated' });
    for (const waiter of obj.feedWaiters) this.#settle(waiter, { kind: 'success', reason: 'replicated' });
    obj.feedWaiters.clear();
  }

  /** The invocation's deadline: every SEND still running ends on the client's side. */
  #deadline(batch: Batch): void {
    if (batch.ended) return;
    for (const a of batch.attempts) if (!a.settled) this.#endOnClientSide(a, 'deadline-exceeded');
  }

  /**
   * The straggler policy (functions/worker/stragglers.ts) of a Lambda batch: once every SEND of
   * the batch began, a SEND on its message's first receive that has run `factor` times the
   * batch's median SEND (and at least `minMs`) is no longer waited for.
   */
  #stragglers(batch: Batch): void {
    const policy = this.s.model.stragglers;
    if (!policy.enabled || batch.ended || batch.kind !== 'lambda') return;
    if (batch.attempts.some((a) => !a.settled && Number.isNaN(a.sendStartMs))) return;
    const sorted = [...batch.sendMs].sort((x, y) => x - y);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.POSITIVE_INFINITY;
    const cutoff = Math.max(policy.minMs, policy.factor * median);
    if (!Number.isFinite(cutoff)) return;
    for (const a of batch.attempts) {
      if (a.settled || !a.handBack) continue;
      const at = a.sendStartMs + cutoff;
      if (at <= this.#now) this.#endOnClientSide(a, 'handed-back');
      else this.#at(at, () => this.#stragglers(batch));
    }
  }

  /**
   * A SEND that ends on the client's side: at the deadline, or handed back. A legacy SEND's copy
   * goes on or is abandoned (the disconnect behaviour); a feed's copy goes on regardless.
   */
  #endOnClientSide(a: Attempt, how: 'deadline-exceeded' | 'handed-back'): void {
    const obj = a.msg.obj;
    const ranMs = this.#now - a.sendStartMs;
    a.aborted = true;
    if (obj.feedWaiters.delete(a)) return this.#stillCopying(a);
    const copy = a.copy;
    if (copy) {
      if (how === 'deadline-exceeded') obj.cutAttempts++;
      copy.attempt = null;
      if (this.s.disconnect === 'copy-abandoned') {
        this.#wastedBytes += this.#link.stop(copy);
        obj.copies.delete(copy);
      }
    }
    if (this.#policy && a.budget?.large && copy) {
      this.#estimateOf(a.batch).recordUnfinished(obj.o.bytes, ranMs);
      const seconds = waitOutSeconds(a.sendStartMs, a.budget.expectedMs, this.#now, this.#backoff(a));
      return this.#settle(a, { kind: 'retry', reason: 'awaiting-copy', counted: true, seconds });
    }
    const seconds = how === 'handed-back' ? Math.max(1, Math.ceil((2 * ranMs) / 1000)) : this.#backoff(a);
    this.#settle(a, { kind: 'retry', reason: how, counted: true, seconds });
  }

  #settle(a: Attempt, s: Settlement): void {
    a.settled = true;
    const obj = a.msg.obj;
    const batch = a.batch;
    if (a.largeSend) {
      const key = this.#processOf(batch);
      this.#inFlight.set(key, this.#inFlight.get(key)! - 1);
    }
    this.#reasons[s.reason] = (this.#reasons[s.reason] ?? 0) + 1;
    if (batch.kind === 'lambda') {
      if (!a.aborted && !Number.isNaN(a.sendStartMs)) batch.sendMs.push(this.#now - a.sendStartMs);
      const ms = this.#now - a.startMs;
      obj.lambdaMs += ms;
      obj.lambdaAttempts++;
      obj.longestLambdaMs = Math.max(obj.longestLambdaMs, ms);
    }
    if (s.kind === 'success') {
      obj.done = 'replicated';
      obj.lagMs = this.#now - obj.o.arrivalMs;
      obj.waitMs = a.startMs - obj.o.arrivalMs;
    } else if (s.kind === 'retry') {
      const { maxAttempts } = this.s.model;
      const attempt = a.msg.receives;
      if (s.counted && attempt >= maxAttempts) {
        obj.done = 'dead-lettered';
        this.#deadLettered++;
      } else if (renewsInsteadOfWaiting({ outcome: OUTCOME.RETRY, reason: s.reason as Reason, attempt }, maxAttempts)) {
        // Rule 1: a wait that is not a failure is carried by a fresh message, not another receive.
        this.#renewals++;
        const msg = fresh(obj, a.msg.queue, copyStartOf(a.msg));
        batch.retries.push({ msg, seconds: Math.min(s.seconds, MAX_DELAY_SECONDS) });
      } else batch.retries.push({ msg: a.msg, seconds: s.seconds });
    }
    if (--batch.pending === 0) this.#endBatch(batch);
    else this.#stragglers(batch);
  }

  /** The batch returns: its retries become visible after their delays, its consumer is free. */
  #endBatch(batch: Batch): void {
    batch.ended = true;
    const ms = this.#now - batch.startMs;
    const queue: Queue = batch.kind === 'lambda' ? 'send' : 'large';
    if (batch.kind === 'lambda') {
      this.#lambdaInvocations++;
      this.#lambdaBilledMs += Math.ceil(ms);
    } else this.#tierMs += ms;
    for (const r of batch.retries) this.#at(this.#now + r.seconds * 1000, () => this.#visibleNow(r.msg));
    this.#busy[queue][batch.slot] = false;
    this.#at(this.#now, () => this.#dispatch(queue));
  }

  #result(): RunResult {
    const rate = this.#link.bytesPerMs * 1000;
    const small = this.#objects.filter((o) => !o.o.tail && o.done === 'replicated');
    const lags = small.map((o) => o.lagMs).sort((x, y) => x - y);
    const waits = small.map((o) => o.waitMs).sort((x, y) => x - y);
    const tail = this.#objects.filter((o) => o.o.tail);
    const tailLags = tail
      .filter((o) => o.done === 'replicated')
      .map((o) => o.lagMs)
      .sort((x, y) => x - y);
    const perTail = (f: (o: ObjectState) => number) =>
      tail.length ? tail.reduce((s, o) => s + f(o), 0) / tail.length : 0;
    return {
      objects: this.#objects.length,
      tailObjects: tail.length,
      bytesOffered: this.#objects.reduce((sum, o) => sum + o.o.bytes, 0),
      deadLettered: this.#deadLettered,
      renewals: this.#renewals,
      holds: this.#holds,
      redriven: this.#redriven,
      lostButLanded: this.#objects.filter(
        (o) => (o.done === 'dead-lettered' || o.done === 'redriven') && o.landedAtMs !== null,
      ).length,
      notOnDr: this.#objects.filter((o) => o.landedAtMs === null).length,
      linkUsedSeconds: this.#link.bytesMoved / rate,
      linkWastedSeconds: this.#wastedBytes / rate,
      small: {
        replicated: small.length,
        lagP50Ms: percentile(lags, 0.5),
        lagP99Ms: percentile(lags, 0.99),
        waitP99Ms: percentile(waits, 0.99),
      },
      tail: {
        lambdaSecondsPerObject: perTail((o) => o.lambdaMs) / 1000,
        invocationsPerObject: perTail((o) => o.lambdaAttempts),
        cutAttempts: tail.reduce((s, o) => s + o.cutAttempts, 0),
        longestLambdaAttemptSeconds: Math.max(0, ...tail.map((o) => o.longestLambdaMs)) / 1000,
        tierTaskSecondsPerObject: tail.length ? this.#tierMs / 1000 / tail.length : 0,
        maxReceives: Math.max(0, ...tail.map((o) => o.receives)),
        lagP50Ms: percentile(tailLags, 0.5),
        lagP99Ms: percentile(tailLags, 0.99),
        lastLandedHours: Math.max(0, ...tail.map((o) => o.landedAtMs ?? 0)) / 3600_000,
      },
      lambdaInvocations: this.#lambdaInvocations,
      lambdaBilledSeconds: this.#lambdaBilledMs / 1000,
      reasons: Object.fromEntries(Object.entries(this.#reasons).sort(([x], [y]) => x.localeCompare(y))),
      endHours: this.#now / 3600_000,
    };
  }
}

/** Runs one scenario over a workload to the end (every message settled, every copy ended). */
export function simulate(objects: readonly WorkloadObject[], scenario: Scenario): RunResult {
  return new LargeObjectSimulation(objects, scenario).run();
}
