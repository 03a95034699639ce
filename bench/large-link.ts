import { MinHeap } from './min-heap.js';

/**
 * The modelled link from source to DR in `npm run bench:large`: every copy of an object (a legacy
 * SEND's, an orphan of one whose client left, a feed's background copy) moves its bytes over it.
 *
 * - `fair-share` (the bench's model): the link's rate is split evenly among the copies in flight,
 *   as TCP flows on one bottleneck roughly do; a copy alone gets the whole rate.
 * - `per-copy`: every copy moves at the whole rate whatever else runs (a link that is never the
 *   bottleneck); kept to show what the sharing itself costs.
 *
 * Fair sharing is tracked in virtual bytes: each copy in flight has moved `virtual - startVirtual`
 * bytes, and `virtual` grows at rate / copies in flight, so a change in the number of copies costs
 * O(log n) and not a pass over all of them.
 */
export type LinkSharing = 'fair-share' | 'per-copy';

export interface Copy {
  readonly bytes: number;
  /** Called once when its last byte has moved. */
  readonly onDone: (atMs: number) => void;
}

interface Flight {
  readonly copy: Copy;
  readonly startVirtual: number;
  readonly endVirtual: number;
  /** Order of start: ties between copies that end together go in start order. */
  readonly seq: number;
  live: boolean;
}

export class SharedLink {
  readonly bytesPerMs: number;
  #virtual = 0;
  #atMs = 0;
  #seq = 0;
  readonly #flights = new Map<Copy, Flight>();
  readonly #heap = new MinHeap<Flight>(
    (a, b) => a.endVirtual < b.endVirtual || (a.endVirtual === b.endVirtual && a.seq < b.seq),
  );
  /** Bytes moved by every copy, finished or not. */
  bytesMoved = 0;

  constructor(
    linkMbps: number,
    readonly sharing: LinkSharing,
  ) {
    this.bytesPerMs = (linkMbps * 1_000_000) / 8 / 1000;
  }

  get inFlight(): number {
    return this.#flights.size;
  }

  /** Bytes per ms each copy moves now. */
  #perCopy(): number {
    const n = this.#flights.size;
    return this.sharing === 'fair-share' && n > 0 ? this.bytesPerMs / n : this.bytesPerMs;
  }

  /** Moves the clock to `toMs` (never backwards). */
  advance(toMs: number): void {
    if (toMs <= this.#atMs) return;
    const step = (toMs - this.#atMs) * this.#perCopy();
    this.#virtual += step;
    this.bytesMoved += step * this.#flights.size;
    this.#atMs = toMs;
  }

  start(copy: Copy): void {
    const flight: Flight = {
      copy,
      startVirtual: this.#virtual,
      endVirtual: this.#virtual + copy.bytes,
      seq: this.#seq++,
      live: true,
    };
    this.#flights.set(copy, flight);
    this.#heap.push(flight);
  }

  /** Bytes `copy` has moved so far (0 when it is not in flight). */
  moved(copy: Copy): number {
    const f = this.#flights.get(copy);
    return f ? Math.min(copy.bytes, this.#virtual - f.startVirtual) : 0;
  }

  /** Stops a copy in flight; returns the bytes it had moved (wasted). */
  stop(copy: Copy): number {
    const f = this.#flights.get(copy);
    if (!f) return 0;
    const moved = this.moved(copy);
    f.live = false;
    this.#flights.delete(copy);
    return moved;
  }

  #top(): Flight | undefined {
    while (this.#heap.size && !this.#heap.peek()!.live) this.#heap.pop();
    return this.#heap.peek();
  }

  /** When the next copy ends, ms (Infinity: none in flight). */
  nextEndMs(): number {
    const top = this.#top();
    if (!top) return Number.POSITIVE_INFINITY;
    return this.#atMs + Math.max(0, top.endVirtual - this.#virtual) / this.#perCopy();
  }

  /** Ends the copy that ends first (the clock must be at nextEndMs()) and tells it. */
  endNext(): void {
    const top = this.#top();
    if (!top) return;
    this.#heap.pop();
    top.live = false;
    this.#flights.delete(top.copy);
    top.copy.onDone(this.#atMs);
  }
}
