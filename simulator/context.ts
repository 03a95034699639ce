import type { ConnectionState } from './connection.js';
import type { ClusterImpl } from './cluster.js';
import type { FaultRegistry } from './faults.js';
import type { SimRequest } from './http-request.js';
import type { ResponseWriter } from './http-response.js';
import type { NodeImpl } from './node-server.js';
import type { Target } from './object-path.js';
import type { Random } from './random.js';
import type { TransferModel } from './transfer.js';

/** Simulator options with every default applied. */
export interface ResolvedOptions {
  readonly host: string;
  readonly keepalive: { readonly count: number; readonly intervalMs: number };
  readonly nonceLifetimeMs: number;
  readonly acceptBasic: boolean;
  readonly redirectRate: number;
  readonly alreadyPresent: 'body' | 'status';
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
  clusterNamed(name: string): ClusterImpl | undefined;
  /** The node listening (or configured) at `host:port`, in any cluster. */
  nodeAt(address: string): NodeImpl | undefined;
}

/** Everything a method handler needs about one request. */
export interface RequestContext {
  readonly sim: SimContext;
  readonly cluster: ClusterImpl;
  readonly node: NodeImpl;
  readonly req: SimRequest;
  readonly res: ResponseWriter;
  readonly conn: ConnectionState;
  readonly target: Target;
}
