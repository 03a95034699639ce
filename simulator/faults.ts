import type { Fault, FaultInjector, FaultKind } from './types.js';

/** Where a request is, for fault matching. */
export interface FaultSite {
  readonly cluster: string;
  readonly node: string;
  readonly method: string;
  /** Keys the request's object answers to: its UUID, or 'bucket/name'. */
  readonly objects: readonly string[];
  /** Whether it is a listing query, and the page's marker ('' for the first page). */
  readonly listing?: boolean;
  readonly marker?: string | undefined;
}

const UUID = /^[0-9a-f]{32}$/i;

interface Entry {
  readonly fault: Fault;
  remaining: number;
}

const KINDS: ReadonlySet<FaultKind['type']> = new Set([
  'status', 'remote-status', 'remote-unreachable', 'reset-mid-body', 'truncate', 'stall',
  'slow-keepalive', 'close-before-response', 'redirect', 'feed-status', 'not-found-then-found', 'bad-listing',
]);

/** `status` 500/503 faults fire before authentication; every other fault after it. */
function firesBeforeAuth(kind: FaultKind): boolean {
  return kind.type === 'status' && (kind.status === 500 || kind.status === 503);
}

/** The simulator's fault list. The first matching fault with hits left applies to a request. */
export class FaultRegistry implements FaultInjector {
  private entries: Entry[] = [];

  add(fault: Fault): void {
    if (!KINDS.has(fault.kind.type)) throw new Error(`unknown fault kind: ${String(fault.kind.type)}`);
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 0)) {
      throw new Error(`fault times must be a non-negative integer, got ${fault.times}`);
    }
    this.entries.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.entries = [];
  }

  /** Whether any fault is registered (the hot path skips matching when none is). */
  get active(): boolean {
    return this.entries.length > 0;
  }

  /** Takes one hit of the first fault of this phase that matches the request. */
  take(phase: 'before-auth' | 'after-auth', site: FaultSite): FaultKind | undefined {
    if (this.entries.length === 0) return undefined;
    for (const entry of this.entries) {
      if (entry.remaining <= 0) continue;
      if (firesBeforeAuth(entry.fault.kind) !== (phase === 'before-auth')) continue;
      if (!matches(entry.fault, site)) continue;
      entry.remaining--;
      return entry.fault.kind;
    }
    return undefined;
  }
}

function matches(fault: Fault, site: FaultSite): boolean {
  const m = fault.match;
  if (!m) return true;
  if (m.cluster !== undefined && m.cluster !== site.cluster) return false;
  if (m.node !== undefined && m.node !== site.node) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== site.method) return false;
  if (m.listing !== undefined && m.listing !== (site.listing ?? false)) return false;
  if (m.marker !== undefined && m.marker !== site.marker) return false;
  if (m.object !== undefined) {
    const want = m.object;
    if (!site.objects.some((o) => o === want || (UUID.test(o) && o.toLowerCase() === want.toLowerCase()))) return false;
  }
  return true;
}
