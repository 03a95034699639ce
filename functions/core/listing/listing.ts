import { SwarmSendError } from '../errors.js';

/**
 * Swarm listing queries (search over SCSP), the pure part: request-targets, page parsing and the
 * key order both clusters' listings are merged in. What Swarm documents and what it leaves open
 * is summarised in docs/reconcile.md; every open point is a named choice here, and the
 * parser accepts the plausible alternatives instead of guessing one.
 */
/** What one listing walks. */
export type ListingScope =
  /** Named objects of one bucket (`GET /<bucket>?format=json&domain=D`). */
  | { readonly kind: 'named'; readonly domain: string; readonly bucket: string }
  /** Unnamed objects tenanted in a domain; `domain: ''` = untenanted (`&stype=unnamed`). */
  | { readonly kind: 'unnamed'; readonly domain: string }
  /** Buckets of a domain (`GET /?format=json&domain=D`). */
  | { readonly kind: 'buckets'; readonly domain: string }
  /** Domains of the cluster (`GET /?format=json&domains`). */
  | { readonly kind: 'domains' };

/** One listed object (or bucket / domain), in the form the diff compares. */
export interface ListingRow {
  /** The join key: the name (named objects, buckets, domains) or the lower-case UUID (unnamed). */
  readonly key: string;
  /** Body size in bytes, when the row carries it. */
  readonly bytes: number | null;
  /** The ETag without quotes, lower case, when the row carries it. */
  readonly hash: string | null;
  /** Creation time of the current version, epoch ms, when the row carries it. */
  readonly lastModified: number | null;
  /** Unnamed objects: whether it is an alias (anchor); null when the row does not say. */
  readonly alias: boolean | null;
}

/** Default page size: Swarm's default (1000); larger pages are not assumed to be allowed. */
export const DEFAULT_PAGE_SIZE = 1000;

/**
 * How a listing ended, as the protocol ends one (docs/reconcile.md, "What a run saw"):
 * `empty-page`: the cluster answered `[]` (the end swarmclean relies on, swarm-listing.md 3.1);
 * `marker-repeated`: a short page of rows at or before the marker, ending with the marker's own
 * row (how a cluster whose marker means "at or after" ends, and how a listing ends after a
 * marker that had to be sent cut, see {@link sendableMarker}); `not-found`: the DR cluster has
 * no such bucket (404/412), read as empty on that side. Anything else (an error, a stop) is no
 * end: the scope is not complete.
 */
export type ListingEnd = 'empty-page' | 'marker-repeated' | 'not-found';

/**
 * A marker the request can carry. A key that is not well-formed UTF-16 (a lone surrogate, which
 * no UTF-8 request can hold) goes as the text before its first lone surrogate followed by U+D7FF,
 * the last character below the surrogates both in UTF-8 byte order and in {@link compareKeys}
 * order: the sent marker sorts before the key either way, so no row is skipped; the few rows
 * between the two come again and the parser drops them as being at or before the real marker.
 */
export function sendableMarker(key: string | null): string | null {
  if (key === null || key.isWellFormed()) return key;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const low = key.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) i++;
    else if (c >= 0xd800 && c <= 0xdfff) return `${key.slice(0, i)}\ud7ff`;
  }
  return key;
}

/** Why a page could not be used. */
export type ListingPageErrorCode = 'not-json' | 'not-array' | 'bad-row' | 'out-of-order' | 'too-many-rows' | 'stalled';

/** Why a page could not be used. Never read as an empty listing. */
export class ListingPageError extends SwarmSendError {
  declare readonly code: ListingPageErrorCode;
  constructor(code: ListingPageErrorCode, message: string) {
    super(code, message);
    this.name = 'ListingPageError';
  }
}

/**
 * Orders keys by their UTF-8 bytes (= Unicode code point order), the order the simulator lists
 * in and the order the merge-join needs. JavaScript's `<` compares UTF-16 code units, which
 * disagrees only when a surrogate pair meets a BMP character at or above U+E000.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

function fixup(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/** Percent-encodes one query value (everything but unreserved characters). */
function q(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ListingRequest {
  /** Rows strictly after this key; null or '' for the first page. */
  readonly marker: string | null;
  /** @default DEFAULT_PAGE_SIZE */
  readonly size?: number;
  /** `fields=` to ask for; omitted = the cluster's default row. */
  readonly fields?: readonly string[];
  /** Add `admin` (the administrator realm's override of the context's protection). @default true */
  readonly admin?: boolean;
}

/**
 * The request-target of one listing page. `domain=` is always explicit (so `Host` can stay the
 * node's IP), the marker is percent-encoded (names hold `&`, `+`, `#`, `%`, spaces, newlines,
 * any UTF-8), and `admin` asks for the administrator override.
 */
export function buildListingTarget(scope: ListingScope, req: ListingRequest): string {
  const args: string[] = ['format=json'];
  let path = '/';
  switch (scope.kind) {
    case 'named':
      path = `/${q(scope.bucket)}`;
      args.push(`domain=${q(scope.domain)}`);
      break;
    case 'unnamed':
      args.push(`domain=${q(scope.domain)}`, 'stype=unnamed');
      break;
    case 'buckets':
      args.push(`domain=${q(scope.domain)}`);
      break;
    case 'domains':
      args.push('domains');
      break;
  }
  args.push(`size=${req.size ?? DEFAULT_PAGE_SIZE}`);
  if (req.fields?.length) args.push(`fields=${req.fields.map(q).join(',')}`);
  if (req.marker) args.push(`marker=${q(req.marker)}`);
  if (req.admin ?? true) args.push('admin');
  return `${path}?${args.join('&')}`;
}

/** The request-target of a `du=withoutreps&size=0` pre-check of a bucket. */
export function buildUsageTarget(scope: { domain: string; bucket: string }): string {
  return `/${q(scope.bucket)}?format=json&domain=${q(scope.domain)}&du=withoutreps&size=0&admin`;
}

/**
 * A listing that could not be read to its end. `not-found` (404/412: the bucket or domain does
 * not exist on that cluster) is the only code a caller may read as "no rows", and only for the
 * DR side of a bucket whose candidates are confirmed by HEAD anyway.
 */
export class ListingError extends SwarmSendError {
  declare readonly code: ListingErrorCode;
  constructor(
    code: ListingErrorCode,
    message: string,
    /** HTTP status of the last answer, null when none came. */
    readonly status: number | null = null,
  ) {
    super(code, message);
    this.name = 'ListingError';
  }

  /** Whether a later run may succeed (503, resets, time-outs): the CLI's exit 75. */
  get transient(): boolean {
    return this.code === 'unavailable' || this.code === 'network' || this.code === 'aborted';
  }
}

/**
 * The fields of a listing row or a HEAD, read in every spelling a cluster may use: ETags with or
 * without quotes, times as ISO 8601, HTTP dates or epoch seconds, sizes as numbers or digits.
 */

/** `"abc"`, `abc`, `W/"abc"` -> `abc` (lower case). */
export function normalizeHash(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  // The common row carries a bare lower-case hex ETag: nothing to strip or fold.
  if (LOWER_HEX32.test(value)) return value;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

const LOWER_HEX32 = /^[0-9a-f]{32}$/;

/** The digits of `text` from `from` to `to` as a number; -1 when any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common listing time, `YYYY-MM-DDTHH:MM:SS[.sss]Z`, read without `Date.parse` (which costs
 * more than the rest of a row). Null for any other form, or a field out of its plain range:
 * those go to `Date.parse`, so the result is always the one `Date.parse` gives.
 */
function parseIsoUtc(text: string): number | null {
  const n = text.length;
  if (
    (n !== 20 && n !== 24) ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[n - 1] !== 'Z'
  )
    return null;
  if (n === 24 && text[19] !== '.') return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const ms = n === 24 ? digits(text, 20, 23) : 0;
  if (
    year < 1970 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  )
    return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * A time as listings or headers may give it: ISO 8601, an HTTP date, or epoch seconds with a
 * fraction (`Castor-System-Version`, `1673288717.693`) as a number or a string. Null otherwise.
 */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value < 1e11 ? value * 1000 : value) : null;
  if (typeof value !== 'string') return null;
  const iso = parseIsoUtc(value);
  if (iso !== null) return iso;
  if (value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text));
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

/** Why a listing could not be read to its end. */
export type ListingErrorCode =
  | 'not-found'
  | 'listing-stalled'
  | 'too-many-rows'
  | 'page-too-large'
  | 'unnameable'
  | 'too-many-buckets'
  | 'unavailable'
  | 'auth-rejected'
  /** The credentials hold what no header can carry: nothing was asked; a later run fails the same way. */
  | 'credentials-invalid'
  | 'bad-request'
  | 'bad-page'
  | 'network'
  | 'aborted'
  | 'http-status';
