import type { ClientErrorCode } from '../transport/network.js';
import type { FeedStatus } from './response-parser.js';

/*
 * What the SEND client observed, with no verdict in it: the client reports these and
 * `core/outcome/decide.ts` alone turns them into an outcome.
 */

/**
 * Everything the client saw of one SEND, with no interpretation yet. `classify` turns it into
 * an outcome, following swarm-scsp.md section 4 (section A wins where they differ).
 */
export interface SendObservation {
  readonly mode: 'legacy' | 'feed';
  /** Final response status, after authentication and redirects; null when none arrived. */
  readonly httpStatus: number | null;
  /** Number on the last `Remote cluster returned:` line. */
  readonly remoteStatus: number | null;
  /** True when the body was read to its terminating zero-length chunk. */
  readonly complete: boolean;
  readonly feeds: Readonly<Record<string, FeedStatus>>;
  /** Feed ids the message asked for by number (`feedid=N`); each must report a status. */
  readonly requestedFeedIds: readonly number[];
  /**
   * The route's replication feeds the selection includes (`provingFeeds`): only their status 0
   * proves a DR copy. Empty in feed mode means nothing can prove it: the SEND is refused.
   */
  readonly replicationFeedIds: readonly number[];
  /** A client-side condition that ended the SEND (network error code, auth or redirect policy). */
  readonly error: ClientErrorCode | null;
}

/** What the client observed of one SEND. */
export interface SendReport {
  readonly observation: SendObservation;
  /** host:port of the node that gave the final answer (or failed last). */
  readonly node: string | null;
  /** HTTP requests made, challenges and redirects included. */
  readonly requests: number;
  /** Nodes that answered 503 (busy) on the way: the adaptive concurrency limit's signal. */
  readonly busy: number;
  readonly durationMs: number;
  /** Log-safe detail: the last Castor-System-Error-Text or the network error message. */
  readonly detail: string | null;
  /** ETag of the object on the source, from the SEND's HEAD-like headers. */
  readonly etag: string | null;
  /** Castor-System-Version of the object on the source, from the same headers. */
  readonly version: string | null;
  /** True when the node hint was ignored because the source does not allow that node. */
  readonly hintIgnored: boolean;
}

/** What a HEAD of an object found. */
export interface HeadResult {
  readonly status: number | null;
  readonly etag: string | null;
  readonly contentLength: number | null;
  /** Castor-System-Version. */
  readonly version: string | null;
  readonly node: string | null;
  readonly error: ClientErrorCode | null;
  /** The stored Content-MD5 (base64), when the writer stored one (content identity). */
  readonly contentMd5?: string | null;
  /** Last-Modified: the version time when Castor-System-Version is missing. */
  readonly lastModified?: string | null;
}
