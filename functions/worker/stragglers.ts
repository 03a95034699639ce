import type { StragglerOptions } from '../config.js';

/**
 * The straggler policy: a Lambda invocation is billed until its slowest SEND ends, and SEND time
 * follows object size, which is heavy-tailed. Once a batch is in its tail (every SEND started,
 * most slots idle), a SEND that has run far longer than the batch's typical one stops being
 * waited for: the client lets go of the stream and the message goes back to the queue with a
 * visibility long enough for the source node to finish the copy it already started. The next
 * SEND then gets 409 in one round trip (swarm-scsp.md row T3: the work may finish server-side).
 *
 * Trade-off, measured in `npm run bench:realistic`: billed time and per-container throughput
 * improve because no invocation idles for one large object; in exchange a handed-back object
 * replicates a little later and costs one extra (short) SEND. Should a node stop copying when
 * its client goes away, the retry copies the object again and waits for it in full: a message
 * is handed back at most once (on its first receive), so nothing loops or is dead-lettered for
 * being large.
 */

/** The policy's values where the configuration sets none. */
export const DEFAULT_STRAGGLER_POLICY: StragglerOptions = { enabled: true, tailShare: 0.25, factor: 4, minMs: 500 };

/**
 * The policy a batch runs with: the configured values over the defaults (the one place they are
 * merged). FIFO records are waited for in full: handing one back would break its group's order.
 */
export function stragglerPolicy(configured: Partial<StragglerOptions> | undefined, fifo: boolean): StragglerOptions {
  return { ...DEFAULT_STRAGGLER_POLICY, ...configured, ...(fifo ? { enabled: false } : {}) };
}

/** How often the tail is looked at while SENDs run, ms. */
const TICK_MS = 100;

interface Running {
  readonly started: number;
  readonly controller: AbortController;
  readonly eligible: boolean;
  readonly deadline: AbortSignal;
}

/** Watches one batch's SENDs and aborts the stragglers of its tail. */
export class StragglerWatch {
  readonly #running = new Map<object, Running>();
  readonly #settledMs: number[] = [];
  /** One listener per deadline forwards it to every running SEND; removed when none runs. */
  readonly #forwarders = new Map<AbortSignal, () => void>();
  #total = Number.POSITIVE_INFINITY;
  #begun = 0;
  #timer: NodeJS.Timeout | undefined;
  handedBack = 0;

  constructor(
    private readonly options: StragglerOptions,
    private readonly slots: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How many SENDs the batch makes in all; the tail cannot start before every one began. */
  setTotal(total: number): void {
    this.#total = total;
    this.#check();
  }

  /**
   * Registers a SEND as it starts and returns its signal: it aborts at the batch `deadline`, or
   * when the SEND is handed back. `eligible` false (a message already handed back once, a FIFO
   * record) makes it be waited for in full. The deadline reaches the SENDs through one listener
   * of the watch, removed once no SEND runs (AbortSignal.any would leave a dependent on a
   * deadline that lives as long as its timer; a listener per SEND costs two EventTarget calls).
   */
  begin(key: object, eligible: boolean, deadline: AbortSignal): AbortSignal {
    const controller = new AbortController();
    if (deadline.aborted) controller.abort(deadline.reason);
    else this.#forward(deadline);
    this.#running.set(key, { started: this.now(), controller, eligible: eligible && this.options.enabled, deadline });
    this.#begun += 1;
    if (this.options.enabled && !this.#timer) {
      this.#timer = setInterval(() => this.#check(), TICK_MS);
      this.#timer.unref();
    }
    return controller.signal;
  }

  /** Records a SEND's end (handed back or not). */
  settle(key: object): void {
    const run = this.#running.get(key);
    if (!run) return;
    this.#running.delete(key);
    if (this.#running.size === 0) this.#unlink();
    if (!run.controller.signal.aborted) this.#settledMs.push(this.now() - run.started);
    this.#check();
  }

  #forward(deadline: AbortSignal): void {
    if (this.#forwarders.has(deadline)) return;
    const forward = (): void => {
      for (const run of this.#running.values()) if (run.deadline === deadline) run.controller.abort(deadline.reason);
    };
    deadline.addEventListener('abort', forward, { once: true });
    this.#forwarders.set(deadline, forward);
  }

  #unlink(): void {
    for (const [deadline, forward] of this.#forwarders) deadline.removeEventListener('abort', forward);
    this.#forwarders.clear();
  }

  /** Stops the timer; call when the batch is done. */
  close(): void {
    this.#unlink();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #cutoffMs(): number {
    const s = [...this.#settledMs].sort((a, b) => a - b);
    const median = s.length ? s[Math.floor(s.length / 2)]! : Number.POSITIVE_INFINITY;
    return Math.max(this.options.minMs, this.options.factor * median);
  }

  #check(): void {
    if (!this.options.enabled || this.#begun < this.#total) return;
    if (this.#running.size > Math.max(1, Math.floor(this.options.tailShare * this.slots))) return;
    const now = this.now();
    let cutoff: number | null = null;
    for (const run of this.#running.values()) {
      const ranMs = now - run.started;
      // The cutoff is never below minMs: the median is only worked out for a SEND that old.
      if (!run.eligible || run.controller.signal.aborted || ranMs < this.options.minMs) continue;
      cutoff ??= this.#cutoffMs();
      if (ranMs >= cutoff) {
        run.controller.abort();
        this.handedBack += 1;
      }
    }
  }
}
