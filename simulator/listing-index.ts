import type { StoredObject } from './types.js';

/** One key as the search index sees it: the version before the last change until that change is indexed. */
interface Entry {
  readonly key: string;
  current: StoredObject | undefined;
  previous: StoredObject | undefined;
  /** When the last change becomes visible to listings (epoch ms). */
  visibleAt: number;
}

/** A listing scope: the named objects of a bucket, or the unnamed objects of a domain ('' = untenanted). */
export type IndexScope = { kind: 'named'; domain: string; bucket: string } | { kind: 'unnamed'; domain: string };

function scopeKey(s: IndexScope): string {
  return s.kind === 'named' ? `n\u0000${s.domain}\u0000${s.bucket}` : `u\u0000${s.domain}`;
}

/** UTF-8 byte order of two strings: compares code points, not UTF-16 units. */
export function byteOrder(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

/**
 * New keys wait in a small list until there are this many (or an eighth of the sorted ones), then
 * merge into the sorted list: loading a million keys and a walk that repairs as it goes both
 * stay cheap.
 */
const MERGE_AT = 4096;

const byKey = (a: Entry, b: Entry): number => byteOrder(a.key, b.key);

class ScopeIndex {
  readonly entries = new Map<string, Entry>();
  /** Every entry except the recent ones, in byte order of their keys. */
  private sorted: Entry[] = [];
  /** Entries added since the last merge, unsorted until a listing needs them. */
  private recent: Entry[] = [];
  private recentSorted = true;

  add(entry: Entry): void {
    this.recent.push(entry);
    this.recentSorted = false;
    if (this.recent.length >= Math.max(MERGE_AT, this.sorted.length >> 3)) this.merge();
  }

  private merge(): void {
    const recent = this.recent.sort(byKey);
    const out: Entry[] = new Array(this.sorted.length + recent.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.sorted.length && j < recent.length)
      out[k++] = byKey(this.sorted[i]!, recent[j]!) <= 0 ? this.sorted[i++]! : recent[j++]!;
    while (i < this.sorted.length) out[k++] = this.sorted[i++]!;
    while (j < recent.length) out[k++] = recent[j++]!;
    this.sorted = out;
    this.recent = [];
    this.recentSorted = true;
  }

  /**
   * Up to `size` entries with keys strictly after `marker` in byte order that `take` accepts: the
   * sorted list and the recent entries merged as they are read.
   */
  entriesAfter(marker: string, size: number, take: (entry: Entry) => boolean): void {
    if (!this.recentSorted) {
      this.recent.sort(byKey);
      this.recentSorted = true;
    }
    const a = this.sorted;
    const b = this.recent;
    let i = firstAfter(a, marker);
    let j = firstAfter(b, marker);
    let taken = 0;
    while (taken < size && (i < a.length || j < b.length)) {
      const entry = j >= b.length || (i < a.length && byKey(a[i]!, b[j]!) < 0) ? a[i++]! : b[j++]!;
      if (take(entry)) taken++;
    }
  }
}

/** Index of the first entry with a key strictly after `marker` ('' = the first key). */
function firstAfter(entries: readonly Entry[], marker: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marker !== '' && byteOrder(entries[mid]!.key, marker) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The simulated search index of one cluster: per scope, every key in byte order with the version
 * a listing shows. A write or delete becomes visible only once its index lag has passed; until
 * then listings show what was there before (nothing, for a new object; the old row, for a delete).
 */
export class ListingIndex {
  private readonly scopes = new Map<string, ScopeIndex>();

  private scope(s: IndexScope, create: boolean): ScopeIndex | undefined {
    const key = scopeKey(s);
    let idx = this.scopes.get(key);
    if (!idx && create) this.scopes.set(key, (idx = new ScopeIndex()));
    return idx;
  }

  /** Records a change of `obj`'s key: `next` is the new version, undefined for a delete. */
  record(obj: StoredObject, next: StoredObject | undefined, lagMs: number, now = Date.now()): void {
    const named = obj.bucket !== undefined && obj.name !== undefined;
    const s: IndexScope = named
      ? { kind: 'named', domain: obj.domain ?? '', bucket: obj.bucket! }
      : { kind: 'unnamed', domain: obj.domain ?? '' };
    const idx = this.scope(s, true)!;
    const key = named ? obj.name! : obj.uuid;
    let e = idx.entries.get(key);
    if (!e) {
      idx.entries.set(key, (e = { key, current: undefined, previous: undefined, visibleAt: 0 }));
      idx.add(e);
    }
    if (now >= e.visibleAt) e.previous = e.current;
    e.current = next;
    e.visibleAt = now + Math.max(0, lagMs);
  }

  /**
   * Up to `size` visible objects of a scope with keys strictly after `marker` (byte order), and
   * their keys.
   */
  page(s: IndexScope, marker: string, size: number, now = Date.now()): { key: string; obj: StoredObject }[] {
    const idx = this.scope(s, false);
    if (!idx || size <= 0) return [];
    const out: { key: string; obj: StoredObject }[] = [];
    idx.entriesAfter(marker, size, (e) => {
      const obj = now >= e.visibleAt ? e.current : e.previous;
      if (obj) out.push({ key: e.key, obj });
      return obj !== undefined;
    });
    return out;
  }

  /** Sum of the sizes and count of the visible objects of a scope (`du=withoutreps`). */
  usage(s: IndexScope, now = Date.now()): { bytes: number; count: number } {
    let bytes = 0;
    let count = 0;
    for (const e of this.scope(s, false)?.entries.values() ?? []) {
      const obj = now >= e.visibleAt ? e.current : e.previous;
      if (obj) {
        bytes += obj.size;
        count++;
      }
    }
    return { bytes, count };
  }
}
