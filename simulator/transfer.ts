/**
 * The transfer model: how long a SEND takes when the source node really pushes the object over a
 * link to the destination cluster, and how many SENDs one node takes on at once. Off unless the
 * simulator's `transfer` option is given (the zero-latency benchmark runs without it).
 *
 * A SEND that copies costs two round trips on the link (the source node's HEAD on the
 * destination, then the write's request and answer) plus the object's bytes at the link's
 * bandwidth; a SEND that finds the object there costs one round trip (the HEAD). TCP slow start
 * and the destination's own write time are left out: on a long-lived link between clusters the
 * bandwidth term dominates for every object that matters.
 */
import type { StoredObject, TransferOptions, TransferLink } from './types.js';

/** What the model reads of an object: its UUID (the key of a size draw) and size. */
export type ModelledObject = Pick<StoredObject, 'uuid' | 'size' | 'virtual'>;

/** A seeded uniform in (0, 1) from a string key (FNV-1a, then one mulberry32 step). */
function uniformOf(key: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  let t = (h + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967297;
}

/** z of the standard normal at the 99th percentile. */
const Z99 = 2.3263478740408408;

/**
 * A lognormal quantile by median and 99th percentile: the median is e^mu, the p99 e^(mu + Z99
 * sigma). The standard normal's inverse comes from Acklam's rational approximation (relative
 * error below 1.2e-9), which is all a seeded draw needs.
 */
export function lognormalQuantile(p: number, median: number, p99: number): number {
  const sigma = Math.log(p99 / median) / Z99;
  return median * Math.exp(sigma * normalQuantile(p));
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(c: readonly number[], x: number): number {
  return c.reduce((acc, k) => acc * x + k, 0);
}

function normalQuantile(p: number): number {
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(C, q) / (poly(D, q) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(A, r) * q) / (poly(B, r) * r + 1);
}

/** What the model decided for one SEND. */
export interface TransferPlan {
  /** How long the SEND runs before its result line, ms. */
  readonly durationMs: number;
  /** Gives the node's slot back; call once, when the answer has been written. */
  release(): void;
}

/** The transfer model of one simulator: links, object sizes and the per-node admission limit. */
export class TransferModel {
  readonly #inProgress = new Map<object, number>();
  readonly #seed: number;
  #draws = 0;

  constructor(private readonly options: TransferOptions) {
    this.#seed = options.seed ?? 1;
  }

  /** Pause between keep-alive newlines while a transfer runs. */
  get keepaliveIntervalMs(): number {
    return this.options.keepaliveIntervalMs ?? 1000;
  }

  #link(from: string, to: string): TransferLink {
    return this.options.links?.[`${from}->${to}`] ?? this.options.link;
  }

  /** What a legacy SEND's copy does when its client disconnects (see `TransferOptions.disconnect`). */
  get disconnect(): 'copy-finishes' | 'copy-abandoned' {
    return this.options.disconnect ?? 'copy-finishes';
  }

  /**
   * The size the model gives an object: a virtual object's size; otherwise a seeded lognormal
   * draw by UUID with `objectSizes`, or its real length.
   */
  objectSize(object: ModelledObject): number {
    const sizes = this.options.objectSizes;
    if (object.virtual || !sizes) return object.size;
    const drawn = lognormalQuantile(uniformOf(object.uuid, this.#seed), sizes.medianBytes, sizes.p99Bytes);
    return Math.round(Math.min(drawn, sizes.maxBytes ?? Number.POSITIVE_INFINITY));
  }

  /**
   * How long one SEND of an object takes: with `sendLatency` a seeded draw per SEND (never for a
   * virtual object), otherwise the link's round trips plus the object's bytes at its bandwidth
   * (`copies` false: the object is already there, one round trip).
   */
  durationMs(from: string, to: string, object: ModelledObject, copies: boolean): number {
    const link = this.#link(from, to);
    if (!copies) return link.rttMs;
    const latency = this.options.sendLatency;
    if (latency && !this.options.objectSizes && !object.virtual) {
      return lognormalQuantile(uniformOf(`send-${this.#draws++}`, this.#seed), latency.medianMs, latency.p99Ms);
    }
    const bytes = this.objectSize(object);
    return 2 * link.rttMs + (bytes * 8) / (link.bandwidthMbps * 1000);
  }

  /**
   * Takes one of the node's SEND slots; null when the node already runs `maxSendsPerNode`
   * SENDs (the caller answers 503, as a busy Swarm node does).
   */
  admit(node: object): { release(): void } | null {
    const limit = this.options.maxSendsPerNode ?? Number.POSITIVE_INFINITY;
    const active = this.#inProgress.get(node) ?? 0;
    if (active >= limit) return null;
    this.#inProgress.set(node, active + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const now = (this.#inProgress.get(node) ?? 1) - 1;
        if (now <= 0) this.#inProgress.delete(node);
        else this.#inProgress.set(node, now);
      },
    };
  }
}

/** Checks transfer options; returns the problems found. */
export function transferProblems(o: TransferOptions): string[] {
  const problems: string[] = [];
  const links = [['link', o.link] as const, ...Object.entries(o.links ?? {})];
  for (const [name, link] of links) {
    if (!(link.rttMs >= 0)) problems.push(`transfer.${name}.rttMs must be >= 0`);
    if (!(link.bandwidthMbps > 0)) problems.push(`transfer.${name}.bandwidthMbps must be > 0`);
  }
  for (const key of Object.keys(o.links ?? {})) {
    if (!/^[^>]+->[^>]+$/.test(key)) problems.push(`transfer.links: "${key}" must be "source->destination"`);
  }
  if (o.objectSizes && !(o.objectSizes.medianBytes > 0 && o.objectSizes.p99Bytes >= o.objectSizes.medianBytes)) {
    problems.push('transfer.objectSizes: need 0 < medianBytes <= p99Bytes');
  }
  if (o.sendLatency && !(o.sendLatency.medianMs > 0 && o.sendLatency.p99Ms >= o.sendLatency.medianMs)) {
    problems.push('transfer.sendLatency: need 0 < medianMs <= p99Ms');
  }
  if (o.maxSendsPerNode !== undefined && !(Number.isInteger(o.maxSendsPerNode) && o.maxSendsPerNode >= 1)) {
    problems.push('transfer.maxSendsPerNode must be an integer >= 1');
  }
  if (o.keepaliveIntervalMs !== undefined && !(o.keepaliveIntervalMs > 0))
    problems.push('transfer.keepaliveIntervalMs must be > 0');
  if (o.disconnect !== undefined && o.disconnect !== 'copy-finishes' && o.disconnect !== 'copy-abandoned') {
    problems.push(`transfer.disconnect must be "copy-finishes" or "copy-abandoned", got "${String(o.disconnect)}"`);
  }
  return problems;
}
