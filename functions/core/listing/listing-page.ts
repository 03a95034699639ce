import { normalizeHash, parseBytes, parseTime } from './listing.js';
import { compareKeys, ListingPageError, type ListingEnd, type ListingRow, type ListingScope } from './listing.js';
import { OBJECT_UUID } from '../message/message.js';

/** Reading one listing page (pure): its rows, their order after the marker, and how the listing ended. */

/**
 * Longest bucket name a bucket listing may carry: Swarm's Naming Rules allow at most 8000
 * characters ("greater than that is not tested or supported"; S3-compatible names stay within
 * 63), https://perifery.atlassian.net/wiki/spaces/public/pages/2443811061/Naming+Rules. A longer
 * one, or one that is not valid UTF-8, makes the bucket listing unusable: an error.
 */
export const MAX_BUCKET_NAME_LENGTH = 8000;

/** One page as read: its new rows, and how the listing ended when this page ended it. */
export interface ListingPage {
  readonly rows: ListingRow[];
  /** Non-null only on the page that ends the listing (then `rows` is empty). */
  readonly end: ListingEnd | null;
}

/**
 * The key of a row: unnamed rows are keyed by `uuid` (the simulator's choice) or, tolerated, a
 * 32-hex `name`; everything else by `name`. Renamed and original field spellings are both read.
 */
function rowOf(raw: unknown, kind: ListingScope['kind'], index: number): ListingRow {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ListingPageError('bad-row', `row ${index} is not a JSON object`);
  }
  const r = raw as Record<string, unknown>;
  let key: unknown;
  if (kind === 'unnamed') {
    key =
      typeof r.uuid === 'string' ? r.uuid : typeof r.name === 'string' && OBJECT_UUID.test(r.name) ? r.name : undefined;
    if (typeof key !== 'string' || !OBJECT_UUID.test(key))
      throw new ListingPageError('bad-row', `row ${index} has no 32-hex uuid`);
    key = key.toLowerCase();
  } else {
    key = r.name;
    if (typeof key !== 'string' || key === '') throw new ListingPageError('bad-row', `row ${index} has no name`);
    if (kind === 'buckets' && (key.length > MAX_BUCKET_NAME_LENGTH || !key.isWellFormed()))
      throw new ListingPageError(
        'bad-row',
        `row ${index} is no bucket name Swarm allows (${key.length > MAX_BUCKET_NAME_LENGTH ? `${key.length} characters, more than ${MAX_BUCKET_NAME_LENGTH}` : 'not valid UTF-8'})`,
      );
  }
  const alias = r.alias;
  return {
    key: key as string,
    bytes: parseBytes(r.bytes ?? r['content-length'] ?? r.content_length),
    hash: normalizeHash(r.hash ?? r.etag),
    lastModified: parseTime(r.last_modified ?? r.tmBorn ?? r.tmborn),
    alias:
      typeof alias === 'boolean'
        ? alias
        : alias === 'true' || alias === 'yes'
          ? true
          : alias === 'false' || alias === 'no'
            ? false
            : null,
  };
}

/**
 * Parses one listing page body. Anything but a JSON array of rows with keys throws a
 * {@link ListingPageError}: a truncated page, an html error page or `{}` is an error, never an
 * empty listing. Rows must come in strictly ascending key order after `marker`; rows at or
 * before the marker (a server whose marker means "at or after") are dropped, not repeated.
 */
export function parseListingPage(body: string, kind: ListingScope['kind'], marker: string | null): ListingRow[] {
  return readListingPage(body, kind, marker).rows;
}

/**
 * Reads one listing page body: {@link parseListingPage}, and how the listing ended. A page with
 * more rows than `size` (the rows asked for) is refused before any row is read. A page that is
 * not empty but brings no row after the marker is `stalled` (a cluster that ignores `marker`
 * would otherwise end the walk as if complete), except a page that ends with the marker's own
 * row and holds fewer rows than asked (`marker-repeated`): a cluster whose marker means "at or
 * after" ends with `[marker row]`, and after a marker sent cut (`sendableMarker`) the rows
 * between the cut and the real marker come again, then nothing.
 */
export function readListingPage(
  body: string,
  kind: ListingScope['kind'],
  marker: string | null,
  size = Number.POSITIVE_INFINITY,
): ListingPage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ListingPageError('not-json', `the page is not valid JSON (${body.length} characters)`);
  }
  if (!Array.isArray(json))
    throw new ListingPageError(
      'not-array',
      `the page is JSON but not an array (${json === null ? 'null' : typeof json})`,
    );
  if (json.length > size)
    throw new ListingPageError('too-many-rows', `the page holds ${json.length} rows, more than the ${size} asked for`);
  if (json.length === 0) return { rows: [], end: 'empty-page' };
  const rows: ListingRow[] = [];
  let final: string | null = null;
  for (let i = 0; i < json.length; i++) {
    const row = rowOf(json[i], kind, i);
    if (final !== null && compareKeys(row.key, final) <= 0)
      throw new ListingPageError(
        'out-of-order',
        `row ${i} is not after the previous key in byte order; the listing cannot be merged`,
      );
    final = row.key;
    // At or before the marker: listed before (a marker meaning "at or after", or sent cut).
    if (marker && compareKeys(row.key, marker) <= 0) continue;
    rows.push(row);
  }
  if (rows.length > 0) return { rows, end: null };
  // Only a page shorter than asked can end this way: a full page that brings nothing new is a
  // cluster that ignores the marker, whatever the page size (at size 1 a marker meaning "at or
  // after" cannot advance either, and is reported as stalled).
  if (marker && json.length < size && final === marker) return { rows, end: 'marker-repeated' };
  throw new ListingPageError(
    'stalled',
    `none of the page's ${json.length} rows comes after the marker: the cluster does not advance (does it ignore marker=?)`,
  );
}
