import type { RequestContext } from './context.js';
import { httpDate, httpNow } from './http-date.js';
import { findObject } from './lookup.js';
import { refOf } from './store.js';

/** DELETE: 200 with the object's system headers, 404 when it is not in this cluster. */
export function deleteObject(ctx: RequestContext): void {
  const obj = findObject(ctx);
  if (!obj) return;
  ctx.cluster.store.delete(refOf(obj));
  ctx.res.send(200, [
    ['Castor-System-Cluster', obj.cluster],
    ['Castor-System-Created', httpDate(obj.created)],
    ['Last-Modified', httpDate(obj.created)],
    ['Etag', obj.etag],
    ['Content-Length', '0'],
    ['Date', httpNow()],
    ['Server', ctx.sim.options.server],
  ]);
}
