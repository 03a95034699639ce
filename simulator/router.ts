import { authenticate, sendChallenge, type Principal } from './auth.js';
import { ALLOW_METHODS, KNOWN_METHODS } from './constants.js';
import type { RequestContext } from './context.js';
import { deleteObject } from './delete-object.js';
import { sendError } from './error-response.js';
import type { FaultSite } from './faults.js';
import { isListing, listObjects } from './listing.js';
import { faultKeysOf, refOfTarget, resolveTarget } from './object-path.js';
import { readObject } from './read-object.js';
import { otherNode, sendRedirect } from './redirect.js';
import { feedSend, isFeedSend } from './send-feed.js';
import { legacySend } from './send-legacy.js';
import type { FaultKind } from './types.js';
import { writeObject } from './write-object.js';

/** Methods the simulator serves; the other known SCSP methods get 501 like unknown ones. */
const IMPLEMENTED: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'SEND']);

/** Methods a PAN may redirect to a SAN at random (`redirectRate`). */
const REDIRECTABLE: ReadonlySet<string> = new Set(['SEND', 'GET', 'HEAD']);

/**
 * Answers one parsed request on a node: validation (Host, method), early faults (500/503),
 * authentication (SEND and `?admin`), the remaining faults, PAN redirects, then the method.
 */
export function handleRequest(ctx: Omit<RequestContext, 'target'>): void | Promise<void> {
  const { req, res, node, sim, cluster } = ctx;
  const server = sim.options.server;
  node.stats.request(req.method);
  if (!req.headers.has('host')) {
    sendError(res, server, 400, { text: 'A Host header is required', token: 'MissingHostHeader' });
    return;
  }
  if (!IMPLEMENTED.has(req.method)) {
    const known = KNOWN_METHODS.has(req.method) ? 'is not supported by this node' : 'is not a known method';
    sendError(res, server, 501, { text: `${req.method} ${known}`, extra: [['Allow', ALLOW_METHODS]] });
    return;
  }
  const full: RequestContext = { ...ctx, target: resolveTarget(req, cluster.name) };
  const site = sim.faults.active ? faultSite(full) : undefined;
  const early = site && sim.faults.take('before-auth', site);
  if (early?.type === 'status') {
    sendError(res, server, early.status);
    return;
  }
  let principal: Principal | undefined;
  if (req.method === 'SEND' || req.query.has('admin')) {
    const verdict = authenticate(req, node.policy);
    if (!verdict.ok) {
      node.stats.challenges++;
      if (verdict.reason === 'rejected') node.stats.authRejected++;
      sendChallenge(res, server, node.policy, {
        stale: verdict.reason === 'stale',
        ...(verdict.reason === 'rejected' ? { rejectedText: verdict.text } : {}),
      });
      return;
    }
    principal = verdict.principal;
  }
  if (req.method === 'SEND') node.stats.sends++;
  const fault = site && sim.faults.take('after-auth', site);
  // A redirected client presents its single-use ticket; a SAN that honours it serves the request.
  const ticketed = req.query.has('auth') && node.tickets.consume(req.query.get('auth'));
  if (fault && answeredByFault(full, fault)) return;
  const rate = sim.options.redirectRate;
  if (
    !ticketed &&
    rate > 0 &&
    REDIRECTABLE.has(req.method) &&
    full.target.kind !== 'root' &&
    sim.random.next() < rate
  ) {
    const to = otherNode(full);
    if (to !== undefined) {
      sendRedirect(full, sim.random.next() < 0.5 ? 301 : 307, to);
      return;
    }
  }
  switch (req.method) {
    case 'SEND':
      return isFeedSend(full) ? feedSend(full, fault) : legacySend(full, principal, fault);
    case 'GET':
      if (isListing(full)) return listObjects(full, principal !== undefined, fault);
      return readObject(full, fault);
    case 'HEAD':
      return readObject(full, fault);
    case 'PUT':
    case 'POST':
      return writeObject(full);
    default:
      return deleteObject(full);
  }
}

function faultSite(ctx: RequestContext): FaultSite {
  const keys = [...faultKeysOf(ctx.target)];
  const ref = refOfTarget(ctx.target);
  if (ref && !('uuid' in ref)) {
    const obj = ctx.cluster.store.get(ref);
    if (obj) keys.push(obj.uuid);
  }
  const listing = ctx.req.method === 'GET' && isListing(ctx);
  return {
    cluster: ctx.cluster.name,
    node: ctx.node.address,
    method: ctx.req.method,
    objects: keys,
    listing,
    marker: listing ? (ctx.req.query.get('marker') ?? '') : undefined,
  };
}

/** Faults that replace the whole answer; the others shape the method's own answer. */
function answeredByFault(ctx: RequestContext, fault: FaultKind): boolean {
  const server = ctx.sim.options.server;
  switch (fault.type) {
    case 'status':
      if (fault.status === 401) {
        ctx.node.stats.challenges++;
        sendChallenge(ctx.res, server, ctx.node.policy);
      } else {
        sendError(ctx.res, server, fault.status);
      }
      return true;
    case 'not-found-then-found':
      sendError(ctx.res, server, 404, { text: 'Object not found (it may appear later)' });
      return true;
    case 'close-before-response':
      ctx.node.stats.resets++;
      ctx.conn.socket.destroy();
      return true;
    case 'redirect': {
      const to = fault.to ?? otherNode(ctx) ?? ctx.node.address;
      sendRedirect(ctx, fault.status ?? 301, to, fault.close ?? false);
      return true;
    }
    default:
      return false;
  }
}
