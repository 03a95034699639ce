import type { ClusterState, SimContext } from './context.js';
import { NodeImpl } from './node-server.js';
import { ObjectStore } from './store.js';
import type { ClusterSpec, FeedSpec, ObjectRef, PutObjectInput, SimCluster, StoredObject } from './types.js';
import { SIM_DEFAULT_ADMIN } from './constants.js';
import type { DigestAlgorithm } from './digest.js';

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
  /** Per feed: when each object version was processed (`uuid@version` keys). */
  private readonly feedLogs = new Map<number, Map<string, Date>>();

  constructor(sim: SimContext, spec: ClusterSpec) {
    this.name = spec.name;
    this.store = new ObjectStore(spec.name, sim.random);
    this.admins = Object.freeze({ ...(spec.admins ?? { [SIM_DEFAULT_ADMIN.user]: SIM_DEFAULT_ADMIN.password }) });
    this.challenge = spec.challenge ?? 'digest+basic';
    this.digestAlgorithms = Object.freeze([...(spec.digestAlgorithms ?? ['MD5'])]);
    this.feeds = Object.freeze([...(spec.feeds ?? [])]);
    this.protectedContexts = Object.freeze({ ...(spec.protectedContexts ?? {}) });
    this.searchEnabled = spec.search ?? true;
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
    let log = this.feedLogs.get(id);
    if (!log) this.feedLogs.set(id, (log = new Map()));
    return log;
  }
}
