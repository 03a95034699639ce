import { Pool, type Dispatcher } from 'undici';
import { classify, type ClientErrorCode, type Classification, type SendObservation } from './classify.js';
import { NodeAuth, parseChallenges, sameCredentials, type Credentials } from './digest-auth.js';
import type { FeedSelection, ObjectRef } from './message.js';
import { isInNetworks } from './network.js';
import { parseNodeAddress, type ClusterConfig, type NodeAddress } from './registry.js';
import { describeCastorError, parseSendBody } from './response-parser.js';
import { buildSendHeaders, buildSendTarget } from './scsp-request.js';

/** Tuning of the SEND client; every field has a default fit for Lambda next to the cluster. */
export interface SendClientOptions {
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
  /** @default 'swarm-send/<version>' */
  readonly userAgent?: string;
}

/** Where and as whom: taken from the registry, never from a message. */
export interface SendRoute {
  readonly source: ClusterConfig;
  readonly destination: ClusterConfig;
  readonly credentials: Credentials;
  /** Destination admin; sent as Castor-System-Auth only when it differs from `credentials`. */
  readonly destinationCredentials?: Credentials | null;
}

export interface SendInput extends SendRoute {
  readonly object: ObjectRef;
  readonly feeds?: FeedSelection | undefined;
  /** Feed SEND: the route's replication feed ids in the selection (`provingFeeds`); only they prove a copy. */
  readonly replicationFeeds?: readonly number[] | undefined;
  /** Preferred source node (`host:port`); used only when it lies inside the source networks. */
  readonly nodeHint?: string | undefined;
  /** Aborts the SEND (the invocation deadline). */
  readonly signal?: AbortSignal | undefined;
}

export interface SendResult extends Classification {
  readonly observation: SendObservation;
  /** host:port of the node that gave the final answer (or failed last). */
  readonly node: string | null;
  /** HTTP requests made, challenges and redirects included. */
  readonly requests: number;
  readonly durationMs: number;
  /** Log-safe detail: the last Castor-System-Error-Text or the network error message. */
  readonly detail: string | null;
  /** ETag of the object on the source, from the SEND's HEAD-like headers. */
  readonly etag: string | null;
  /** Castor-System-Version of the object on the source, from the same headers. */
  readonly version: string | null;
  /** True when the node hint was ignored because it lies outside the source networks. */
  readonly hintIgnored: boolean;
}

export interface HeadResult {
  readonly status: number | null;
  readonly etag: string | null;
  readonly contentLength: number | null;
  /** Castor-System-Version. */
  readonly version: string | null;
  readonly node: string | null;
  readonly error: ClientErrorCode | null;
}

const DEFAULTS = {
  connectTimeoutMs: 3000,
  idleTimeoutMs: 60_000,
  connectionsPerNode: 8,
  keepAliveTimeoutMs: 30_000,
  maxRedirects: 5,
  userAgent: 'swarm-send/0.1',
} as const;

const REDIRECTS = new Set([301, 302, 305, 307, 308]);
const MAX_RESPONSE_BYTES = 1024 * 1024;
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** Maps an undici / socket error to a stable code (undici docs: match on `code`, not class). */
export function errorCode(err: unknown): ClientErrorCode {
  const e = err as { code?: string; name?: string; cause?: { code?: string; name?: string } };
  const code = e?.code ?? '';
  const causeCode = e?.cause?.code ?? '';
  const any = `${code} ${causeCode}`;
  if (e?.name === 'AbortError' || e?.cause?.name === 'AbortError' || /UND_ERR_ABORTED|ABORT_ERR/.test(any)) return 'deadline-exceeded';
  if (/ECONNREFUSED/.test(any)) return 'connection-refused';
  if (/UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT/.test(any)) return 'connect-timeout';
  if (/UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT/.test(any)) return 'idle-timeout';
  if (TLS_CODES.test(any)) return 'tls-rejected';
  if (/UND_ERR_SOCKET|ECONNRESET|EPIPE|UND_ERR_CLOSED|UND_ERR_RES_CONTENT_LENGTH_MISMATCH|HPE_/.test(any)) return 'connection-reset';
  return 'network-error';
}

/**
 * Errors before any response: another node can take the request (row T1). A reset before the
 * status line is usually a pooled connection the node had closed.
 */
const FAILOVER_ERRORS: ReadonlySet<ClientErrorCode> = new Set(['connection-refused', 'connect-timeout', 'network-error', 'connection-reset']);

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v.at(-1) ?? null) : v;
}

/**
 * Splits a Location without re-encoding its path: the auth= ticket must stay as given. A
 * relative Location (`/uuid?admin&auth=...`) stays on the current node.
 */
function parseLocation(location: string, current: NodeAddress): { address: NodeAddress; target: string } | null {
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

interface Exchange {
  readonly status: number | null;
  readonly headers: Dispatcher.ResponseData['headers'];
  readonly body: string;
  readonly trailers: Record<string, string>;
  readonly complete: boolean;
  readonly error: ClientErrorCode | null;
  readonly detail: string | null;
  readonly node: NodeAddress;
}

/**
 * Performs SCSP SEND (and HEAD) on Swarm storage nodes with undici: Digest auth with the
 * challenge of each node reused, redirects inside the source networks, failover across nodes,
 * and the chunked answer read to its very end. One instance per process; it keeps a bounded
 * keep-alive pool per node.
 */
export class SendClient {
  readonly #opts: Required<SendClientOptions>;
  readonly #pools = new Map<string, Pool>();
  readonly #auth = new Map<string, NodeAuth>();
  #rotor = 0;

  constructor(options: SendClientOptions = {}) {
    const merged = { ...DEFAULTS, ...options };
    this.#opts = { ...merged, idleTimeoutMs: Math.max(1000, merged.idleTimeoutMs) };
  }

  #pool(node: NodeAddress, ca: string | null): Pool {
    let pool = this.#pools.get(node.origin);
    if (!pool) {
      pool = new Pool(node.origin, {
        connections: this.#opts.connectionsPerNode,
        pipelining: 1,
        keepAliveTimeout: this.#opts.keepAliveTimeoutMs,
        headersTimeout: this.#opts.idleTimeoutMs,
        // A SEND answer is a few keep-alive newlines and one line; 1 MiB is far beyond that.
        maxResponseSize: MAX_RESPONSE_BYTES,
        bodyTimeout: this.#opts.idleTimeoutMs,
        connect: {
          timeout: this.#opts.connectTimeoutMs,
          ...(node.protocol === 'https:' && ca ? { ca } : {}),
        },
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

  /** Nodes to try, in order: the hint (when allowed), then the configured nodes round-robin. */
  #nodeOrder(cluster: ClusterConfig, hint: string | undefined): { nodes: NodeAddress[]; hintIgnored: boolean } {
    const start = this.#rotor++ % cluster.nodes.length;
    const nodes = [...cluster.nodes.slice(start), ...cluster.nodes.slice(0, start)];
    if (!hint) return { nodes, hintIgnored: false };
    let hinted: NodeAddress | null = null;
    try {
      const first = cluster.nodes[0];
      hinted = parseNodeAddress(first?.protocol === 'https:' ? `https://${hint}` : hint);
    } catch {
      return { nodes, hintIgnored: true };
    }
    if (!this.#allowed(cluster, hinted)) return { nodes, hintIgnored: true };
    return { nodes: [hinted, ...nodes.filter((n) => n.origin !== hinted.origin)], hintIgnored: false };
  }

  /** Redirects and hints may lead only to configured nodes or into the cluster's networks. */
  #allowed(cluster: ClusterConfig, node: NodeAddress): boolean {
    return cluster.nodes.some((n) => n.host === node.host && n.port === node.port) || isInNetworks(node.host, cluster.networks);
  }

  /**
   * One request on one node, with the auth handshake and redirects resolved. Never throws:
   * failures come back as `error` codes.
   */
  async #exchange(
    method: 'SEND' | 'HEAD',
    start: NodeAddress,
    startTarget: string,
    cluster: ClusterConfig,
    credentials: Credentials,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    count: () => void,
  ): Promise<Exchange & { redirectError?: ClientErrorCode }> {
    let node = start;
    let target = startTarget;
    let hops = 0;
    let authRounds = 0;
    for (;;) {
      const auth = this.#nodeAuth(node, credentials);
      const fromCache = auth.hasChallenge && authRounds === 0;
      const authorization = auth.authorize(method, target);
      let res: Dispatcher.ResponseData;
      try {
        count();
        res = await this.#pool(node, cluster.ca).request({
          path: target,
          method,
          headers: authorization ? { ...headers, authorization } : headers,
          signal,
        });
      } catch (err) {
        const code = signal?.aborted ? 'deadline-exceeded' : errorCode(err);
        return { status: null, headers: {}, body: '', trailers: {}, complete: false, error: code, detail: (err as Error).message ?? null, node };
      }
      const status = res.statusCode;
      if (status === 401) {
        await res.body.dump().catch(() => undefined);
        const challenges = parseChallenges(res.headers['www-authenticate']);
        const stale = challenges.some((c) => c.stale);
        // Answer: the first challenge, a stale nonce, or a cached nonce the node no longer knows.
        // A fresh challenge answered and refused again means the credentials are wrong.
        const mayRetry = authRounds < 3 && (authorization === null || stale || fromCache);
        if (mayRetry && auth.update(challenges)) {
          authRounds += 1;
          continue;
        }
        auth.reset();
        return { status, headers: res.headers, body: '', trailers: {}, complete: true, error: 'auth-rejected', detail: describeCastorError(res.headers), node };
      }
      if (REDIRECTS.has(status) && res.headers.location) {
        await res.body.dump().catch(() => undefined);
        const next = parseLocation(header(res.headers, 'location') ?? '', node);
        // Never follow a redirect out of the cluster, nor from https down to plain http: the
        // request carries admin credentials (and Castor-System-Auth in clear text).
        const downgrade = next !== null && node.protocol === 'https:' && next.address.protocol !== 'https:';
        if (!next || downgrade || !this.#allowed(cluster, next.address)) {
          return { status, headers: res.headers, body: '', trailers: {}, complete: true, error: 'redirect-refused', detail: `redirect to ${next?.address.hostPort ?? 'an unparsable Location'} refused`, node };
        }
        if (++hops > this.#opts.maxRedirects) {
          return { status, headers: res.headers, body: '', trailers: {}, complete: true, error: 'redirect-limit', detail: null, node };
        }
        node = next.address;
        target = next.target;
        authRounds = 0;
        continue;
      }
      // The final answer: read the body to its very end (the result comes last). The pool's
      // maxResponseSize bounds it, so a node that streams forever cannot exhaust memory.
      let text = '';
      try {
        if (method === 'HEAD') await res.body.dump();
        else text = await res.body.text();
      } catch (err) {
        const code = signal?.aborted ? 'deadline-exceeded' : errorCode(err);
        return { status, headers: res.headers, body: '', trailers: {}, complete: false, error: code, detail: (err as Error).message ?? null, node };
      }
      const trailers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.trailers ?? {})) if (typeof v === 'string') trailers[k.toLowerCase()] = v;
      return { status, headers: res.headers, body: text, trailers, complete: true, error: null, detail: describeCastorError(res.headers), node };
    }
  }

  /** Performs one SEND and classifies it. Never throws for anything the cluster or network does. */
  async send(input: SendInput): Promise<SendResult> {
    const started = performance.now();
    const { source, destination } = input;
    const mode = input.feeds ? 'feed' : 'legacy';
    const target = buildSendTarget(input.object, input.feeds);
    const headers = buildSendHeaders(
      mode === 'legacy'
        ? {
            cluster: destination.name,
            target: destination.target ?? '',
            remoteAuth: sameCredentials(input.credentials, input.destinationCredentials) ? undefined : input.destinationCredentials ?? undefined,
          }
        : null,
      this.#opts.userAgent,
    );
    const { nodes, hintIgnored } = this.#nodeOrder(source, input.nodeHint);
    let requests = 0;
    let last: Exchange | null = null;
    for (const node of nodes) {
      last = await this.#exchange('SEND', node, target, source, input.credentials, headers, input.signal, () => requests++);
      const failover = (last.status === null && last.error !== null && FAILOVER_ERRORS.has(last.error)) || (last.status === 503 && last.error === null);
      if (!failover || input.signal?.aborted) break;
    }
    const x = last!;
    const parsed = parseSendBody(x.body, x.trailers);
    const requestedFeedIds = (input.feeds?.ids ?? []).filter((id): id is number => typeof id === 'number');
    const observation: SendObservation = {
      mode,
      httpStatus: x.status,
      remoteStatus: parsed.remoteStatus,
      complete: x.complete,
      feeds: parsed.feeds,
      requestedFeedIds,
      replicationFeedIds: input.replicationFeeds ?? [],
      error: x.error,
    };
    const c = classify(observation);
    return {
      ...c,
      observation,
      node: x.node.hostPort,
      requests,
      durationMs: Math.round(performance.now() - started),
      detail: x.detail,
      etag: header(x.headers, 'etag'),
      version: header(x.headers, 'castor-system-version'),
      hintIgnored,
    };
  }

  /**
   * HEAD of an object on a cluster (admin realm): used to verify a copy on the destination.
   * Tries the cluster's nodes, else its target address.
   */
  async head(cluster: ClusterConfig, object: ObjectRef, credentials: Credentials, signal?: AbortSignal): Promise<HeadResult> {
    const nodes = cluster.nodes.length ? cluster.nodes : cluster.target ? [parseNodeAddress(cluster.target)] : [];
    const target = buildSendTarget(object);
    const headers = { 'user-agent': this.#opts.userAgent };
    const allowed: ClusterConfig = cluster.nodes.length ? cluster : { ...cluster, nodes };
    let last: Exchange | null = null;
    for (const node of nodes) {
      last = await this.#exchange('HEAD', node, target, allowed, credentials, headers, signal, () => undefined);
      if (!(last.status === null && last.error && FAILOVER_ERRORS.has(last.error))) break;
    }
    if (!last) return { status: null, etag: null, contentLength: null, version: null, node: null, error: 'network-error' };
    const length = header(last.headers, 'content-length');
    return {
      status: last.status,
      etag: header(last.headers, 'etag'),
      contentLength: length === null ? null : Number(length),
      version: header(last.headers, 'castor-system-version'),
      node: last.node.hostPort,
      error: last.error,
    };
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
  }
}
