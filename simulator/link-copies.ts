/**
 * The copies of objects between clusters that SENDs start, each running for its transfer time
 * on its own clock, apart from the connection that asked for it: so a copy can outlive its
 * client (a legacy SEND under `copy-finishes`, every feed copy) or be given up with it
 * (`copy-abandoned`). The link time every copy used is counted on the node that started it.
 */
import type { NodeCounters } from './counters.js';
import type { StoredObject } from './types.js';

/** What identifies "the same copy": the destination cluster and the object version. */
export function copyKey(destination: string, obj: Pick<StoredObject, 'uuid' | 'version'>): string {
  return `${destination}\u0000${obj.uuid}@${obj.version}`;
}

/** What a copy needs to run. */
export interface CopyInput {
  /** {@link copyKey} of the destination and object. */
  readonly key: string;
  /** Its transfer time, ms (0: it ends when its SEND says so, see {@link LinkCopy.end}). */
  readonly durationMs: number;
  /** The counters of the node that runs it. */
  readonly stats: NodeCounters;
  /** Stores the object at the destination (and whatever else the copy records). */
  readonly store: () => void;
}

/** One copy in progress, or ended. */
export class LinkCopy {
  /** Resolves when the copy ends: true when it stored the object, false when it was given up. */
  readonly ended: Promise<boolean>;
  /** Whether it was started while another copy of the same object version to the same cluster ran. */
  readonly restarted: boolean;
  /** When it stored the object (undefined until then). */
  storedAt: Date | undefined;
  #state: 'running' | 'stored' | 'abandoned' = 'running';
  #resolve: (stored: boolean) => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  readonly #startedAt = performance.now();

  constructor(
    private readonly input: CopyInput,
    private readonly registry: LinkCopies,
  ) {
    this.restarted = registry.isRunning(input.key);
    this.ended = new Promise((resolve) => (this.#resolve = resolve));
    if (input.durationMs > 0) this.#timer = setTimeout(() => this.#finish('stored'), input.durationMs);
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  /** Transfer time left, ms (0 once ended). */
  get remainingMs(): number {
    if (!this.running) return 0;
    return Math.max(0, this.input.durationMs - (performance.now() - this.#startedAt));
  }

  /** Waits for the copy's end; one without a transfer time stores the object now. */
  end(): Promise<boolean> {
    if (this.running && this.#timer === undefined) this.#finish('stored');
    return this.ended;
  }

  /** Stores the object now, whatever time is left (a fault that says the object got across). */
  storeNow(): void {
    this.#finish('stored');
  }

  /** Gives the copy up: nothing is stored; the link time so far counts as abandoned. */
  abandon(): void {
    this.#finish('abandoned');
  }

  /** Ends it without storing or counting anything (the simulator closes). */
  drop(): void {
    if (!this.running) return;
    this.#state = 'abandoned';
    this.#settle(false);
  }

  #finish(state: 'stored' | 'abandoned'): void {
    if (!this.running) return;
    this.#state = state;
    const { stats, durationMs } = this.input;
    const usedMs = state === 'stored' ? durationMs : Math.min(durationMs, performance.now() - this.#startedAt);
    stats.copyMs += usedMs;
    if (state === 'abandoned') {
      stats.copiesAbandoned++;
      stats.copyMsAbandoned += usedMs;
    } else {
      if (this.restarted) stats.copyMsRestarted += usedMs;
      this.storedAt = new Date();
      this.input.store();
    }
    this.#settle(state === 'stored');
  }

  #settle(stored: boolean): void {
    clearTimeout(this.#timer);
    this.registry.ended(this);
    this.#resolve(stored);
  }

  get key(): string {
    return this.input.key;
  }
}

/** Every copy in progress in one simulator, by {@link copyKey}. */
export class LinkCopies {
  readonly #running = new Map<string, Set<LinkCopy>>();

  /** Starts a copy; one started while another of the same key runs counts as restarted. */
  start(input: CopyInput): LinkCopy {
    const copy = new LinkCopy(input, this);
    input.stats.copies++;
    if (copy.restarted) input.stats.copiesRestarted++;
    let set = this.#running.get(input.key);
    if (!set) this.#running.set(input.key, (set = new Set()));
    set.add(copy);
    return copy;
  }

  /** Whether a copy of this key is in progress. */
  isRunning(key: string): boolean {
    return (this.#running.get(key)?.size ?? 0) > 0;
  }

  /** Called by a copy when it ends. */
  ended(copy: LinkCopy): void {
    const set = this.#running.get(copy.key);
    set?.delete(copy);
    if (set?.size === 0) this.#running.delete(copy.key);
  }

  /** Ends every copy in progress without storing or counting it (the simulator closes). */
  close(): void {
    for (const set of [...this.#running.values()]) for (const copy of [...set]) copy.drop();
  }
}
