import type { RequestContext } from './context.js';
import { httpNow } from './http-date.js';
import { randomHex32 } from './random.js';

/**
 * Answers a PAN redirect: `Location: http://<to>/<same path>?<original query>&auth=<ticket>`,
 * `Content-Length: 0`. The ticket is registered at the target when it is a simulated node.
 */
export function sendRedirect(ctx: RequestContext, status: number, to: string, close = false): void {
  const targetNode = ctx.sim.nodeAt(to);
  const ticket = targetNode ? targetNode.tickets.issue() : randomHex32();
  const query = ctx.req.query.rawWithout('auth');
  const location = `http://${to}${ctx.req.path}?${query === '' ? '' : `${query}&`}auth=${ticket}`;
  ctx.node.stats.redirects++;
  if (close) ctx.res.closeAfter = true;
  ctx.res.send(status, [
    ['Location', location],
    ['Content-Length', '0'],
    ['Date', httpNow()],
    ['Server', ctx.sim.options.server],
  ]);
}

/** Another running node of the request's cluster, chosen at random; undefined when alone. */
export function otherNode(ctx: RequestContext): string | undefined {
  const others = ctx.cluster.nodes.filter((n) => n !== ctx.node && n.running);
  if (others.length === 0) return undefined;
  const pick = others[Math.floor(ctx.sim.random.next() * others.length)] ?? others[0];
  return pick?.address;
}
