import type { Counters } from './types.js';

/** Mutable counters of one node (the hot path increments fields directly). */
export class NodeCounters {
  requests = 0;
  sends = 0;
  challenges = 0;
  authRejected = 0;
  redirects = 0;
  connections = 0;
  resets = 0;
  busy = 0;
  // A null prototype: a method token such as `__proto__` must stay a plain key.
  byMethod: Record<string, number> = Object.create(null) as Record<string, number>;

  /** Counts one parsed request. */
  request(method: string): void {
    this.requests++;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  /** A detached copy. */
  snapshot(): Counters {
    return {
      requests: this.requests,
      sends: this.sends,
      challenges: this.challenges,
      authRejected: this.authRejected,
      redirects: this.redirects,
      connections: this.connections,
      resets: this.resets,
      busy: this.busy,
      byMethod: Object.fromEntries(Object.entries(this.byMethod)),
    };
  }

  reset(): void {
    this.requests = 0;
    this.sends = 0;
    this.challenges = 0;
    this.authRejected = 0;
    this.redirects = 0;
    this.connections = 0;
    this.resets = 0;
    this.busy = 0;
    this.byMethod = Object.create(null) as Record<string, number>;
  }
}

/** Sums counters (totals over nodes). */
export function sumCounters(all: readonly Counters[]): Counters {
  const total: Counters = {
    requests: 0,
    sends: 0,
    challenges: 0,
    authRejected: 0,
    redirects: 0,
    connections: 0,
    resets: 0,
    busy: 0,
    byMethod: {},
  };
  const methods = new Map<string, number>();
  for (const c of all) {
    total.requests += c.requests;
    total.sends += c.sends;
    total.challenges += c.challenges;
    total.authRejected += c.authRejected;
    total.redirects += c.redirects;
    total.connections += c.connections;
    total.resets += c.resets;
    total.busy += c.busy;
    for (const [method, n] of Object.entries(c.byMethod)) methods.set(method, (methods.get(method) ?? 0) + n);
  }
  total.byMethod = Object.fromEntries(methods);
  return total;
}
