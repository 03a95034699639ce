import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpDate, httpNow } from './http-date.js';
import { deletableAt } from './lifepoint.js';
import { findObject } from './lookup.js';
import { refOf } from './store.js';

/**
 * DELETE: 200 with the object's system headers, 404 when it is not in this cluster, 403 when the
 * lifepoint in force says `deletable=no` (an object lock too): the object stays, as Swarm's
 * "Error Responses to DELETE" page says ("cannot be deleted because its current state forbids it").
 */
export function deleteObject(ctx: RequestContext): void {
  const obj = findObject(ctx);
  if (!obj) return;
  if (!deletableAt(obj.lifepoints ?? [], Date.now())) {
    sendError(ctx.res, ctx.sim.options.server, 403, {
      text: 'The requested resource cannot be deleted at this time.',
    });
    return;
  }
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
