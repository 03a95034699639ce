import type { DigestAlgorithm } from './digest.js';

/**
 * Public types of the Swarm storage-cluster simulator. Tests, the local demo and the benchmarks
 * code against these; the implementation lives in the neighbouring files.
 */

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Interface every node listens on. @default '127.0.0.1' */
  host?: string;
  /** The simulated clusters (at least one). */
  clusters: ClusterSpec[];
  /**
   * Keep-alive "\n" chunks a SEND writes before its result, and the pause before each.
   * @default { count: 2, intervalMs: 0 }
   */
  keepalive?: { count: number; intervalMs: number };
  /** How long a Digest nonce stays valid; an expired nonce gets 401 with stale=true. @default 300_000 */
  nonceLifetimeMs?: number;
  /** Accept correct Basic credentials (Digest is always accepted). @default true */
  acceptBasic?: boolean;
  /** 0..1 chance that a PAN redirects a SEND/GET/HEAD to another node of its cluster. @default 0 */
  redirectRate?: number;
  /**
   * How a legacy SEND of an object already at the destination answers: `'body'` = 200 chunked
   * with "Remote cluster returned: 409"; `'status'` = an outer 409 Conflict.
   * @default 'body'
   */
  alreadyPresent?: 'body' | 'status';
  /**
   * A legacy SEND whose destination holds an older version of the object (undocumented):
   * `'conflict'` answers 409 as for any copy; `'replace'` copies the newer version (201).
   * @default 'conflict'
   */
  olderAtDestination?: 'conflict' | 'replace';
  /** Benchmarks: no keep-alive chunks and no artificial delays (faults still apply). @default false */
  zeroLatency?: boolean;
  /** Seed of the deterministic randomness (redirect choices, generated UUIDs). Nonces stay random. */
  seed?: number;
  /** Version in `Server: CAStor Cluster/<version>`. @default '9.1.0' (the founding example's) */
  serverVersion?: string;
  /**
   * Real SEND durations and node capacity (see simulator/transfer.ts). Off by default: without
   * it a SEND takes no time and nodes never run out of slots.
   */
  transfer?: TransferOptions;
}

/** A network link between two clusters. */
export interface TransferLink {
  /** Round-trip time, ms. */
  rttMs: number;
  /** Usable bandwidth, megabits per second. */
  bandwidthMbps: number;
}

/** The transfer model: links, object sizes and how many SENDs one node runs at once. */
export interface TransferOptions {
  /** The link between any two clusters not named in `links`. */
  link: TransferLink;
  /** Links by ordered cluster pair, keyed `source->destination` (cluster names). */
  links?: Record<string, TransferLink>;
  /**
   * Object sizes for the transfer time: a seeded lognormal by median and 99th percentile, drawn
   * per object UUID (the stored body stays as written). Without it the body's length counts. A
   * virtual object's size (`put({ size })`) always counts as it is, never drawn.
   */
  objectSizes?: { medianBytes: number; p99Bytes: number; maxBytes?: number };
  /**
   * For objects without a size: each copying SEND lasts a seeded lognormal draw (median, 99th
   * percentile) instead of the link arithmetic. Ignored when `objectSizes` is given, and for
   * virtual objects.
   */
  sendLatency?: { medianMs: number; p99Ms: number };
  /** SENDs in progress per node beyond which the node answers 503. @default unlimited */
  maxSendsPerNode?: number;
  /** Pause between keep-alive newlines while a transfer runs, ms. @default 1000 */
  keepaliveIntervalMs?: number;
  /** Seed of the size and latency draws. @default 1 */
  seed?: number;
  /**
   * What the copy of a legacy SEND does when its client disconnects before the result line (the
   * vendor does not say): `'copy-finishes'`: it goes on and stores the object when its transfer
   * time is up, though nobody reads the answer; `'copy-abandoned'`: it stops and nothing is
   * stored (its link time so far counts in `copyMsAbandoned`). Feed copies always go on.
   * @default 'copy-finishes'
   */
  disconnect?: 'copy-finishes' | 'copy-abandoned';
}

/** One replication, search or S3-backup feed defined on a cluster. */
export interface FeedSpec {
  /** The feed's system-assigned ID (what `feedid=` names). */
  id: number;
  type: 'replication' | 'search' | 's3backup';
  /** Domain scope; objects in other domains are out of scope. @default - the whole cluster */
  domains?: string[];
  /** Replication feeds: the name of the simulated cluster objects are copied to. */
  target?: string;
}

/** One simulated cluster. */
export interface ClusterSpec {
  /** The `cluster.name` setting; also the name of the default domain. */
  name: string;
  /** How many node servers (each its own TCP port on the simulator's host). */
  nodes: number;
  /**
   * Port of the first node; the others take the following ports. @default 0 (every node ephemeral)
   */
  basePort?: number;
  /** `security.administrators`: user to password. @default { admin: 'ourpwdofchoicehere' } */
  admins?: Record<string, string>;
  /**
   * What a 401 offers. `'basic'` offers (and accepts) Basic only, whatever `acceptBasic` says.
   * @default 'digest+basic'
   */
  challenge?: 'digest+basic' | 'basic';
  /**
   * Digest algorithms the nodes offer (one challenge each, in this order) and accept: any of
   * `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess` (RFC 7616). @default ['MD5']
   */
  digestAlgorithms?: DigestAlgorithm[];
  /** Feeds defined on this cluster (for the 11.2+ feed SEND). @default [] */
  feeds?: FeedSpec[];
  /**
   * `scsp.defaultFeedSendTimeout`: how long a feed SEND with `timeout=true` (or none) waits for
   * its feeds before it answers status 1 and lets them go on in the background, seconds.
   * @default 30
   */
  defaultFeedSendTimeoutSeconds?: number;
  /** Listings show writes and deletes only after this long, ms. @default 0 */
  indexLagMs?: number;
  /** A search feed answers listings; false = every listing answers 503. @default true */
  search?: boolean;
  /**
   * Protected contexts: `'domain'` or `'domain/bucket'` to its realm's users (user to password).
   * Listing one needs those credentials (realm = the key) or the admin override (`?admin`).
   * @default {} (every context open)
   */
  protectedContexts?: Record<string, Record<string, string>>;
}

/** A running simulator: every cluster, node and fault switch. */
export interface SwarmSimulator {
  readonly clusters: readonly SimCluster[];
  /** The cluster with this name; throws on an unknown name. */
  cluster(name: string): SimCluster;
  readonly faults: FaultInjector;
  /**
   * Totals over every node: requests (every parsed request), sends (SEND requests that passed
   * auth), challenges (401s sent), authRejected, redirects, connections (TCP accepts), resets
   * (connections killed by a fault), busy, and the link time of copies (`copies`, `copyMs` and
   * the parts of it restarted or abandoned).
   */
  counters(): Counters;
  resetCounters(): void;
  /** Stops every node and ends every connection. */
  close(): Promise<void>;
}

/** What {@link SimCluster.put} stores. Named when `bucket` and `name` are given. */
export interface PutObjectInput {
  /** Unnamed objects: generated (32 lower-case hex) when absent. Named objects get one too. */
  uuid?: string;
  /** An alias (anchor) unnamed object rather than an immutable one. */
  alias?: boolean;
  /** Named objects: the domain. @default - the cluster name (the default domain) */
  domain?: string;
  bucket?: string;
  name?: string;
  /** The bytes; left out (or empty) when `size` is given. */
  body?: string | Uint8Array;
  /**
   * A virtual size, bytes (an integer, up to terabytes): the object is stored with this size and
   * no bytes. HEAD's Content-Length and listings say it, the transfer model times its copies by
   * it, a GET streams filler (see {@link StoredObject.virtual}).
   */
  size?: number;
  /** @default 'application/octet-stream' */
  contentType?: string;
  /** Erasure-coded (`Manifest: ec`). @default false */
  ec?: boolean;
  /** Creation time (`Castor-System-Created`, listings' `last_modified`): tests of old objects. @default now */
  created?: Date;
  /** Index lag of this write (listings show it only after this long). @default the cluster's `indexLagMs` */
  indexLagMs?: number;
  /** `Lifepoint` header values, e.g. `[] deletable=no` (lifepoint.ts): a DELETE they forbid gets 403. */
  lifepoints?: readonly string[];
  /**
   * The stored Content-MD5 (base64), or `true` to compute it (`gencontentmd5`; refused for a
   * virtual object, whose bytes are never held). @default none stored
   */
  contentMd5?: string | true;
  /** Metadata headers kept and returned on reads (Content-Disposition, Castor-*, X-*-Meta-*, Lifepoint). */
  meta?: readonly (readonly [string, string])[];
}

/** One simulated cluster: its nodes and its object store. */
export interface SimCluster {
  readonly name: string;
  readonly nodes: readonly SimNode[];
  /** `host:port` of each node, in node order. */
  readonly addresses: readonly string[];
  /** Stores an object directly (no HTTP). Domains and buckets are created on demand. */
  put(obj: PutObjectInput): StoredObject;
  get(ref: ObjectRef): StoredObject | undefined;
  has(ref: ObjectRef): boolean;
  /** Deletes an object; listings still show it until the index lag has passed. */
  delete(ref: ObjectRef): boolean;
  /**
   * The re-encode fault: rewrites an object's ETag and Castor-System-Version (as the Health
   * Processor does when it converts it to erasure coding) with the same bytes and Content-MD5.
   */
  reencode(ref: ObjectRef): StoredObject | undefined;
  readonly objectCount: number;
  /** Index lag of listings, ms: writes and deletes show up in listings only after it. @default 0 */
  indexLagMs: number;
  /** Whether the search feed answers listings; false makes every listing 503. @default true */
  searchEnabled: boolean;
}

/** An unnamed object by UUID, or a named one (domain defaults to the cluster name). */
export type ObjectRef = { uuid: string } | { domain?: string; bucket: string; name: string };

/** An object as stored; immutable (a write replaces the whole record). */
export interface StoredObject {
  /** Alias UUID or content UUID (32 lower-case hex); named objects get one too. */
  readonly uuid: string;
  readonly alias: boolean;
  readonly domain?: string;
  readonly bucket?: string;
  readonly name?: string;
  /** The bytes; empty for a virtual object. */
  readonly body: Uint8Array;
  /** The object's length, bytes: the body's, or the virtual size (HEAD's Content-Length). */
  readonly size: number;
  /**
   * Stored with a size and no bytes (`put({ size })`). A GET streams filler as it is read (the
   * object's UUID repeated), never allocating the object; the ETag is the quoted MD5 of
   * `virtual:<uuid>:<size>:<version>` (a new one each version), not of the filler.
   */
  readonly virtual: boolean;
  /** Quoted MD5 of the body, e.g. `"166e93908fc32ffb5f55beb7ed531ba1"` (virtual objects: see `virtual`). */
  readonly etag: string;
  readonly contentType: string;
  readonly created: Date;
  /** `Castor-System-Version`: seconds.milliseconds of `created`. */
  readonly version: string;
  readonly ec: boolean;
  /** The cluster where the object was created (`Castor-System-Cluster` on reads); kept by copies. */
  readonly cluster: string;
  /** The `Lifepoint` values among `meta`, read from it; copies keep them (so a lock holds at DR too). */
  readonly lifepoints?: readonly string[];
  /** The stored Content-MD5 (base64), when the writer gave one or asked for it. */
  readonly contentMd5?: string;
  /** Metadata headers kept with the object, returned on HEAD/GET. */
  readonly meta?: readonly (readonly [string, string])[];
}

/** One node server. */
export interface SimNode {
  /** `host:port`. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Whether the node is listening. */
  readonly running: boolean;
  counters(): Counters;
  /** Stops listening and ends every connection: connections are refused (a dead node). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Request and connection counts, per node or summed. */
export interface Counters {
  requests: number;
  sends: number;
  challenges: number;
  authRejected: number;
  redirects: number;
  connections: number;
  resets: number;
  /** SENDs answered 503 because the node already ran its transfer model's `maxSendsPerNode`. */
  busy: number;
  /** Copies of an object to another cluster the node's SENDs started (legacy or feed). */
  copies: number;
  /**
   * Copies that stored an object version another copy to the same cluster, overlapping it in
   * time, had stored first: a copy started again while one was in progress (a second legacy
   * SEND, a feed SEND with `force`), whose work was wasted.
   */
  copiesRestarted: number;
  /** Copies that ended without storing anything (client gone under `copy-abandoned`, a fault). */
  copiesAbandoned: number;
  /**
   * Link time of the copies that ended, ms: a stored copy its whole transfer time, an abandoned
   * one the time until it was given up.
   */
  copyMs: number;
  /** The part of `copyMs` spent on abandoned copies. */
  copyMsAbandoned: number;
  /**
   * The part of `copyMs` spent on restarted copies: with `copyMsAbandoned`, the link time wasted
   * on copies made twice or given up (the two never overlap).
   */
  copyMsRestarted: number;
  byMethod: Record<string, number>;
}

/** Injects faults into matching requests; the first matching fault with hits left applies. */
export interface FaultInjector {
  add(fault: Fault): void;
  clear(): void;
}

/** Which requests a fault hits. Every given field must match. */
export interface FaultMatch {
  /** Cluster name. */
  cluster?: string;
  /** Node address, `host:port`. */
  node?: string;
  /** Method, e.g. `'SEND'` (case-insensitive). */
  method?: string;
  /** Object: its UUID, or `'bucket/name'` for a named object. */
  object?: string;
  /** Listing requests only (`format=` present); with `marker`, only the page after that key ('' = the first page). */
  listing?: boolean;
  marker?: string;
}

/** What a fault does. */
export type FaultKind =
  /** Outer status with Castor-System-Error-* headers and an html body; 5xx adds Connection: close. */
  | { type: 'status'; status: number }
  /** Legacy SEND: 200 chunked whose result line is "Remote cluster returned: <status>"; nothing copied. */
  | { type: 'remote-status'; status: number }
  /** early: outer 503 before streaming; late: 200, keep-alives, then "Remote cluster returned: 503". */
  | { type: 'remote-unreachable'; variant: 'early' | 'late' }
  /** 200 + headers + one keep-alive chunk, then a TCP reset. `copied`: the object still got across. */
  | { type: 'reset-mid-body'; copied?: boolean }
  /** 200 + keep-alives, then a clean close without the result line or the zero chunk. */
  | { type: 'truncate'; copied?: boolean }
  /** Send the 200 headers, then nothing for `ms`, then continue normally. */
  | { type: 'stall'; ms: number }
  /** `count` keep-alive chunks `intervalMs` apart, then the normal result. */
  | { type: 'slow-keepalive'; count: number; intervalMs: number }
  /** Read the request, close the socket, answer nothing. */
  | { type: 'close-before-response' }
  /**
   * Redirect to `to` (`host:port`, may be outside the simulator) or, by default, to another node
   * of the same cluster, with an `auth=` ticket. `close` adds Connection: close.
   */
  | { type: 'redirect'; status?: 301 | 302 | 307; to?: string; close?: boolean }
  /** Feed SEND: report this Feed-<id>-Status (1 = timeout, blank StatusTime; >=2 = failure); no copy. */
  | { type: 'feed-status'; feedId: number; status: number }
  /** 404 (object not found) while the fault has hits left, then normal: combine with `times`. */
  | { type: 'not-found-then-found' }
  /** A listing page answered 200 with a broken body: JSON cut in the middle, a JSON object, or html. */
  | { type: 'bad-listing'; body: 'truncated' | 'not-array' | 'html' }
  /**
   * A concurrent writer: a GET of the object sends its headers and body, then the cluster stores
   * a new version of it (`body`, default the old bytes reversed) before the answer ends.
   */
  | { type: 'concurrent-write'; body?: string };

/** A fault: which requests, how many times, what happens. */
export interface Fault {
  match?: FaultMatch;
  /**
   * How many matching requests it hits. @default - unlimited. Counted only on requests that
   * passed authentication, except `status` 500/503 faults, which fire before authentication.
   */
  times?: number;
  kind: FaultKind;
}
