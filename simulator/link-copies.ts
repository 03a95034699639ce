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

/**
 * The copies of one object version to one cluster that overlap in time (each started while
 * another ran): the first of them to store the object does the work, any later one repeats it.
 */
interface CopyGroup {
  readonly copies: Set<LinkCopy>;
  stored: boolean;
}

/** One copy in progress, or ended. */
export class LinkCopy {
  /** Resolves when the copy ends: true when it stored the object, false when it was given up. */
  readonly ended: Promise<boolean>;
  /** When it stored the object (undefined until then). */
  storedAt: Date | undefined;
  #state: 'running' | 'stored' | 'abandoned' = 'running';
  #resolve: (stored: boolean) => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  readonly #startedAt = performance.now();

  constructor(
    private readonly input: CopyInput,
    private readonly group: CopyGroup,
    private readonly onEnd: (copy: LinkCopy) => void,
  ) {
    this.ended = new Promise((resolve) => (this.#resolve = resolve));
    if (input.durationMs > 0) this.#timer = setTimeout(() => this.#finish('stored'), input.durationMs);
  }

  get key(): string {
    return this.input.key;
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
      if (this.group.stored) {
        stats.copiesRestarted++;
        stats.copyMsRestarted += usedMs;
      }
      this.group.stored = true;
      this.storedAt = new Date();
      this.input.store();
    }
    this.#settle(state === 'stored');
  }

  #settle(stored: boolean): void {
    clearTimeout(this.#timer);
    this.onEnd(this);
    this.#resolve(stored);
  }
}

/** Every copy in progress in one simulator, grouped by {@link copyKey}. */
export class LinkCopies {
  readonly #groups = new Map<string, CopyGroup>();

  /** Starts a copy; one that overlaps another copy of its key joins that copy's group. */
  start(input: CopyInput): LinkCopy {
    let group = this.#groups.get(input.key);
    if (!group) this.#groups.set(input.key, (group = { copies: new Set(), stored: false }));
    const copy = new LinkCopy(input, group, (ended) => this.#ended(ended));
    group.copies.add(copy);
    input.stats.copies++;
    return copy;
  }

  /** Ends every copy in progress without storing or counting it (the simulator closes). */
  close(): void {
    for (const group of [...this.#groups.values()]) for (const copy of [...group.copies]) copy.drop();
  }

  #ended(copy: LinkCopy): void {
    const group = this.#groups.get(copy.key);
    group?.copies.delete(copy);
    if (group?.copies.size === 0) this.#groups.delete(copy.key);
  }
}
