import { authenticate, sendChallenge } from './auth.js';
import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpNow } from './http-date.js';
import type { Header } from './http-response.js';
import { byteOrder, type IndexScope } from './listing-index.js';
import { pause, resetConnection } from './send-stream.js';
import type { FaultKind, StoredObject } from './types.js';

/** Largest `size` a listing accepts; larger asks get 400 (Swarm's maximum is undocumented). */
export const MAX_LISTING_SIZE = 10_000;
/** Rows per page when `size` is absent (Swarm's default). */
export const DEFAULT_LISTING_SIZE = 1000;

/** `fields=` tokens and the key each becomes in a row (`content-length` and `tmBorn` are renamed). */
const FIELD_KEYS: Readonly<Record<string, string>> = {
  name: 'name',
  uuid: 'uuid',
  alias: 'alias',
  hash: 'hash',
  etag: 'hash',
  'content-length': 'bytes',
  'content-type': 'content_type',
  tmborn: 'last_modified',
};
/** The row without `fields=` (provisional: the shape Swift uses; no Swarm page shows it). */
const DEFAULT_NAMED = ['name', 'hash', 'bytes', 'content_type', 'last_modified'];
const DEFAULT_UNNAMED = ['uuid', 'alias', 'hash', 'bytes', 'content_type', 'last_modified'];
const STYPES = new Set(['bucket', 'named', 'unnamed', 'alias', 'immutable', 'domain', 'all']);

/** Whether a GET is a listing query: `format=` turns it into one. */
export function isListing(ctx: Pick<RequestContext, 'req'>): boolean {
  return ctx.req.query.has('format');
}

function valueOf(obj: StoredObject, key: string): unknown {
  switch (key) {
    case 'name':
      return obj.name ?? obj.uuid;
    case 'uuid':
      return obj.uuid;
    case 'alias':
      return obj.alias;
    case 'hash':
      return obj.etag.length === 34 && obj.etag.startsWith('"') && obj.etag.endsWith('"')
        ? obj.etag.slice(1, -1)
        : obj.etag.replace(/"/g, '');
    case 'bytes':
      return obj.size;
    case 'content_type':
      return obj.contentType;
    default:
      return obj.created.toISOString();
  }
}

/**
 * One row as JSON text, written field by field (no row object in between): the same text
 * `JSON.stringify` gives for the row, a field whose value is undefined left out.
 */
function rowJson(obj: StoredObject, keys: readonly string[]): string {
  let out = '';
  for (const key of keys) {
    const value = valueOf(obj, key);
    if (value !== undefined) out += `${out === '' ? '{' : ','}"${key}":${JSON.stringify(value)}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

type Query =
  | { kind: 'objects'; scope: IndexScope; marker: string; size: number; keys: string[]; du: boolean }
  | { kind: 'names'; what: 'buckets' | 'domains'; domain: string; marker: string; size: number }
  | { kind: 'bad'; text: string };

/** Reads and checks the listing arguments; anything malformed is a 400 (Swarm >= 7.0). */
function parseQuery(ctx: RequestContext): Query {
  const { req, target } = ctx;
  const format = (req.query.get('format') ?? '').toLowerCase();
  if (format === 'xml') return { kind: 'bad', text: 'format=xml is not simulated; use format=json' };
  if (format !== 'json') return { kind: 'bad', text: `format must be json or xml, got "${format}"` };
  const sizeText = req.query.get('size');
  const size = sizeText === undefined ? DEFAULT_LISTING_SIZE : /^\d{1,9}$/.test(sizeText) ? Number(sizeText) : NaN;
  if (!(size >= 0 && size <= MAX_LISTING_SIZE))
    return { kind: 'bad', text: `size must be an integer from 0 to ${MAX_LISTING_SIZE}` };
  const marker = req.query.get('marker') ?? '';
  const stype = req.query.get('stype')?.toLowerCase();
  if (stype !== undefined && !STYPES.has(stype)) return { kind: 'bad', text: `unknown stype "${stype}"` };
  const du = req.query.get('du');
  if (du !== undefined && du !== 'withoutreps' && du !== 'withreps')
    return { kind: 'bad', text: 'du must be withoutreps or withreps' };
  if (du !== undefined && size !== 0) return { kind: 'bad', text: 'du needs size=0' };
  const fieldsText = req.query.get('fields');
  let fields: string[] | undefined;
  if (fieldsText !== undefined) {
    fields = [];
    for (const token of fieldsText.split(',')) {
      const key = FIELD_KEYS[token.trim().toLowerCase()];
      if (key === undefined) return { kind: 'bad', text: `unknown field "${token}"` };
      if (!fields.includes(key)) fields.push(key);
    }
  }
  const domainArg = req.query.get('domain');
  if (req.query.has('domains')) {
    if (target.kind !== 'root') return { kind: 'bad', text: 'domains lists the cluster: GET /?format=json&domains' };
    return { kind: 'names', what: 'domains', domain: '', marker, size };
  }
  const domain = domainArg !== undefined ? domainArg.toLowerCase() : ctx.cluster.name;
  let scope: IndexScope;
  if (target.kind === 'bucket') {
    if (stype !== undefined && stype !== 'named')
      return { kind: 'bad', text: `stype=${stype} is not valid in a bucket listing (only named)` };
    scope = { kind: 'named', domain: target.domain, bucket: target.bucket };
  } else if (target.kind === 'root') {
    if (stype === undefined || stype === 'bucket') return { kind: 'names', what: 'buckets', domain, marker, size };
    if (stype !== 'unnamed')
      return { kind: 'bad', text: `stype=${stype} listings are not simulated (bucket, named, unnamed are)` };
    scope = { kind: 'unnamed', domain: domainArg === '' ? '' : domain };
  } else {
    return { kind: 'bad', text: 'a listing addresses / (a domain) or /<bucket>' };
  }
  const keys = fields ?? (scope.kind === 'named' ? DEFAULT_NAMED : DEFAULT_UNNAMED);
  return { kind: 'objects', scope, marker, size, keys, du: du !== undefined };
}

/** The realm protecting a listing's context, when one does: the bucket's, else the domain's. */
function contextRealm(
  ctx: RequestContext,
  q: Query,
): { realm: string; users: Readonly<Record<string, string>> } | undefined {
  const contexts = ctx.cluster.protectedContexts;
  if (q.kind === 'objects' && q.scope.kind === 'named') {
    const key = `${q.scope.domain}/${q.scope.bucket}`;
    if (contexts[key]) return { realm: key, users: contexts[key] };
  }
  const domain = q.kind === 'objects' ? q.scope.domain : q.kind === 'names' ? q.domain : '';
  return contexts[domain] ? { realm: domain, users: contexts[domain] } : undefined;
}

/** Byte order of names, for the sorted bucket and domain lists. */
function namesAfter(names: string[], marker: string, size: number): string[] {
  return names
    .sort(byteOrder)
    .filter((n) => marker === '' || byteOrder(n, marker) > 0)
    .slice(0, size);
}

/**
 * GET listing query (`format=json`): named objects of a bucket, buckets of a domain, unnamed
 * objects of a domain (`stype=unnamed`), domains (`domains`, admin only), or a bucket's usage
 * (`du=withoutreps&size=0`). Rows come in UTF-8 byte order of their key, strictly after
 * `marker`; the last page is `[]`. 503 when search is off; 400 for malformed queries.
 */
export async function listObjects(ctx: RequestContext, admin: boolean, fault: FaultKind | undefined): Promise<void> {
  const { res, sim, cluster } = ctx;
  const server = sim.options.server;
  if (!cluster.searchEnabled) {
    sendError(res, server, 503, {
      text: 'No search feed is available to answer listing queries',
      token: 'SearchUnavailable',
    });
    return;
  }
  const q = parseQuery(ctx);
  if (q.kind === 'bad') {
    sendError(res, server, 400, { text: q.text, token: 'BadQuery' });
    return;
  }
  if (!admin) {
    const realm =
      q.kind === 'names' && q.what === 'domains' ? { realm: undefined, users: cluster.admins } : contextRealm(ctx, q);
    if (realm) {
      const policy = {
        ...ctx.node.policy,
        admins: realm.users,
        ...(realm.realm !== undefined && { realm: realm.realm }),
      };
      const verdict = authenticate(ctx.req, policy);
      if (!verdict.ok) {
        ctx.node.stats.challenges++;
        sendChallenge(res, server, policy, { stale: verdict.reason === 'stale' });
        return;
      }
    }
  }
  let json: string;
  if (q.kind === 'names') {
    if (q.what === 'buckets' && !cluster.store.hasDomain(q.domain)) {
      sendError(res, server, 404, { text: `Domain "${q.domain}" not found` });
      return;
    }
    const names = q.what === 'domains' ? cluster.store.domains() : cluster.store.bucketsOf(q.domain);
    json = JSON.stringify(namesAfter(names, q.marker, q.size).map((name) => ({ name })));
  } else {
    const s = q.scope;
    if (s.kind === 'named' && !cluster.store.hasBucket(s.domain, s.bucket)) {
      sendError(res, server, 404, { text: `Bucket "${s.bucket}" not found in domain "${s.domain}"` });
      return;
    }
    if (q.du) {
      const usage = cluster.store.index.usage(s);
      res.send(200, [
        ['Castor-System-Bytes-Used', String(usage.bytes)],
        ['Castor-Object-Count', String(usage.count)],
        ['Content-Length', '0'],
        ['Content-Type', 'application/json; charset=utf-8'],
        ['Date', httpNow()],
        ['Server', server],
      ]);
      return;
    }
    json = `[${cluster.store.index
      .page(s, q.marker, q.size)
      .map(({ obj }) => rowJson(obj, q.keys))
      .join(',')}]`;
  }
  await answer(ctx, json, fault);
}

/** Writes the page, or breaks it the way a fault asks. */
async function answer(ctx: RequestContext, json: string, fault: FaultKind | undefined): Promise<void> {
  let body = json;
  if (fault?.type === 'bad-listing') {
    body =
      fault.body === 'truncated'
        ? json.slice(0, Math.max(1, Math.floor(json.length / 2)))
        : fault.body === 'not-array'
          ? '{"error":"not a listing"}'
          : '<html><body>busy</body></html>';
  }
  const bytes = Buffer.from(body, 'utf8');
  const headers: Header[] = [
    ['Content-Length', String(bytes.length)],
    [
      'Content-Type',
      fault?.type === 'bad-listing' && fault.body === 'html' ? 'text/html' : 'application/json; charset=utf-8',
    ],
    ['Date', httpNow()],
    ['Server', ctx.sim.options.server],
  ];
  if (fault?.type === 'stall') {
    ctx.res.writeHead(200, headers);
    await ctx.res.flushed();
    await pause(fault.ms, ctx.conn.signal);
    ctx.res.write(bytes);
    return;
  }
  if (fault?.type !== 'reset-mid-body' && fault?.type !== 'truncate') {
    ctx.res.send(200, headers, bytes);
    return;
  }
  ctx.res.writeHead(200, headers);
  ctx.res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  if (fault.type === 'truncate') {
    ctx.res.closeAfter = true;
    await ctx.res.flushed();
    ctx.conn.socket.end();
    return;
  }
  await resetConnection(ctx);
}
