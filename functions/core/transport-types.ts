import type { Dispatcher, Pool } from 'undici';
import type { Credentials } from './digest-auth.js';
import type { Exchange } from './exchange.js';
import type { ClusterConfig } from './registry.js';

/** Tuning of the transport; every field has a default fit for Lambda next to the cluster. */
export interface TransportOptions {
  /** TCP (and TLS) connect timeout per node, ms. @default 3000 */
  readonly connectTimeoutMs?: number;
  /**
   * Longest silence allowed while waiting for the status line or between body bytes, ms. Each
   * keep-alive newline resets it. undici runs these timers at about 0.5 s resolution, so values
   * below 1000 are raised to 1000. @default 60000
   */
  readonly idleTimeoutMs?: number;
  /** Keep-alive connections per node (the pool bound). @default 8 */
  readonly connectionsPerNode?: number;
  /** Idle time after which a pooled connection is closed, ms. @default 30000 */
  readonly keepAliveTimeoutMs?: number;
  /** Redirect hops followed before giving up (swarm-scsp.md 3.4). @default 5 */
  readonly maxRedirects?: number;
  /** Largest response body read, bytes; a request may set its own. @default 1 MiB */
  readonly maxResponseBytes?: number;
  /** Node origins with a pool and cached challenges; the least recently used is closed beyond this. @default 64 */
  readonly maxNodes?: number;
  /** Makes the dispatcher of one origin (default: an undici Pool); lets tests see request shapes. */
  readonly dispatcherFactory?: (origin: string, options: Pool.Options) => Dispatcher;
}

/** One request on a cluster: the node order, failover, Digest auth and redirects are the transport's. */
export interface TransportRequest {
  readonly cluster: ClusterConfig;
  readonly credentials: Credentials;
  readonly method: string;
  /** Request-target (`/path?query`), already encoded. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  /** Preferred node (`host:port`); used only when the node policy allows it. */
  readonly nodeHint?: string | undefined;
  /** `text`: read the final body (bounded); `discard`: drop it (HEAD). */
  readonly readBody: 'text' | 'discard';
  /** Headers sent only on requests that carry an Authorization header (never on a challenge-seeking one). */
  readonly extraAuthHeaders?: Readonly<Record<string, string>> | undefined;
  /** Overrides the transport's maxResponseBytes for this request. */
  readonly maxResponseBytes?: number | undefined;
  /** Start at the next node round-robin (default) or always at the first configured node. */
  readonly rotate?: boolean | undefined;
  /** Called as soon as a node answers 503 (busy), before failing over: congestion is news now. */
  readonly onBusy?: (() => void) | undefined;
}

export interface TransportResult extends Exchange {
  /** HTTP requests made, challenges and redirects included. */
  readonly requests: number;
  /** Nodes that answered 503 (busy) before one took the request or every node was tried. */
  readonly busy: number;
  /** True when the node hint was not used because the node policy does not allow it. */
  readonly hintIgnored: boolean;
}
