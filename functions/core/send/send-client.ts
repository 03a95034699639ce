import type { Dispatcher } from 'undici';
import { ClusterTransport, type TransportOptions } from '../transport/cluster-transport.js';
import { sameCredentials, type Credentials } from '../transport/digest-auth.js';
import type { FeedSelection, ObjectRef } from '../message/message.js';
import type { HeadResult, SendObservation, SendReport } from './observation.js';
import { parseNodeAddress, type ClusterConfig } from '../registry/registry.js';
import { USER_AGENT, buildSendHeaders, buildSendTarget } from './scsp-request.js';
import { objectRequest, type ObjectAnswer, type ObjectMethod } from './object-request.js';
import { parseSendBody } from './response-parser.js';
import { ObjectCopier, type CopyInput, type CopyResult } from '../copy/object-copy.js';

/** Tuning of the SEND client; every field has a default fit for Lambda next to the cluster. */
export interface SendClientOptions extends TransportOptions {
  /** @default USER_AGENT ('swarm-send/<major.minor>', functions/core/send/scsp-request.ts) */
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
  /** Preferred source node (`host:port`); used only when it is a node the source allows. */
  readonly nodeHint?: string | undefined;
  /** Aborts the SEND (the invocation deadline). */
  readonly signal?: AbortSignal | undefined;
  /** Told at once when a node answers 503 (busy), while the SEND fails over. */
  readonly onBusy?: (() => void) | undefined;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v.at(-1) ?? null) : v;
}

/**
 * Performs SCSP SEND (and HEAD) on Swarm storage nodes over a `ClusterTransport` (auth,
 * redirects, failover, pools) and reports what it observed. One instance per process.
 */
export class SendClient {
  readonly #transport: ClusterTransport;
  readonly #userAgent: string;
  #copier: ObjectCopier | null = null;

  constructor(options: SendClientOptions = {}) {
    const { userAgent, ...transport } = options;
    this.#userAgent = userAgent ?? USER_AGENT;
    this.#transport = new ClusterTransport(transport);
  }

  /** The shared transport (for other requests on the same pools, e.g. listings). */
  get transport(): ClusterTransport {
    return this.#transport;
  }

  /** Performs one SEND and reports what it observed. Never throws for anything the cluster or network does. */
  async observe(input: SendInput): Promise<SendReport> {
    const started = performance.now();
    const { source, destination } = input;
    const mode = input.feeds ? 'feed' : 'legacy';
    const remoteAuth =
      mode === 'legacy' && !sameCredentials(input.credentials, input.destinationCredentials)
        ? (input.destinationCredentials ?? undefined)
        : undefined;
    // Castor-System-Auth (the destination admin, in clear) rides only on authenticated requests.
    const { 'castor-system-auth': castorAuth, ...headers } = buildSendHeaders(
      mode === 'legacy' ? { cluster: destination.name, target: destination.target ?? '', remoteAuth } : null,
      this.#userAgent,
    );
    const x = await this.#transport.request({
      cluster: source,
      credentials: input.credentials,
      method: 'SEND',
      target: buildSendTarget(input.object, input.feeds),
      headers,
      extraAuthHeaders: castorAuth === undefined ? undefined : { 'castor-system-auth': castorAuth },
      signal: input.signal,
      nodeHint: input.nodeHint,
      readBody: 'text',
      onBusy: input.onBusy,
    });
    const parsed = parseSendBody(x.body, x.trailers);
    const observation: SendObservation = {
      mode,
      httpStatus: x.status,
      remoteStatus: parsed.remoteStatus,
      complete: x.complete,
      feeds: parsed.feeds,
      requestedFeedIds: (input.feeds?.ids ?? []).filter((id): id is number => typeof id === 'number'),
      replicationFeedIds: input.replicationFeeds ?? [],
      error: x.error,
    };
    return {
      observation,
      node: x.node?.hostPort ?? null,
      requests: x.requests,
      busy: x.busy,
      durationMs: Math.round(performance.now() - started),
      detail: x.detail,
      etag: header(x.headers, 'etag'),
      version: header(x.headers, 'castor-system-version'),
      hintIgnored: x.hintIgnored,
    };
  }

  /**
   * HEAD of an object on a cluster (admin realm): used to verify a copy on the destination.
   * Tries the cluster's nodes, else its target address.
   */
  async head(
    cluster: ClusterConfig,
    object: ObjectRef,
    credentials: Credentials,
    signal?: AbortSignal,
  ): Promise<HeadResult> {
    const nodes = cluster.nodes.length ? cluster.nodes : cluster.target ? [parseNodeAddress(cluster.target)] : [];
    const x = await this.#transport.request({
      cluster: cluster.nodes.length ? cluster : { ...cluster, nodes },
      credentials,
      method: 'HEAD',
      target: buildSendTarget(object),
      headers: { 'user-agent': this.#userAgent },
      signal,
      readBody: 'discard',
      rotate: false,
    });
    const length = header(x.headers, 'content-length');
    return {
      status: x.status,
      etag: header(x.headers, 'etag'),
      contentLength: length === null ? null : Number(length),
      version: header(x.headers, 'castor-system-version'),
      node: x.node?.hostPort ?? null,
      error: x.error,
      contentMd5: header(x.headers, 'content-md5'),
      lastModified: header(x.headers, 'last-modified'),
    };
  }

  /** One HEAD or DELETE of an object (a delete message's steps, `objectRequest`). Never throws. */
  objectRequest(
    method: ObjectMethod,
    cluster: ClusterConfig,
    object: ObjectRef,
    credentials: Credentials,
    signal?: AbortSignal,
  ): Promise<ObjectAnswer> {
    return objectRequest(this.#transport, method, cluster, object, credentials, this.#userAgent, signal);
  }

  /** The worker's own copy of an object, streamed from a source node to a DR node (`replaceStale: "copy"`). */
  copy(input: CopyInput): Promise<CopyResult> {
    this.#copier ??= new ObjectCopier(this.#userAgent);
    return this.#copier.copy(input);
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([this.#transport.close(), this.#copier?.close()]);
  }
}
