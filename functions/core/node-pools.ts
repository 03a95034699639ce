import type { Dispatcher } from 'undici';
import { NodeAuth, sameCredentials, type AuthPolicy, type Credentials } from './digest-auth.js';
import type { NodeAddress } from './registry.js';

/** What the transport keeps per node origin: its connection pool and its challenges by user. */
export interface NodeState {
  readonly dispatcher: Dispatcher;
  /** By username; the key never holds a password. */
  readonly auth: Map<string, NodeAuth>;
}

/** Users kept per node: a rotated account replaces its own entry, so this bounds rotations too. */
const USERS_PER_NODE = 4;

/**
 * A bounded, least-recently-used set of node states. Only origins the node policy allowed ever
 * get here; the oldest is evicted (its pool closed once its requests end) when the bound is hit,
 * so neither pools nor cached challenges grow with what messages or nodes name.
 */
export class NodePools {
  readonly #states = new Map<string, NodeState>();

  constructor(
    private readonly max: number,
    private readonly create: (origin: string, ca: string | null) => Dispatcher,
  ) {}

  get size(): number {
    return this.#states.size;
  }

  /** Cached challenge states across every node (for bounds checks). */
  get authEntries(): number {
    let n = 0;
    for (const s of this.#states.values()) n += s.auth.size;
    return n;
  }

  /** The state of `origin`, made on first use (trusting `ca` for https) and marked most recently used. */
  get(origin: string, ca: string | null = null): NodeState {
    let state = this.#states.get(origin);
    if (state) {
      this.#states.delete(origin);
    } else {
      state = { dispatcher: this.create(origin, ca), auth: new Map() };
      while (this.#states.size >= this.max) this.#evictOldest();
    }
    this.#states.set(origin, state);
    return state;
  }

  /** The challenge state of `credentials` on `origin`; new credentials for a user replace the old. */
  auth(state: NodeState, credentials: Credentials, policy: AuthPolicy): NodeAuth {
    const users = state.auth;
    let auth = users.get(credentials.username);
    if (!auth || !sameCredentials(auth.credentials, credentials) || auth.allowsBasic !== (policy.allowBasic === true)) {
      users.delete(credentials.username);
      if (users.size >= USERS_PER_NODE) users.delete(users.keys().next().value!);
      auth = new NodeAuth(credentials, policy);
      users.set(credentials.username, auth);
    }
    return auth;
  }

  #evictOldest(): void {
    const [origin, state] = this.#states.entries().next().value!;
    this.#states.delete(origin);
    state.dispatcher.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.#states.values()];
    this.#states.clear();
    await Promise.all(all.map((s) => s.dispatcher.close()));
  }
}

/**
 * Requests in progress per node origin, from this process (an origin leaves the map at zero, so
 * it holds only nodes in use). Round-robin alone piles SENDs onto a node still busy with long
 * ones while another sits idle, and a Swarm node answers 503 beyond its own limit even when the
 * cluster has room: the transport asks the least busy node first.
 */
export class NodeLoad {
  readonly #busy = new Map<string, number>();

  track(origin: string, change: number): void {
    const n = (this.#busy.get(origin) ?? 0) + change;
    if (n > 0) this.#busy.set(origin, n);
    else this.#busy.delete(origin);
  }

  /** `nodes` with those from index `from` on sorted least busy first; a stable sort, so the given order breaks ties. */
  leastBusyFirst(nodes: NodeAddress[], from: number): NodeAddress[] {
    if (nodes.length - from < 2 || this.#busy.size === 0) return nodes;
    const load = (n: NodeAddress) => this.#busy.get(n.origin) ?? 0;
    return [...nodes.slice(0, from), ...nodes.slice(from).sort((a, b) => load(a) - load(b))];
  }
}
