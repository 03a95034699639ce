import { createRandom } from '../simulator/random.js';

/**
 * The seeded workload of `npm run bench:large`: mostly small objects (lognormal sizes) and a
 * heavy tail of large ones, arriving at uniformly random times over a window (a Poisson process
 * of known count). The same seed gives the same objects; the run without the tail keeps the
 * small objects exactly as they are.
 */
export const MB = 1_000_000;
export const GB = 1_000_000_000;
export const TB = 1_000_000_000_000;

/** A class of objects whose sizes are log-uniform between two bounds. */
export interface TailClass {
  readonly name: string;
  readonly count: number;
  readonly minBytes: number;
  readonly maxBytes: number;
}

export interface WorkloadSpec {
  readonly seed: number;
  readonly windowMs: number;
  readonly small: {
    readonly count: number;
    readonly medianBytes: number;
    /** Sigma of the underlying normal. */
    readonly sigma: number;
    /** Sizes are cut at this (redrawn above it). */
    readonly maxBytes: number;
  };
  readonly tail: readonly TailClass[];
  /** The largest tail object is exactly this big (the top of the tail). */
  readonly largestBytes: number;
  /** Null: the tail arrives over the whole window like the rest; else within `withinMs` from `atMs`. */
  readonly tailBurst: { readonly atMs: number; readonly withinMs: number } | null;
}

export interface WorkloadObject {
  readonly id: number;
  readonly bytes: number;
  readonly arrivalMs: number;
  /** One of the tail classes (not a small object). */
  readonly tail: boolean;
}

export const DEFAULT_WORKLOAD: WorkloadSpec = {
  seed: 25,
  windowMs: 4 * 3600_000,
  small: { count: 20_000, medianBytes: 1 * MB, sigma: 1.5, maxBytes: 1 * GB },
  tail: [
    { name: 'medium', count: 40, minBytes: 1 * GB, maxBytes: 100 * GB },
    { name: 'large', count: 6, minBytes: 100 * GB, maxBytes: 1 * TB },
  ],
  largestBytes: 1 * TB,
  tailBurst: null,
};

/** The same workload with its tail arriving in a burst: 10 minutes, an hour into the window. */
export const BURST_WORKLOAD: WorkloadSpec = { ...DEFAULT_WORKLOAD, tailBurst: { atMs: 3600_000, withinMs: 600_000 } };

function gaussian(next: () => number): number {
  // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** The workload's objects in arrival order; `withTail` false leaves the tail out. */
export function generateWorkload(spec: WorkloadSpec, withTail = true): WorkloadObject[] {
  const random = createRandom(spec.seed);
  const next = () => random.next();
  const sizes: { bytes: number; tail: boolean }[] = [];
  for (let i = 0; i < spec.small.count; i++) {
    let bytes: number;
    do bytes = Math.round(spec.small.medianBytes * Math.exp(spec.small.sigma * gaussian(next)));
    while (bytes > spec.small.maxBytes);
    sizes.push({ bytes, tail: false });
  }
  let largest = -1;
  for (const c of spec.tail)
    for (let i = 0; i < c.count; i++) {
      const bytes = Math.round(c.minBytes * (c.maxBytes / c.minBytes) ** next());
      if (largest < 0 || bytes > sizes[largest]!.bytes) largest = sizes.length;
      sizes.push({ bytes, tail: true });
    }
  if (largest >= 0) sizes[largest] = { bytes: spec.largestBytes, tail: true };
  // One draw per object whatever its class, so the small objects are the same with or without a burst.
  const burst = spec.tailBurst;
  const arrival = (u: number, tail: boolean) =>
    Math.floor(tail && burst ? burst.atMs + u * burst.withinMs : u * spec.windowMs);
  const objects = sizes.map((s, id) => ({ id, ...s, arrivalMs: arrival(next(), s.tail) }));
  objects.sort((a, b) => a.arrivalMs - b.arrivalMs || a.id - b.id);
  return withTail ? objects : objects.filter((o) => !o.tail);
}

/**
 * A heavy tail of `tailBytes` in all, for the utilisation sweep (bench/large-sweep.ts): the first
 * object exactly `spec.largestBytes` when the tail holds that much, then objects of the spec's
 * classes (a class with probability in proportion to its count, log-uniform within it, at most
 * `spec.largestBytes`) until the total is reached; the last one is
 * cut to the rest, or left out when the rest is under the smallest class's minimum. Arrivals are
 * uniform over `spec.windowMs`. Its own random stream (`seed`), so the small objects stay exactly
 * as generateWorkload draws them; ids start at `firstId`.
 */
export function generateTail(spec: WorkloadSpec, tailBytes: number, seed: number, firstId: number): WorkloadObject[] {
  const random = createRandom(seed);
  const next = () => random.next();
  const classes = spec.tail.reduce((n, c) => n + c.count, 0);
  const smallest = Math.min(...spec.tail.map((c) => c.minBytes));
  const sizes: number[] = [];
  let rest = tailBytes;
  while (rest >= smallest) {
    let bytes = spec.largestBytes;
    if (sizes.length || tailBytes < spec.largestBytes) {
      let pick = next() * classes;
      const c = spec.tail.find((k) => (pick -= k.count) < 0) ?? spec.tail[spec.tail.length - 1]!;
      bytes = Math.min(spec.largestBytes, Math.round(c.minBytes * (c.maxBytes / c.minBytes) ** next()));
    }
    bytes = Math.min(bytes, rest);
    sizes.push(bytes);
    rest -= bytes;
  }
  return sizes.map((bytes, i) => ({
    id: firstId + i,
    bytes,
    tail: true,
    arrivalMs: Math.floor(next() * spec.windowMs),
  }));
}

/** Objects of several parts in arrival order (ties by id), as generateWorkload orders them. */
export function inArrivalOrder(...parts: readonly (readonly WorkloadObject[])[]): WorkloadObject[] {
  return parts.flat().sort((a, b) => a.arrivalMs - b.arrivalMs || a.id - b.id);
}

/** Bytes in decimal units (MB, GB, TB), as the workload is written. */
export function bytesText(n: number): string {
  if (n >= TB) return `${+(n / TB).toFixed(2)} TB`;
  if (n >= GB) return `${+(n / GB).toFixed(1)} GB`;
  return `${+(n / MB).toFixed(1)} MB`;
}

/** The mix in words, for the output. */
export function describeWorkload(spec: WorkloadSpec, objects: readonly WorkloadObject[]): string {
  const small = objects.filter((o) => !o.tail);
  const tail = objects.filter((o) => o.tail);
  const sum = (os: readonly WorkloadObject[]) => os.reduce((s, o) => s + o.bytes, 0);
  return [
    `${small.length.toLocaleString('en-US')} small objects, lognormal sizes (median ${bytesText(spec.small.medianBytes)}, sigma ${spec.small.sigma}, at most ${bytesText(spec.small.maxBytes)}; ${bytesText(sum(small))} in all)`,
    ...spec.tail.map(
      (c) => `${c.count} ${c.name} objects, log-uniform ${bytesText(c.minBytes)}-${bytesText(c.maxBytes)}`,
    ),
    `the largest exactly ${bytesText(spec.largestBytes)}; the tail holds ${bytesText(sum(tail))} in ${tail.length} objects`,
    `arriving uniformly over ${spec.windowMs / 3600_000} h${spec.tailBurst ? `, the tail within ${spec.tailBurst.withinMs / 60_000} min from ${spec.tailBurst.atMs / 60_000} min` : ''} (seed ${spec.seed})`,
  ].join('; ');
}
