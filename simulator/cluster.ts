import type { ClusterState, SimContext } from './context.js';
import { NodeImpl } from './node-server.js';
import { ObjectStore } from './store.js';
import type { ClusterSpec, FeedSpec, ObjectRef, PutObjectInput, SimCluster, StoredObject } from './types.js';
import { SIM_DEFAULT_ADMIN } from './constants.js';
import type { DigestAlgorithm } from './digest.js';
import type { LinkCopy } from './link-copies.js';

/** One simulated cluster: nodes sharing one object store, admins and feeds. */
export class ClusterImpl implements SimCluster, ClusterState {
  readonly name: string;
  readonly nodes: readonly NodeImpl[];
  readonly store: ObjectStore;
  readonly admins: Readonly<Record<string, string>>;
  readonly challenge: 'digest+basic' | 'basic';
  readonly digestAlgorithms: readonly DigestAlgorithm[];
  readonly feeds: readonly FeedSpec[];
  readonly protectedContexts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  searchEnabled: boolean;
  readonly defaultFeedSendTimeoutSeconds: number;
  /** Per feed: when each object version was processed (`uuid@version` keys). */
  private readonly feedLogs = new Map<number, Map<string, Date>>();
  /** Per feed: the copies in progress (`uuid@version` keys). */
  private readonly feedCopyMaps = new Map<number, Map<string, LinkCopy>>();

  constructor(sim: SimContext, spec: ClusterSpec) {
    this.name = spec.name;
    this.store = new ObjectStore(spec.name, sim.random);
    this.admins = Object.freeze({ ...(spec.admins ?? { [SIM_DEFAULT_ADMIN.user]: SIM_DEFAULT_ADMIN.password }) });
    this.challenge = spec.challenge ?? 'digest+basic';
    this.digestAlgorithms = Object.freeze([...(spec.digestAlgorithms ?? ['MD5'])]);
    this.feeds = Object.freeze([...(spec.feeds ?? [])]);
    this.protectedContexts = Object.freeze({ ...(spec.protectedContexts ?? {}) });
    this.searchEnabled = spec.search ?? true;
    this.defaultFeedSendTimeoutSeconds = spec.defaultFeedSendTimeoutSeconds ?? 30;
    this.store.indexLagMs = spec.indexLagMs ?? 0;
    const base = spec.basePort ?? 0;
    this.nodes = Array.from(
      { length: spec.nodes },
      (_, i) => new NodeImpl(sim, this, sim.options.host, base === 0 ? 0 : base + i),
    );
  }

  get addresses(): readonly string[] {
    return this.nodes.map((n) => n.address);
  }

  get indexLagMs(): number {
    return this.store.indexLagMs;
  }

  set indexLagMs(ms: number) {
    this.store.indexLagMs = ms;
  }

  get objectCount(): number {
    return this.store.size;
  }

  put(obj: PutObjectInput): StoredObject {
    return this.store.put(obj);
  }

  get(ref: ObjectRef): StoredObject | undefined {
    return this.store.get(ref);
  }

  has(ref: ObjectRef): boolean {
    return this.store.has(ref);
  }

  delete(ref: ObjectRef): boolean {
    return this.store.delete(ref);
  }

  reencode(ref: ObjectRef): StoredObject | undefined {
    return this.store.reencode(ref);
  }

  /** The processing log of one feed. */
  feedLog(id: number): Map<string, Date> {
    return mapOf(this.feedLogs, id);
  }

  /** The copies one feed has in progress. */
  feedCopies(id: number): Map<string, LinkCopy> {
    return mapOf(this.feedCopyMaps, id);
  }
}

/** The map kept under `id`, made on first use. */
function mapOf<V>(maps: Map<number, Map<string, V>>, id: number): Map<string, V> {
  let map = maps.get(id);
  if (!map) maps.set(id, (map = new Map()));
  return map;
}
