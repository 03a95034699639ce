import type { ClusterTransport, TransportResult } from './cluster-transport.js';
import type { Credentials } from './digest-auth.js';
import {
  buildListingTarget,
  buildUsageTarget,
  DEFAULT_PAGE_SIZE,
  ListingError,
  ListingPageError,
  parseListingPage,
  type ListingRow,
  type ListingScope,
} from './listing.js';
import { USER_AGENT } from './product.js';
import type { ClusterConfig } from './registry.js';

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
  /** Largest page body read, bytes. @default 32 MiB (1000 rows of 4 KiB names and their fields) */
  readonly maxPageBytes?: number;
  /** @default USER_AGENT (functions/core/product.ts) */
  readonly userAgent?: string;
  /** Waits between tries (tests pass a fast one). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

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
 * key, percent-encoded; it stops only on `[]` (a short page is not the end); a failed page is
 * tried again with the same marker, so no row is skipped or repeated; one page in memory. A
 * page that is not a JSON array, a 503 or reset that persists, or a 401 ends the walk with a
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
      maxPageBytes: options.maxPageBytes ?? 32 * 1024 * 1024,
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

  /** One page after `marker`, tried up to `triesPerPage` times. */
  async page(scope: ListingScope, marker: string | null, signal?: AbortSignal): Promise<ListingRow[]> {
    const target = buildListingTarget(scope, {
      marker,
      size: this.#opts.pageSize,
      ...(this.#opts.fields && { fields: this.#opts.fields }),
    });
    let last: ListingError | null = null;
    for (let attempt = 1; attempt <= this.#opts.triesPerPage; attempt++) {
      if (attempt > 1) await this.#opts.sleep(this.#opts.retryDelayMs * 2 ** (attempt - 2), signal);
      if (signal?.aborted) throw new ListingError('aborted', 'listing aborted');
      const x = await this.#get(target, signal, 'text');
      if (x.status === 200 && x.error === null && x.complete) {
        try {
          return parseListingPage(x.body, scope.kind, marker);
        } catch (err) {
          if (!(err instanceof ListingPageError)) throw err;
          last = new ListingError('bad-page', `a listing page could not be used: ${err.message}`, 200);
          if (err.code === 'out-of-order' || err.code === 'bad-row') throw last;
          continue;
        }
      }
      last = errorOf(x);
      if (!retryable(last)) throw last;
    }
    throw last!;
  }

  /** Every page after `marker`, until the cluster answers `[]`. */
  async *pages(scope: ListingScope, marker: string | null = null, signal?: AbortSignal): AsyncGenerator<ListingRow[]> {
    let after = marker;
    for (;;) {
      const rows = await this.page(scope, after, signal);
      // `[]` ends the walk; so does a page holding only the marker's own row again (a cluster
      // whose marker means "at or after"): the parser drops that repeat.
      if (rows.length === 0) return;
      yield rows;
      after = rows.at(-1)!.key;
    }
  }

  /** `du=withoutreps&size=0`: the bytes a bucket's objects use (Castor-System-Bytes-Used), or null. */
  async usage(scope: { domain: string; bucket: string }, signal?: AbortSignal): Promise<number | null> {
    const x = await this.#get(buildUsageTarget(scope), signal, 'discard');
    if (x.status !== 200 || x.error !== null) throw errorOf(x);
    const v = x.headers['castor-system-bytes-used'];
    const text = Array.isArray(v) ? v[0] : v;
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
  }
}
