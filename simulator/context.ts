import type { AuthPolicy } from './auth.js';
import type { ConnectionState } from './connection.js';
import type { NodeCounters } from './counters.js';
import type { DigestAlgorithm } from './digest.js';
import type { FaultRegistry } from './faults.js';
import type { SimRequest } from './http-request.js';
import type { ResponseWriter } from './http-response.js';
import type { Target } from './object-path.js';
import type { Random } from './random.js';
import type { ObjectStore } from './store.js';
import type { TicketStore } from './tickets.js';
import type { LinkCopies, LinkCopy } from './link-copies.js';
import type { TransferModel } from './transfer.js';
import type { FeedSpec, SimCluster, SimNode } from './types.js';

/** Simulator options with every default applied. */
export interface ResolvedOptions {
  readonly host: string;
  readonly keepalive: { readonly count: number; readonly intervalMs: number };
  readonly nonceLifetimeMs: number;
  readonly acceptBasic: boolean;
  readonly redirectRate: number;
  readonly alreadyPresent: 'body' | 'status';
  readonly olderAtDestination: 'conflict' | 'replace';
  readonly zeroLatency: boolean;
  /** The whole `Server` header value, e.g. `CAStor Cluster/9.1.0`. */
  readonly server: string;
}

/** What every node shares: options, randomness, faults and the cluster directory. */
export interface SimContext {
  readonly options: ResolvedOptions;
  readonly random: Random;
  readonly faults: FaultRegistry;
  /** Real SEND durations and node capacity; undefined when the simulator runs without them. */
  readonly transfer: TransferModel | undefined;
  /** The copies between clusters in progress, and their link time. */
  readonly copies: LinkCopies;
  clusterNamed(name: string): ClusterState | undefined;
  /** The node listening (or configured) at `host:port`, in any cluster. */
  nodeAt(address: string): NodeState | undefined;
}

/**
 * What a request handler sees of a cluster, beyond the public `SimCluster`. `ClusterImpl`
 * implements it; handlers depend on this view, not on the class, so that the cluster, its nodes
 * and the handlers do not import one another in a circle.
 */
export interface ClusterState extends SimCluster {
  readonly nodes: readonly NodeState[];
  readonly store: ObjectStore;
  /** Admin user -> password; `challenge` and `digestAlgorithms` say how a node asks for them. */
  readonly admins: Readonly<Record<string, string>>;
  readonly challenge: 'digest+basic' | 'basic';
  readonly digestAlgorithms: readonly DigestAlgorithm[];
  readonly feeds: readonly FeedSpec[];
  /** `'domain'` or `'domain/bucket'` -> its realm's users (user -> password), for listings. */
  readonly protectedContexts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The processing log of one feed (`uuid@version` keys). */
  feedLog(id: number): Map<string, Date>;
  /** The copies one feed has in progress (`uuid@version` keys; the latest started). */
  feedCopies(id: number): Map<string, LinkCopy>;
  /** `scsp.defaultFeedSendTimeout`: how long a feed SEND waits without a numeric `timeout`, s. */
  readonly defaultFeedSendTimeoutSeconds: number;
}

/** What a request handler sees of a node, beyond the public `SimNode` (`NodeImpl` implements it). */
export interface NodeState extends SimNode {
  readonly cluster: ClusterState;
  readonly stats: NodeCounters;
  readonly tickets: TicketStore;
  readonly policy: AuthPolicy;
}

/** Everything a method handler needs about one request. */
export interface RequestContext {
  readonly sim: SimContext;
  readonly cluster: ClusterState;
  readonly node: NodeState;
  readonly req: SimRequest;
  readonly res: ResponseWriter;
  readonly conn: ConnectionState;
  readonly target: Target;
}
