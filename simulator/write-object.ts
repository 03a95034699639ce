import type { RequestContext } from './context.js';
import { htmlPage, sendError } from './error-response.js';
import { httpDate, httpNow } from './http-date.js';
import type { Header } from './http-response.js';
import { isKeptMetadata } from './object-headers.js';
import { encodeName } from './object-path.js';
import { md5Base64 } from './store.js';
import type { PutObjectInput, StoredObject } from './types.js';

/** `alias`, `alias=yes`, `alias=true` mark an alias write. */
function flagSet(value: string | undefined): boolean {
  return value !== undefined && ['', 'yes', 'true'].includes(value.toLowerCase());
}

/**
 * What a write stores besides the body: its metadata headers, and a Content-MD5 (the client's,
 * checked against the body, or computed with `gencontentmd5`). A string is why the write is
 * refused (400).
 */
function writeFields(ctx: RequestContext, body: Uint8Array): Pick<PutObjectInput, 'contentMd5' | 'meta'> | string {
  const { req } = ctx;
  const meta = req.headers.entries().filter(([name]) => isKeptMetadata(name));
  const given = req.headers.get('content-md5');
  const computed = md5Base64(body);
  if (given !== undefined && given.trim() !== computed)
    return `Content-MD5 ${given} does not match the body (${computed})`;
  const contentMd5 = given !== undefined || req.query.has('gencontentmd5') ? computed : undefined;
  return { meta, ...(contentMd5 !== undefined && { contentMd5 }) };
}

/**
 * Hosts for the `Location` headers of a write. Non-EC: up to two replicas with the receiving
 * node last (SEND goes to the last one); EC (`Manifest: ec`): up to three segments with the
 * receiving node first (SEND goes to the first one).
 */
function locationHosts(ctx: RequestContext, ec: boolean): string[] {
  const self = ctx.node.address;
  const others = ctx.cluster.nodes.filter((n) => n !== ctx.node).map((n) => n.address);
  return ec ? [self, ...others].slice(0, 3) : [...others.slice(0, 1), self];
}

/**
 * POST/PUT: `/` creates an unnamed object (an alias with `?alias`), `/<alias uuid>` replaces an
 * alias's content, `/<bucket>` creates a bucket, `/<bucket>/<name>` writes a named object
 * (domain and bucket created on demand). `?encoding=k:p` makes it erasure-coded. Answers 201
 * with one `Location` per replica and, for unnamed objects, `Content-UUID`.
 */
export function writeObject(ctx: RequestContext): void {
  const { req, res, target, cluster, sim } = ctx;
  const server = sim.options.server;
  if (!req.headers.has('content-length') && !req.headers.has('transfer-encoding')) {
    sendError(res, server, 411, { text: 'A write needs Content-Length' });
    return;
  }
  const ec = req.query.has('encoding');
  const contentType = req.headers.get('content-type') ?? 'application/octet-stream';
  const body = new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length);
  const fields = writeFields(ctx, body);
  if (typeof fields === 'string') {
    sendError(res, server, 400, { text: fields });
    return;
  }
  let obj: StoredObject;
  let path: string;
  switch (target.kind) {
    case 'invalid':
      sendError(res, server, 400, { text: target.text });
      return;
    case 'root': {
      const domain = req.query.get('domain');
      obj = cluster.store.put({
        alias: flagSet(req.query.get('alias')),
        body,
        contentType,
        ec,
        ...fields,
        ...(domain ? { domain: domain.toLowerCase() } : {}),
      });
      path = `/${obj.uuid}`;
      break;
    }
    case 'uuid': {
      const existing = cluster.store.get({ uuid: target.uuid });
      if (!existing) {
        sendError(res, server, 404, { text: `Alias ${target.uuid} not found` });
        return;
      }
      if (!existing.alias) {
        sendError(res, server, 409, { text: 'An immutable object cannot be replaced' });
        return;
      }
      obj = cluster.store.put({ uuid: existing.uuid, alias: true, body, contentType, ec, ...fields });
      path = `/${obj.uuid}`;
      break;
    }
    case 'bucket':
      cluster.store.ensureBucket(target.domain, target.bucket);
      created(ctx, [`http://${ctx.node.address}/${encodeName(target.bucket)}${domainQuery(ctx, target.domain)}`], []);
      return;
    case 'named':
      obj = cluster.store.put({
        domain: target.domain,
        bucket: target.bucket,
        name: target.name,
        body,
        contentType,
        ec,
        ...fields,
      });
      path = `/${encodeName(target.bucket)}/${encodeName(target.name)}${domainQuery(ctx, target.domain)}`;
      break;
  }
  const extra: Header[] = [];
  if (obj.bucket === undefined) extra.push(['Content-UUID', obj.uuid]);
  if (obj.ec) extra.push(['Manifest', 'ec']);
  extra.push(['Etag', obj.etag], ['Last-Modified', httpDate(obj.created)]);
  created(
    ctx,
    locationHosts(ctx, obj.ec).map((host) => `http://${host}${path}`),
    extra,
  );
}

function domainQuery(ctx: RequestContext, domain: string): string {
  return domain === ctx.cluster.name ? '' : `?domain=${encodeURIComponent(domain)}`;
}

function created(ctx: RequestContext, locations: string[], extra: readonly Header[]): void {
  const body = htmlPage(201, 'New stream created');
  const headers: Header[] = locations.map((l): Header => ['Location', l]);
  headers.push(
    ...extra,
    ['Castor-System-Cluster', ctx.cluster.name],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Content-Type', 'text/html'],
    ['Date', httpNow()],
    ['Server', ctx.sim.options.server],
  );
  ctx.res.send(201, headers, body);
}
