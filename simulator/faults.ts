import type { Fault, FaultInjector, FaultKind } from './types.js';
import { UUID_PATTERN } from './constants.js';

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

interface Entry {
  readonly fault: Fault;
  remaining: number;
  /** Order of addition: the first added of the matching faults applies. */
  readonly seq: number;
}

/** The key an object is indexed by: UUIDs case-insensitively, names as they are. */
function objectKey(object: string): string {
  return UUID_PATTERN.test(object) ? object.toLowerCase() : object;
}

const KINDS: ReadonlySet<FaultKind['type']> = new Set([
  'status',
  'remote-status',
  'remote-unreachable',
  'reset-mid-body',
  'truncate',
  'stall',
  'slow-keepalive',
  'close-before-response',
  'redirect',
  'feed-status',
  'not-found-then-found',
  'bad-listing',
  'concurrent-write',
]);

/** `status` 500/503 faults fire before authentication; every other fault after it. */
function firesBeforeAuth(kind: FaultKind): boolean {
  return kind.type === 'status' && (kind.status === 500 || kind.status === 503);
}

/**
 * The simulator's fault list. The first matching fault with hits left applies to a request.
 * Faults aimed at one object are indexed by it, and spent faults are dropped, so a run with
 * thousands of per-object faults costs a map look-up per request, not a scan of them all.
 */
export class FaultRegistry implements FaultInjector {
  private general: Entry[] = [];
  private byObject = new Map<string, Entry[]>();
  private seq = 0;

  add(fault: Fault): void {
    if (!KINDS.has(fault.kind.type)) throw new Error(`unknown fault kind: ${String(fault.kind.type)}`);
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 0)) {
      throw new Error(`fault times must be a non-negative integer, got ${fault.times}`);
    }
    const entry: Entry = { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY, seq: this.seq++ };
    if (entry.remaining <= 0) return;
    const object = fault.match?.object;
    if (object === undefined) this.general.push(entry);
    else {
      const key = objectKey(object);
      this.byObject.set(key, [...(this.byObject.get(key) ?? []), entry]);
    }
  }

  clear(): void {
    this.general = [];
    this.byObject.clear();
  }

  /** Whether any fault is registered (the hot path skips matching when none is). */
  get active(): boolean {
    return this.general.length > 0 || this.byObject.size > 0;
  }

  /** Takes one hit of the first fault of this phase that matches the request. */
  take(phase: 'before-auth' | 'after-auth', site: FaultSite): FaultKind | undefined {
    if (!this.active) return undefined;
    const first = (list: readonly Entry[] | undefined) =>
      list?.find(
        (e) => e.remaining > 0 && firesBeforeAuth(e.fault.kind) === (phase === 'before-auth') && matches(e.fault, site),
      );
    let pick = first(this.general);
    let pickKey: string | undefined;
    for (const key of new Set(site.objects.map(objectKey))) {
      const e = first(this.byObject.get(key));
      if (e && (!pick || e.seq < pick.seq)) {
        pick = e;
        pickKey = key;
      }
    }
    if (!pick) return undefined;
    if (--pick.remaining <= 0) this.drop(pick, pickKey);
    return pick.fault.kind;
  }

  private drop(entry: Entry, key: string | undefined): void {
    if (key === undefined) {
      this.general = this.general.filter((e) => e !== entry);
      return;
    }
    const rest = (this.byObject.get(key) ?? []).filter((e) => e !== entry);
    if (rest.length) this.byObject.set(key, rest);
    else this.byObject.delete(key);
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
    if (!site.objects.some((o) => o === want || (UUID_PATTERN.test(o) && o.toLowerCase() === want.toLowerCase())))
      return false;
  }
  return true;
}
