import { Pool, type Dispatcher } from 'undici';
import { type ClientErrorCode, errorCode } from './network.js';
import { credentialsProblem, describeOffer, parseChallenges, type Credentials } from './digest-auth.js';
import { nodeConnection, failure, readBounded, type Exchange } from './node-connection.js';
import { NodeLoad, NodePools, acceptRedirect, nodeOrder } from './nodes.js';
import type { NodeAddress, ClusterConfig } from '../registry/registry.js';
import { redactSecrets } from '../redact.js';

const DEFAULTS = {
  connectTimeoutMs: 3000,
  idleTimeoutMs: 60_000,
  connectionsPerNode: 8,
  keepAliveTimeoutMs: 30_000,
  maxRedirects: 5,
  maxResponseBytes: 1024 * 1024,
  maxNodes: 64,
} as const;

const REDIRECTS = new Set([301, 302, 305, 307, 308]);
/**
 * Errors before any response: another node can take the request (row T1). A reset before the
 * status line is usually a pooled connection the node had closed. A 503 is a busy node.
 */
const FAILOVER_ERRORS: ReadonlySet<ClientErrorCode> = new Set([
  'connection-refused',
  'connect-timeout',
  'network-error',
  'connection-reset',
]);

function shouldFailOver(x: Exchange): boolean {
  return (
    (x.status === null && x.error !== null && FAILOVER_ERRORS.has(x.error)) || (x.status === 503 && x.error === null)
  );
}

/**
 * The passwords of this request (its own, and the one in a `user:password` header such as
 * Castor-System-Auth): a detail that carries any form of one is dropped (redact.ts). Only the
 * passwords: a username is common text, and `user:password` in any encoding holds the password.
 */
function secretsOf(req: TransportRequest): string[] {
  const out = [req.credentials.password];
  for (const value of Object.values(req.extraAuthHeaders ?? {})) out.push(value.slice(value.indexOf(':') + 1));
  return out;
}

/**
 * Why this request's credentials cannot travel, or null: its own, and the `user:password` of a
 * header such as Castor-System-Auth. The one check on the way out: every SEND, HEAD, DELETE and
 * listing passes here, and the answer is `credentials-invalid` (permanent), never a network error.
 */
function unfitCredentials(req: TransportRequest): string | null {
  const own = credentialsProblem(req.credentials);
  if (own) return `credentials: ${own}`;
  for (const [name, value] of Object.entries(req.extraAuthHeaders ?? {})) {
    const at = value.indexOf(':');
    const problem = credentialsProblem({ username: value.slice(0, at), password: value.slice(at + 1) });
    if (problem) return `${name} credentials: ${problem}`;
  }
  return null;
}

/**
 * Requests on Swarm storage nodes with undici: Digest auth with the challenge of each node
 * reused, redirects inside the cluster, failover across nodes, and the answer read to its very
 * end. One instance per process; it keeps a bounded keep-alive pool per node. SEND, HEAD and
 * listing GETs share it.
 */
export class ClusterTransport {
  readonly #opts: Required<Omit<TransportOptions, 'dispatcherFactory'>>;
  readonly #nodes: NodePools;
  readonly #load = new NodeLoad();
  #rotor = 0;

  constructor(options: TransportOptions = {}) {
    const { dispatcherFactory, ...rest } = options;
    const merged = { ...DEFAULTS, ...rest };
    this.#opts = { ...merged, idleTimeoutMs: Math.max(1000, merged.idleTimeoutMs) };
    const factory = dispatcherFactory ?? ((origin, o) => new Pool(origin, { ...o, factory: nodeConnection }));
    this.#nodes = new NodePools(this.#opts.maxNodes, (origin, ca) => factory(origin, this.#poolOptions(origin, ca)));
  }

  #poolOptions(origin: string, ca: string | null): Pool.Options {
    return {
      connections: this.#opts.connectionsPerNode,
      pipelining: 1,
      keepAliveTimeout: this.#opts.keepAliveTimeoutMs,
      headersTimeout: this.#opts.idleTimeoutMs,
      bodyTimeout: this.#opts.idleTimeoutMs,
      connect: { timeout: this.#opts.connectTimeoutMs, ...(origin.startsWith('https:') && ca ? { ca } : {}) },
    };
  }

  /** Node origins with a pool, and cached challenge states: both bounded by `maxNodes`. */
  get stats(): { readonly nodes: number; readonly authEntries: number } {
    return { nodes: this.#nodes.size, authEntries: this.#nodes.authEntries };
  }

  /** Performs one request on the cluster, failing over across nodes. Never throws. */
  async request(req: TransportRequest): Promise<TransportResult> {
    const order = nodeOrder(req.cluster, req.nodeHint, req.rotate === false ? 0 : this.#rotor++);
    const { hintIgnored } = order;
    // A usable hint keeps its place; a fixed order (HEAD) is kept as configured.
    const nodes =
      req.rotate === false ? order.nodes : this.#load.leastBusyFirst(order.nodes, req.nodeHint && !hintIgnored ? 1 : 0);
    const problem = unfitCredentials(req);
    // Nothing goes on the wire with credentials no header can carry: a configuration error.
    if (problem)
      return {
        ...failure(null, null, 'credentials-invalid', problem),
        requests: 0,
        busy: 0,
        hintIgnored,
      };
    let requests = 0;
    let busy = 0;
    let last: Exchange | null = null;
    for (const node of nodes) {
      this.#load.track(node.origin, 1);
      last = await this.#exchange(req, node, () => requests++).finally(() => this.#load.track(node.origin, -1));
      if (last.status === 503) {
        busy += 1;
        req.onBusy?.();
      }
      if (!shouldFailOver(last) || req.signal?.aborted) break;
    }
    if (!last) return { ...failure(null, null, 'network-error', 'no node to ask'), requests, busy, hintIgnored };
    return {
      ...last,
      detail: last.detail === null ? null : redactSecrets(last.detail, secretsOf(req)),
      requests,
      busy,
      hintIgnored,
    };
  }

  /** One request on one node, with the auth handshake and redirects resolved. */
  async #exchange(req: TransportRequest, start: NodeAddress, count: () => void): Promise<Exchange> {
    let node = start;
    let target = req.target;
    let hops = 0;
    let authRounds = 0;
    for (;;) {
      const state = this.#nodes.get(node.origin, req.cluster.ca);
      // Basic sends the password itself: only where the registry allows it, and only over TLS.
      const policy = { allowBasic: req.cluster.allowBasic && node.protocol === 'https:' };
      const auth = this.#nodes.auth(state, req.credentials, policy);
      const fromCache = auth.hasChallenge && authRounds === 0;
      const authorization = auth.authorize(req.method, target);
      // Castor-System-Auth and the like ride only with an Authorization, never on a challenge-seeking request.
      const headers = authorization ? { ...req.headers, ...req.extraAuthHeaders, authorization } : req.headers;
      let res: Dispatcher.ResponseData;
      try {
        count();
        res = await state.dispatcher.request({
          path: target,
          method: req.method as Dispatcher.HttpMethod,
          headers,
          signal: req.signal,
        });
      } catch (err) {
        return failure(
          node,
          null,
          req.signal?.aborted ? 'deadline-exceeded' : errorCode(err),
          (err as Error).message ?? null,
        );
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
        const why = mayRetry ? describeOffer(challenges, policy) : describeCastorError(res.headers);
        return failure(node, status, 'auth-rejected', why, res.headers);
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
    return {
      status: res.statusCode,
      headers: res.headers,
      body: text,
      trailers,
      complete: true,
      error: null,
      detail: describeCastorError(res.headers),
      node,
    };
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.#nodes.close();
  }
}

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

/** A Castor-System-Error-* triple, which any SCSP answer may carry (swarm-scsp.md 1.5). */
export interface CastorError {
  readonly code: string | null;
  readonly token: string | null;
  readonly text: string | null;
}

/**
 * The most relevant Castor-System-Error-* triple: the last of a cascade (swarm-scsp.md 1.5).
 */
export function lastCastorError(headers: Readonly<Record<string, string | string[] | undefined>>): CastorError | null {
  const last = (name: string): string | null => {
    const v = headers[name];
    if (v === undefined) return null;
    return Array.isArray(v) ? (v.at(-1) ?? null) : v;
  };
  const code = last('castor-system-error-code');
  const token = last('castor-system-error-token');
  const text = last('castor-system-error-text');
  return (code ?? token ?? text) ? { code, token, text } : null;
}

/** One line for an outcome's `detail`: `Token (code): text` from the last error triple. */
export function describeCastorError(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const e = lastCastorError(headers);
  if (!e) return null;
  const head = [e.token, e.code && `(${e.code})`].filter(Boolean).join(' ');
  return [head, e.text].filter(Boolean).join(': ') || null;
}
