import { ALLOW_STATUS_PAGE } from './constants.js';
import type { RequestContext } from './context.js';
import { escapeHtml } from './error-response.js';
import { httpNow } from './http-date.js';

/** `GET /` (or HEAD): the node status page, usable as a health probe. */
export function statusPage(ctx: RequestContext): void {
  const { cluster, node, sim } = ctx;
  const body =
    `<html><body><h2>CAStor Cluster ${escapeHtml(cluster.name)}</h2>` +
    `<p>Node ${escapeHtml(node.address)}: ${cluster.store.size} objects</p></body></html>\r\n`;
  ctx.res.send(
    200,
    [
      ['Castor-System-Cluster', cluster.name],
      ['Castor-System-TotalGBAvailable', '1000'],
      ['Castor-System-TotalGBCapacity', '1024'],
      ['Allow', ALLOW_STATUS_PAGE],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Content-Type', 'text/html'],
      ['Date', httpNow()],
      ['Server', sim.options.server],
    ],
    body,
  );
}
