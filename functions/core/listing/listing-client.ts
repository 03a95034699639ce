import type { ClusterTransport, TransportResult } from '../transport/cluster-transport.js';
import type { Credentials } from '../transport/digest-auth.js';
import {
  buildListingTarget,
  buildUsageTarget,
  DEFAULT_PAGE_SIZE,
  ListingError,
  ListingPageError,
  sendableMarker,
  type ListingEnd,
  type ListingRow,
  type ListingScope,
} from './listing.js';
import { readListingPage, type ListingPage } from './listing-page.js';
import { USER_AGENT } from '../send/scsp-request.js';
import type { ClusterConfig } from '../registry/registry.js';

/** Tuning of the listing client. */
export interface ListingClientOptions {
  /** Rows per page (`size=`). @default 1000 */
  readonly pageSize?: number;
  /** `fields=` to request; omitted = the cluster's default row. */
  readonly fields?: readonly string[];
  /** Tries per page before the scope ends as an error. @default 4 */
  readonly triesPerPage?: number;
  /** First pause between tries of a page, ms; doubles each time. @default 250 */
  readonly retryDelayMs?: number;
  /** Largest page body read, bytes. @default {@link MAX_PAGE_BYTES} */
  readonly maxPageBytes?: number;
  /** @default USER_AGENT (functions/core/send/scsp-request.ts) */
  readonly userAgent?: string;
  /** Waits between tries (tests pass a fast one). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Largest listing page body read: 8 MiB, sized to the 256 MB reconcile function (docs/reconcile.md,
 * "Memory bounds"). A page costs at most about 6 times its bytes while it is read and parsed (the
 * body's chunks and their joined copy, 2 x; the decoded string, up to 2 x for non-Latin-1 text;
 * the parsed rows' strings, up to 2 x again): 48 MiB. Both sides read a page at once while each
 * still holds its previous page's rows (at most 16 MiB each): 2 x (48 + 16) = 128 MiB at worst,
 * above Node's own footprint (about 44 MB for the CLI), within 256 MB. At the default 1000 rows
 * that leaves 8 KiB a row; a larger page is `page-too-large`, never read to its end.
 */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Waits `ms`, or until `signal` aborts; either way the timer and the abort listener are gone after. */
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Maps a transport answer that is not a usable page to a listing error (null: try again). */
function errorOf(x: TransportResult): ListingError {
  const detail = x.detail ? `: ${x.detail}` : '';
  if (x.error === 'auth-rejected') return new ListingError('auth-rejected', `listing refused (401)${detail}`, x.status);
  if (x.error === 'credentials-invalid')
    return new ListingError('credentials-invalid', `listing not asked: ${x.detail ?? 'credentials-invalid'}`, x.status);
  if (x.error === 'deadline-exceeded') return new ListingError('aborted', 'listing aborted', x.status);
  if (x.error !== null) return new ListingError('network', `listing failed: ${x.error}${detail}`, x.status);
  if (x.status === 404 || x.status === 412)
    return new ListingError('not-found', `the scope does not exist on this cluster (${x.status})${detail}`, x.status);
  if (x.status === 400)
    return new ListingError('bad-request', `the cluster refused the listing query (400)${detail}`, x.status);
  if (x.status === 503)
    return new ListingError(
      'unavailable',
      `listing unavailable (503: search feed or indexer down?)${detail}`,
      x.status,
    );
  return new ListingError('http-status', `listing answered ${x.status}${detail}`, x.status);
}

/** Whether a 200 answer's body was cut off at the page byte bound (the transport's own message). */
function overBound(x: TransportResult, limit: number): boolean {
  return x.status === 200 && x.error !== null && x.detail === `response body larger than ${limit} bytes`;
}

/** The listing error a page that parsed wrong becomes. */
function pageErrorOf(err: ListingPageError): ListingError {
  if (err.code === 'stalled')
    return new ListingError('listing-stalled', `the listing does not advance: ${err.message}`, 200);
  if (err.code === 'too-many-rows')
    return new ListingError('too-many-rows', `a listing page was refused: ${err.message}`, 200);
  return new ListingError('bad-page', `a listing page could not be used: ${err.message}`, 200);
}

/** Whether trying the same page again may help. */
function retryable(err: ListingError): boolean {
  return (
    err.code === 'unavailable' ||
    err.code === 'network' ||
    err.code === 'bad-page' ||
    (err.code === 'http-status' && (err.status ?? 0) >= 500)
  );
}

/**
 * Pages through a Swarm listing with the same auth, redirect and failover rules as SEND (the
 * shared {@link ClusterTransport}). An async iterator of pages: the marker is the last row's
 * key, percent-encoded; it stops only where the protocol ends a listing ({@link ListingEnd}: `[]`,
 * or the marker's row alone; a short page is not the end); a failed page is tried again with the
 * same marker, so no row is skipped or repeated; one page in memory. A page that is not a JSON
 * array, brings no row after the marker, holds more rows than asked or more bytes than
 * {@link MAX_PAGE_BYTES}, a 503 or reset that persists, or a 401 ends the walk with a
 * {@link ListingError}, never as an empty listing.
 */
export class ListingClient {
  readonly #opts: Required<Omit<ListingClientOptions, 'fields'>> & { fields: readonly string[] | undefined };
  /** Requests made so far (challenges, redirects and retries included). */
  requests = 0;

  constructor(
    private readonly transport: ClusterTransport,
    private readonly cluster: ClusterConfig,
    private readonly credentials: Credentials,
    options: ListingClientOptions = {},
  ) {
    this.#opts = {
      pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
      fields: options.fields,
      triesPerPage: Math.max(1, options.triesPerPage ?? 4),
      retryDelayMs: options.retryDelayMs ?? 250,
      maxPageBytes: options.maxPageBytes ?? MAX_PAGE_BYTES,
      userAgent: options.userAgent ?? USER_AGENT,
      sleep: options.sleep ?? defaultSleep,
    };
  }

  async #get(target: string, signal: AbortSignal | undefined, readBody: 'text' | 'discard'): Promise<TransportResult> {
    const x = await this.transport.request({
      cluster: this.cluster,
      credentials: this.credentials,
      method: 'GET',
      target,
      headers: { 'user-agent': this.#opts.userAgent },
      signal,
      readBody,
      maxResponseBytes: this.#opts.maxPageBytes,
    });
    this.requests += x.requests;
    return x;
  }

  /** One page after `marker`, tried up to `triesPerPage` times: its rows only. */
  async page(scope: ListingScope, marker: string | null, signal?: AbortSignal): Promise<ListingRow[]> {
    return (await this.read(scope, marker, signal)).rows;
  }

  /**
   * One page after `marker` and how the listing ended if it did, tried up to `triesPerPage`
   * times. A marker no request can carry goes as {@link sendableMarker}; the rows up to the real
   * marker are dropped. A scope whose own name no request can carry is `unnameable`.
   */
  async read(scope: ListingScope, marker: string | null, signal?: AbortSignal): Promise<ListingPage> {
    let target: string;
    try {
      target = buildListingTarget(scope, {
        marker: sendableMarker(marker),
        size: this.#opts.pageSize,
        ...(this.#opts.fields && { fields: this.#opts.fields }),
      });
    } catch (err) {
      throw new ListingError('unnameable', `the scope's name cannot be put in a request: ${(err as Error).message}`);
    }
    let last: ListingError | null = null;
    for (let attempt = 1; attempt <= this.#opts.triesPerPage; attempt++) {
      if (attempt > 1) await this.#opts.sleep(this.#opts.retryDelayMs * 2 ** (attempt - 2), signal);
      if (signal?.aborted) throw new ListingError('aborted', 'listing aborted');
      const x = await this.#get(target, signal, 'text');
      if (overBound(x, this.#opts.maxPageBytes))
        throw new ListingError(
          'page-too-large',
          `a listing page was refused: its body is larger than ${this.#opts.maxPageBytes} bytes`,
          200,
        );
      if (x.status === 200 && x.error === null && x.complete) {
        try {
          return readListingPage(x.body, scope.kind, marker, this.#opts.pageSize);
        } catch (err) {
          if (!(err instanceof ListingPageError)) throw err;
          last = pageErrorOf(err);
          if (err.code !== 'not-json' && err.code !== 'not-array') throw last;
          continue;
        }
      }
      last = errorOf(x);
      if (!retryable(last)) throw last;
    }
    throw last!;
  }

  /** Every page after `marker`, until the listing ends; returns how it ended. */
  async *pages(
    scope: ListingScope,
    marker: string | null = null,
    signal?: AbortSignal,
  ): AsyncGenerator<ListingRow[], ListingEnd> {
    let after = marker;
    for (;;) {
      const page = await this.read(scope, after, signal);
      if (page.end) return page.end;
      yield page.rows;
      after = page.rows.at(-1)!.key;
    }
  }

  /** `du=withoutreps&size=0`: the bytes a bucket's objects use (Castor-System-Bytes-Used), or null. */
  async usage(scope: { domain: string; bucket: string }, signal?: AbortSignal): Promise<number | null> {
    return (await this.usageOf(scope, signal)).bytes;
  }

  /**
   * `du=withoutreps&size=0`: the objects the cluster counts in a bucket (`Castor-Object-Count`,
   * shown on a `du` answer in DataCore's KB, swarm-listing.md 2.1), or null when it does not say.
   */
  async objectCount(scope: { domain: string; bucket: string }, signal?: AbortSignal): Promise<number | null> {
    return (await this.usageOf(scope, signal)).objects;
  }

  /** One `du` answer: bytes used and the object count, each null when the cluster does not say. */
  async usageOf(
    scope: { domain: string; bucket: string },
    signal?: AbortSignal,
  ): Promise<{ bytes: number | null; objects: number | null }> {
    const x = await this.#get(buildUsageTarget(scope), signal, 'discard');
    if (x.status !== 200 || x.error !== null) throw errorOf(x);
    const number = (name: string): number | null => {
      const v = x.headers[name];
      const text = Array.isArray(v) ? v[0] : v;
      return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : null;
    };
    return { bytes: number('castor-system-bytes-used'), objects: number('castor-object-count') };
  }
}
