import type { Counters } from './types.js';

/** The numeric counters, in the order `snapshot` lists them. */
const COUNTS = [
  'requests',
  'sends',
  'challenges',
  'authRejected',
  'redirects',
  'connections',
  'resets',
  'busy',
  'copies',
  'copiesRestarted',
  'copiesAbandoned',
  'copyMs',
  'copyMsAbandoned',
  'copyMsRestarted',
] as const satisfies readonly (keyof Counters)[];

type Count = (typeof COUNTS)[number];

/** Every count at zero. */
function zeroCounts(): Record<Count, number> {
  return Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<Count, number>;
}

/** Mutable counters of one node (the hot path increments fields directly). */
export class NodeCounters implements Record<Count, number> {
  requests = 0;
  sends = 0;
  challenges = 0;
  authRejected = 0;
  redirects = 0;
  connections = 0;
  resets = 0;
  busy = 0;
  copies = 0;
  copiesRestarted = 0;
  copiesAbandoned = 0;
  copyMs = 0;
  copyMsAbandoned = 0;
  copyMsRestarted = 0;
  // A null prototype: a method token such as `__proto__` must stay a plain key.
  byMethod: Record<string, number> = Object.create(null) as Record<string, number>;

  /** Counts one parsed request. */
  request(method: string): void {
    this.requests++;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  /** A detached copy. */
  snapshot(): Counters {
    const counts = zeroCounts();
    for (const k of COUNTS) counts[k] = this[k];
    return { ...counts, byMethod: Object.fromEntries(Object.entries(this.byMethod)) };
  }

  reset(): void {
    Object.assign(this, zeroCounts());
    this.byMethod = Object.create(null) as Record<string, number>;
  }
}

/** Sums counters (totals over nodes). */
export function sumCounters(all: readonly Counters[]): Counters {
  const total = zeroCounts();
  const methods = new Map<string, number>();
  for (const c of all) {
    for (const k of COUNTS) total[k] += c[k];
    for (const [method, n] of Object.entries(c.byMethod)) methods.set(method, (methods.get(method) ?? 0) + n);
  }
  return { ...total, byMethod: Object.fromEntries(methods) };
}
