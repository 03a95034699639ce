import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpNow } from './http-date.js';
import { findObject } from './lookup.js';
import { readHeaders } from './object-headers.js';
import { pause, resetConnection } from './send-stream.js';
import { statusPage } from './status-page.js';
import type { FaultKind, StoredObject } from './types.js';
import type { Header } from './http-response.js';
import { writeFiller } from './filler.js';

/**
 * GET/HEAD: the node status page for `/`, a bucket's existence, or an object with its
 * Castor-System-* headers, Etag, Last-Modified and Content-Length (404/412 when missing).
 * `stall`, `reset-mid-body` and `truncate` faults cut a GET's body. A virtual object's GET
 * streams filler as the client reads it.
 */
export async function readObject(ctx: RequestContext, fault: FaultKind | undefined): Promise<void> {
  const { target, res, sim, cluster } = ctx;
  const server = sim.options.server;
  if (target.kind === 'root') {
    statusPage(ctx);
    return;
  }
  if (target.kind === 'bucket') {
    if (!cluster.store.hasBucket(target.domain, target.bucket)) {
      sendError(res, server, 404, { text: `Bucket ${target.bucket} not found` });
      return;
    }
    res.send(200, [
      ['Castor-System-Cluster', cluster.name],
      ['Castor-System-Name', encodeURIComponent(target.bucket)],
      ['Content-Length', '0'],
      ['Date', httpNow()],
      ['Server', server],
    ]);
    return;
  }
  const obj = findObject(ctx);
  if (!obj) return;
  const headers = readHeaders(obj, server);
  if (fault?.type === 'concurrent-write' && ctx.req.method === 'GET') {
    await sendBody(ctx, obj, headers);
    await res.flushed();
    const body = fault.body ?? (obj.virtual ? undefined : Buffer.from(obj.body).reverse().toString('latin1'));
    cluster.store.newVersion(obj, body);
    return;
  }
  if (ctx.req.method === 'HEAD' || fault === undefined) {
    await sendBody(ctx, obj, headers);
    return;
  }
  if (fault.type === 'stall') {
    res.writeHead(200, headers);
    await res.flushed();
    await pause(fault.ms, ctx.conn.signal);
    await writeBody(ctx, obj, obj.size);
  } else if (fault.type === 'reset-mid-body' || fault.type === 'truncate') {
    res.writeHead(200, headers);
    await writeBody(ctx, obj, Math.floor(obj.size / 2));
    if (fault.type === 'truncate') {
      res.closeAfter = true;
      await res.flushed();
      ctx.conn.socket.end();
      return;
    }
    await resetConnection(ctx);
  } else {
    await sendBody(ctx, obj, headers);
  }
}

/** A whole answer: the headers, then (not for HEAD) the body. */
async function sendBody(ctx: RequestContext, obj: StoredObject, headers: readonly Header[]): Promise<void> {
  if (!obj.virtual || ctx.req.method === 'HEAD') {
    ctx.res.send(200, headers, obj.body);
    return;
  }
  ctx.res.writeHead(200, headers);
  await writeFiller(ctx.res, obj, obj.size);
}

/** The first `length` bytes of the body after the headers: held bytes, or a virtual object's filler. */
async function writeBody(ctx: RequestContext, obj: StoredObject, length: number): Promise<void> {
  if (obj.virtual) await writeFiller(ctx.res, obj, length);
  else ctx.res.write(obj.body.subarray(0, length));
}
