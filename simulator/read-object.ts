import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpNow } from './http-date.js';
import { findObject } from './lookup.js';
import { readHeaders } from './object-headers.js';
import { pause, resetConnection } from './send-stream.js';
import { statusPage } from './status-page.js';
import type { FaultKind } from './types.js';

/**
 * GET/HEAD: the node status page for `/`, a bucket's existence, or an object with its
 * Castor-System-* headers, Etag, Last-Modified and Content-Length (404/412 when missing).
 * `stall`, `reset-mid-body` and `truncate` faults cut a GET's body.
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
    res.send(200, headers, obj.body);
    await res.flushed();
    const body = fault.body ?? Buffer.from(obj.body).reverse().toString('latin1');
    cluster.store.newVersion(obj, body);
    return;
  }
  if (ctx.req.method === 'HEAD' || fault === undefined) {
    res.send(200, headers, obj.body);
    return;
  }
  res.writeHead(200, headers);
  if (fault.type === 'stall') {
    await res.flushed();
    await pause(fault.ms, ctx.conn.signal);
  } else if (fault.type === 'reset-mid-body' || fault.type === 'truncate') {
    res.write(obj.body.subarray(0, Math.floor(obj.body.length / 2)));
    if (fault.type === 'truncate') {
      res.closeAfter = true;
      await res.flushed();
      ctx.conn.socket.end();
      return;
    }
    await resetConnection(ctx);
    return;
  }
  res.write(obj.body);
}
