import { isInNetworks } from './network.js';
import { parseNodeAddress, type ClusterConfig, type NodeAddress } from '../registry/registry.js';
import type { Dispatcher } from 'undici';
import { NodeAuth, sameCredentials, type AuthPolicy, type Credentials } from './digest-auth.js';

/**
 * Which nodes of a cluster a request may go to (and carry admin credentials to): the configured
 * nodes (a message's node hint only when it names one of them), and redirect targets on the
 * cluster's networks, on the nodes' ports or the registry's `ports`. Pure: no I/O, no state.
 */

/** The configured node at the same host and port as `node`, if any (with its own scheme). */
export function configuredNode(cluster: ClusterConfig, node: Pick<NodeAddress, 'host' | 'port'>): NodeAddress | null {
  return cluster.nodes.find((n) => n.host === node.host && n.port === node.port) ?? null;
}

/** Ports a redirect may reach on hosts of the cluster's networks: the nodes' own and the registry's `ports`. */
export function redirectPorts(cluster: ClusterConfig): ReadonlySet<number> {
  return new Set([...cluster.nodes.map((n) => n.port), ...cluster.ports]);
}

/**
 * True when a request (carrying admin credentials) may go to `node`: a configured node, or a host
 * of the cluster's networks on a port of `redirectPorts`.
 */
export function isAllowedNode(cluster: ClusterConfig, node: NodeAddress): boolean {
  return (
    configuredNode(cluster, node) !== null ||
    (redirectPorts(cluster).has(node.port) && isInNetworks(node.host, cluster.networks))
  );
}

/**
 * The node a message's hint names, or null. A hint counts only when it is a configured node
 * (host and port); the scheme is that node's, never guessed.
 */
export function resolveHint(cluster: ClusterConfig, hint: string): NodeAddress | null {
  try {
    return configuredNode(cluster, parseNodeAddress(`http://${hint}`));
  } catch {
    return null;
  }
}

/**
 * Nodes to try, in order: the hint (when it is a configured node), then the configured nodes
 * starting at `start` (round-robin).
 */
export function nodeOrder(
  cluster: ClusterConfig,
  hint: string | undefined,
  start: number,
): { nodes: NodeAddress[]; hintIgnored: boolean } {
  const s = cluster.nodes.length ? start % cluster.nodes.length : 0;
  const nodes = [...cluster.nodes.slice(s), ...cluster.nodes.slice(0, s)];
  if (!hint) return { nodes, hintIgnored: false };
  const hinted = resolveHint(cluster, hint);
  if (!hinted) return { nodes, hintIgnored: true };
  return { nodes: [hinted, ...nodes.filter((n) => n !== hinted)], hintIgnored: false };
}

/**
 * Splits a Location without re-encoding its path: the auth= ticket must stay as given. A
 * relative Location (`/uuid?admin&auth=...`) stays on the current node.
 */
export function parseLocation(location: string, current: NodeAddress): { address: NodeAddress; target: string } | null {
  const text = location.trim();
  if (text.startsWith('/') && !text.startsWith('//')) return { address: current, target: text.replace(/#.*$/, '') };
  const m = /^(https?):\/\/([^/?#]+)([^#]*)/i.exec(text);
  if (!m?.[1] || !m[2]) return null;
  try {
    const address = parseNodeAddress(`${m[1].toLowerCase()}://${m[2]}`);
    const rest = m[3] || '/';
    return { address, target: rest.startsWith('/') ? rest : `/${rest}` };
  } catch {
    return null;
  }
}

export type RedirectDecision =
  { readonly address: NodeAddress; readonly target: string } | { readonly refused: string };

/**
 * Decides whether a redirect from `current` to `location` may be followed. Never out of the
 * cluster, nor from https down to plain http: the request carries admin credentials.
 */
export function acceptRedirect(cluster: ClusterConfig, current: NodeAddress, location: string): RedirectDecision {
  const parsed = parseLocation(location, current);
  if (!parsed) return { refused: 'redirect to an unparsable Location refused' };
  // A configured node is reached with its configured scheme, whatever the Location says.
  const next = { address: configuredNode(cluster, parsed.address) ?? parsed.address, target: parsed.target };
  const downgrade = current.protocol === 'https:' && next.address.protocol !== 'https:';
  if (downgrade || !isAllowedNode(cluster, next.address))
    return { refused: `redirect to ${next.address.hostPort} refused` };
  return next;
}

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
