import type { SendReport } from '../core/send/observation.js';

/*
 * How many SENDs run at once, in two nested bounds: a fixed one per invocation (`Limiter`, the
 * configured `concurrency`), and inside it an adaptive one per source cluster that outlives the
 * invocation (`AdaptiveLimit`, one per cluster in `ClusterLimits`, one set per container).
 */

/** A counting semaphore: at most `limit` tasks run at once; the rest wait in arrival order. */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      return await task();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}

/**
 * How many SENDs one container keeps in flight against one source cluster, found at run time:
 * the window rule TCP uses, and for the same reason (a burst finds the cluster's capacity without
 * flooding it, and several containers on one cluster settle on a fair share each):
 * - slow start: from a small limit, one more slot per good answer (doubling per round) until the
 *   first sign of congestion;
 * - then additive increase, about one slot per limit's worth of good answers;
 * - multiplicative decrease when a node answers 503 (busy) or SEND latency rises well above its
 *   long-run level, at most once per round.
 *
 * Latency is judged on logarithms over a window of 64 SENDs (a geometric mean against a slow
 * long-run average), because SEND time follows object size, which is heavy-tailed: a few large
 * objects must not read as congestion, a whole window running three times slower does.
 */

/** What one SEND told the limit. */
export type LimitSignal =
  /** The SEND got an answer and no node said it was busy. */
  | 'ok'
  /** A node answered 503 (busy), whether or not another node then took the SEND. */
  | 'busy'
  /** Nothing to learn (a network error, an aborted SEND, a bad message). */
  | 'ignore';

export interface AdaptiveLimitOptions {
  /** Where the limit starts. */
  readonly initial: number;
  /** The limit never goes below this. @default 1 */
  readonly min?: number;
  /** The limit never goes above this (the configured SENDs per invocation). */
  readonly max: number;
  /** Factor applied on a decrease. @default 0.7 */
  readonly backoff?: number;
  /** Slots added per limit's worth of good answers once slow start is over. @default 1 */
  readonly increase?: number;
  /**
   * Latency rise that counts as congestion: the geometric mean of the last 64 SEND times above
   * this multiple of the long-run level decreases the limit like a 503. @default 3
   */
  readonly latencyTolerance?: number;
  /** Clock, ms (tests). @default performance.now */
  readonly now?: () => number;
}

/** One acquired slot: give it back with what the SEND showed. */
export interface LimitSlot {
  /**
   * A node answered 503 while the SEND is still running (it fails over, or waits to be retried):
   * the limit is cut now, not when the SEND ends, which for a SEND another node then took can be
   * seconds later, while other SENDs keep meeting a full cluster.
   */
  busy(): void;
  release(signal: LimitSignal, latencyMs?: number): void;
}

/** SENDs in the recent-latency window. */
const WINDOW = 64;
/** Weight of one SEND in the long-run average of log latency. */
const LONG_WEIGHT = 1 / 256;

/** An AIMD concurrency limit with a FIFO queue of waiters. */
export class AdaptiveLimit {
  readonly #min: number;
  readonly #max: number;
  readonly #backoff: number;
  readonly #increase: number;
  readonly #tolerance: number;
  readonly #now: () => number;
  readonly #waiting: (() => void)[] = [];
  #limit: number;
  #inFlight = 0;
  /** Time of the last decrease: only a SEND started after it can cause the next one. */
  #lastDecrease = Number.NEGATIVE_INFINITY;
  #slowStart = true;
  /** Times the limit was full (or a caller waited): tells whether a slot's SEND ran at the limit. */
  #saturations = 0;
  /** Recent log latencies (a ring) and their sum. */
  readonly #recent: number[] = [];
  #recentSum = 0;
  #next = 0;
  #longLog: number | null = null;
  #decreases = 0;

  constructor(o: AdaptiveLimitOptions) {
    this.#min = Math.max(1, o.min ?? 1);
    this.#max = Math.max(this.#min, o.max);
    this.#limit = Math.min(this.#max, Math.max(this.#min, o.initial));
    this.#backoff = o.backoff ?? 0.7;
    this.#increase = o.increase ?? 1;
    this.#tolerance = Math.log(o.latencyTolerance ?? 3);
    this.#now = o.now ?? (() => performance.now());
  }

  /** The current limit (whole SENDs). */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** How often the limit was cut since start. */
  get decreases(): number {
    return this.#decreases;
  }

  /**
   * Waits for a slot, in arrival order. A freed slot is handed to the first waiter (counted in
   * flight at once), so no caller can take it between the release and the waiter's turn; and
   * since every release hands out what it frees, a free slot never exists while someone waits.
   */
  async acquire(): Promise<LimitSlot> {
    if (this.#inFlight < this.limit) this.#inFlight += 1;
    else {
      this.#saturations += 1;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    const mark = this.#saturations;
    if (this.#inFlight >= this.limit) this.#saturations += 1;
    const started = this.#now();
    let released = false;
    return {
      busy: () => {
        if (!released) this.#decrease(started, this.#inFlight);
      },
      release: (signal, latencyMs) => {
        if (released) return;
        released = true;
        // Grow only a limit that was in use while this SEND ran (RFC 7661's rule for an
        // application-limited window): a ceiling far above the demand must not climb on
        // answers it never constrained.
        const binding = this.#saturations !== mark || this.#inFlight >= this.limit;
        const flight = this.#inFlight;
        this.#inFlight -= 1;
        this.#learn(signal, started, latencyMs, binding, flight);
        this.#wake();
      },
    };
  }

  /** Runs `task` in a slot (it may report a busy node early); `judge` reads its result into a signal (and latency). */
  async run<T>(
    task: (slot: LimitSlot) => Promise<T>,
    judge: (result: T) => { signal: LimitSignal; latencyMs?: number },
  ): Promise<T> {
    const slot = await this.acquire();
    try {
      const result = await task(slot);
      const { signal, latencyMs } = judge(result);
      slot.release(signal, latencyMs);
      return result;
    } finally {
      slot.release('ignore');
    }
  }

  #learn(signal: LimitSignal, started: number, latencyMs: number | undefined, binding: boolean, flight: number): void {
    if (signal === 'ignore') return;
    if (signal === 'busy') return this.#decrease(started, flight);
    if (latencyMs !== undefined && this.#congested(latencyMs)) return this.#decrease(started, flight);
    if (!binding) return;
    const step = this.#slowStart ? 1 : this.#increase / this.#limit;
    this.#limit = Math.min(this.#max, this.#limit + step);
  }

  /** True when the recent window's log latency has risen past tolerance over the long run. */
  #congested(latencyMs: number): boolean {
    const log = Math.log(Math.max(1, latencyMs));
    this.#longLog = this.#longLog === null ? log : this.#longLog + LONG_WEIGHT * (log - this.#longLog);
    if (this.#recent.length < WINDOW) this.#recent.push(log);
    else {
      this.#recentSum -= this.#recent[this.#next]!;
      this.#recent[this.#next] = log;
      this.#next = (this.#next + 1) % WINDOW;
    }
    this.#recentSum += log;
    return this.#recent.length === WINDOW && this.#recentSum / WINDOW - this.#longLog > this.#tolerance;
  }

  #decrease(started: number, flight: number): void {
    // One cut per round: the SENDs already in flight when the limit was cut say nothing new.
    if (started <= this.#lastDecrease) return;
    this.#lastDecrease = this.#now();
    this.#slowStart = false;
    // Cut from what was really in flight when not above the limit (TCP's FlightSize rule): a
    // limit that grew past the demand must not absorb the first cut.
    this.#limit = Math.max(this.#min, Math.min(this.#limit, flight) * this.#backoff);
    this.#decreases += 1;
    // The window that showed the rise must refill before it can cut again.
    this.#recent.length = 0;
    this.#recentSum = 0;
    this.#next = 0;
  }

  /** Hands each free slot to the next waiter. */
  #wake(): void {
    while (this.#inFlight < this.limit && this.#waiting.length) {
      this.#inFlight += 1;
      this.#waiting.shift()!();
    }
  }
}

/** Where a new limit starts before slow start grows it. */
export const INITIAL_LIMIT = 8;

/** One adaptive limit per source cluster, kept for the life of the container. */
export class ClusterLimits {
  readonly #limits = new Map<string, AdaptiveLimit>();

  constructor(private readonly options: Omit<AdaptiveLimitOptions, 'initial'> & { initial?: number }) {}

  for(cluster: string): AdaptiveLimit {
    let limit = this.#limits.get(cluster);
    if (!limit) {
      limit = new AdaptiveLimit({
        ...this.options,
        initial: this.options.initial ?? Math.min(this.options.max, INITIAL_LIMIT),
      });
      this.#limits.set(cluster, limit);
    }
    return limit;
  }
}

/** The adaptive limit's ceiling: the largest SENDs-per-invocation the configuration accepts. */
export const MAX_ADAPTIVE_LIMIT = 1000;

/**
 * Slots the limit gains per limit's worth of good answers once it has met congestion. Each
 * container probes for room until a node answers 503; growing at half a slot per round halves
 * how often it probes, and so the 503s of several containers sharing one cluster, while the
 * 30% cut keeps every container near its share (the burst of `npm run bench:realistic`).
 */
export const ADAPTIVE_INCREASE = 0.5;

const byDeps = new WeakMap<object, ClusterLimits>();

/**
 * The adaptive per-cluster limits of one container: one set per dependency object, which every
 * composition root builds once per container (Lambda) or process (local worker), so what a
 * batch learns about a cluster's capacity carries over to the next batch.
 */
export function clusterLimitsOf(deps: object): ClusterLimits {
  let limits = byDeps.get(deps);
  if (!limits) byDeps.set(deps, (limits = new ClusterLimits({ max: MAX_ADAPTIVE_LIMIT, increase: ADAPTIVE_INCREASE })));
  return limits;
}

/**
 * What a SEND teaches the limit: a node answered 503 (busy) on the way; or a clean answer with
 * its duration; or nothing (no answer at all: a network error or the deadline).
 */
export function limitSignalOf(result: SendReport): { signal: LimitSignal; latencyMs?: number } {
  if (result.busy > 0) return { signal: 'busy' };
  if (result.observation.httpStatus === null) return { signal: 'ignore' };
  return { signal: 'ok', latencyMs: result.durationMs };
}
