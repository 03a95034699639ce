import { Pool, type Dispatcher } from 'undici';
import type { ClientErrorCode } from './classify.js';
import { NodeAuth, parseChallenges, type Credentials } from './digest-auth.js';
import { acceptRedirect, nodeOrder } from './node-policy.js';
import type { ClusterConfig, NodeAddress } from './registry.js';
import { errorCode } from './network-errors.js';
import { describeCastorError } from './response-parser.js';

export { errorCode } from './network-errors.js';

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
}

/** What one node finally answered, after authentication and redirects. */
export interface Exchange {
  readonly status: number | null;
  readonly headers: Dispatcher.ResponseData['headers'];
  readonly body: string;
  readonly trailers: Readonly<Record<string, string>>;
  /** True when the body was read to its very end. */
  readonly complete: boolean;
  readonly error: ClientErrorCode | null;
  /** Log-safe detail: the last Castor-System-Error-* or the network error message. */
  readonly detail: string | null;
  readonly node: NodeAddress | null;
}

export interface TransportResult extends Exchange {
  /** HTTP requests made, challenges and redirects included. */
  readonly requests: number;
  /** Nodes that answered 503 (busy) before one took the request or every node was tried. */
  readonly busy: number;
  /** True when the node hint was not used because the node policy does not allow it. */
  readonly hintIgnored: boolean;
}

const DEFAULTS = {
  connectTimeoutMs: 3000,
  idleTimeoutMs: 60_000,
  connectionsPerNode: 8,
  keepAliveTimeoutMs: 30_000,
  maxRedirects: 5,
  maxResponseBytes: 1024 * 1024,
} as const;

const REDIRECTS = new Set([301, 302, 305, 307, 308]);
/**
 * Errors before any response: another node can take the request (row T1). A reset before the
 * status line is usually a pooled connection the node had closed. A 503 is a busy node.
 */
const FAILOVER_ERRORS: ReadonlySet<ClientErrorCode> = new Set(['connection-refused', 'connect-timeout', 'network-error', 'connection-reset']);

function shouldFailOver(x: Exchange): boolean {
  return (x.status === null && x.error !== null && FAILOVER_ERRORS.has(x.error)) || (x.status === 503 && x.error === null);
}

/** Reads a body to its end, refusing more than `limit` bytes (a node that streams forever). */
async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw Object.assign(new Error(`response body larger than ${limit} bytes`), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An exchange that ended in a client-side condition; complete when a whole answer was read. */
const failure = (node: NodeAddress | null, status: number | null, error: ClientErrorCode, detail: string | null, headers: Exchange['headers'] = {}): Exchange => ({
  status,
  headers,
  body: '',
  trailers: {},
  complete: status !== null,
  error,
  detail,
  node,
});

/**
 * Requests on Swarm storage nodes with undici: Digest auth with the challenge of each node
 * reused, redirects inside the cluster, failover across nodes, and the answer read to its very
 * end. One instance per process; it keeps a bounded keep-alive pool per node. SEND, HEAD and
 * listing GETs share it.
 */
export class ClusterTransport {
  readonly #opts: Required<Omit<TransportOptions, 'dispatcherFactory'>>;
  readonly #factory: (origin: string, options: Pool.Options) => Dispatcher;
  readonly #pools = new Map<string, Dispatcher>();
  readonly #auth = new Map<string, NodeAuth>();
  #rotor = 0;

  constructor(options: TransportOptions = {}) {
    const { dispatcherFactory, ...rest } = options;
    const merged = { ...DEFAULTS, ...rest };
    this.#opts = { ...merged, idleTimeoutMs: Math.max(1000, merged.idleTimeoutMs) };
    this.#factory = dispatcherFactory ?? ((origin, o) => new Pool(origin, o));
  }

  #pool(node: NodeAddress, ca: string | null): Dispatcher {
    let pool = this.#pools.get(node.origin);
    if (!pool) {
      pool = this.#factory(node.origin, {
        connections: this.#opts.connectionsPerNode,
        pipelining: 1,
        keepAliveTimeout: this.#opts.keepAliveTimeoutMs,
        headersTimeout: this.#opts.idleTimeoutMs,
        bodyTimeout: this.#opts.idleTimeoutMs,
        connect: { timeout: this.#opts.connectTimeoutMs, ...(node.protocol === 'https:' && ca ? { ca } : {}) },
      });
      this.#pools.set(node.origin, pool);
    }
    return pool;
  }

  #nodeAuth(node: NodeAddress, credentials: Credentials): NodeAuth {
    const key = `${node.origin}\n${credentials.username}\n${credentials.password}`;
    let auth = this.#auth.get(key);
    if (!auth) {
      auth = new NodeAuth(credentials);
      this.#auth.set(key, auth);
    }
    return auth;
  }

  /** Drops cached challenges, e.g. after credentials were rotated. */
  forgetAuth(): void {
    this.#auth.clear();
  }

  /** Performs one request on the cluster, failing over across nodes. Never throws. */
  async request(req: TransportRequest): Promise<TransportResult> {
    const { nodes, hintIgnored } = nodeOrder(req.cluster, req.nodeHint, req.rotate === false ? 0 : this.#rotor++);
    let requests = 0;
    let busy = 0;
    let last: Exchange | null = null;
    for (const node of nodes) {
      last = await this.#exchange(req, node, () => requests++);
      if (last.status === 503) busy += 1;
      if (!shouldFailOver(last) || req.signal?.aborted) break;
    }
    if (!last) return { ...failure(null, null, 'network-error', 'no node to ask'), requests, busy, hintIgnored };
    return { ...last, requests, busy, hintIgnored };
  }

  /** One request on one node, with the auth handshake and redirects resolved. */
  async #exchange(req: TransportRequest, start: NodeAddress, count: () => void): Promise<Exchange> {
    let node = start;
    let target = req.target;
    let hops = 0;
    let authRounds = 0;
    for (;;) {
      const auth = this.#nodeAuth(node, req.credentials);
      const fromCache = auth.hasChallenge && authRounds === 0;
      const authorization = auth.authorize(req.method, target);
      const headers = authorization ? { ...req.headers, ...req.extraAuthHeaders, authorization } : req.headers;
      let res: Dispatcher.ResponseData;
      try {
        count();
        res = await this.#pool(node, req.cluster.ca).request({ path: target, method: req.method as Dispatcher.HttpMethod, headers, signal: req.signal });
      } catch (err) {
        return failure(node, null, req.signal?.aborted ? 'deadline-exceeded' : errorCode(err), (err as Error).message ?? null);
      }
      const status = res.statusCode;
      if (status === 401) {
        await res.body.dump().catch(() => undefined);
        const challenges = parseChallenges(res.headers['www-authenticate']);
        // Answer: the first challenge, a stale nonce, or a cached nonce the node no longer knows.
        // A fresh challenge answered and refused again means the credentials are wrong.
        const mayRetry = authRounds < 3 && (authorization === null || challenges.some((c) => c.stale) || fromCache);
        if (mayRetry && auth.update(challenges)) {
          authRounds += 1;
          continue;
        }
        auth.reset();
        return failure(node, status, 'auth-rejected', describeCastorError(res.headers), res.headers);
      }
      if (REDIRECTS.has(status) && res.headers.location) {
        await res.body.dump().catch(() => undefined);
        const location = res.headers.location;
        const next = acceptRedirect(req.cluster, node, (Array.isArray(location) ? location.at(-1) : location) ?? '');
        if ('refused' in next) return failure(node, status, 'redirect-refused', next.refused, res.headers);
        if (++hops > this.#opts.maxRedirects) return failure(node, status, 'redirect-limit', null, res.headers);
        node = next.address;
        target = next.target;
        authRounds = 0;
        continue;
      }
      return this.#final(req, node, res);
    }
  }

  /** The final answer: read the body to its very end (the result comes last), bounded in size. */
  async #final(req: TransportRequest, node: NodeAddress, res: Dispatcher.ResponseData): Promise<Exchange> {
    let text = '';
    try {
      if (req.readBody === 'discard') await res.body.dump();
      else text = await readBounded(res.body, req.maxResponseBytes ?? this.#opts.maxResponseBytes);
    } catch (err) {
      const code = req.signal?.aborted ? 'deadline-exceeded' : errorCode(err);
      return { ...failure(node, res.statusCode, code, (err as Error).message ?? null, res.headers), complete: false };
    }
    const trailers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.trailers ?? {})) if (typeof v === 'string') trailers[k.toLowerCase()] = v;
    return { status: res.statusCode, headers: res.headers, body: text, trailers, complete: true, error: null, detail: describeCastorError(res.headers), node };
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
  }
}
