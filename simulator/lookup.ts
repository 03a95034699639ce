import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import type { StoredObject } from './types.js';

/**
 * The object the request addresses on this cluster, or undefined after answering why not:
 * 400 (not an object), 412 (domain or bucket missing, with the Swarm error cascade) or 404.
 */
export function findObject(ctx: RequestContext): StoredObject | undefined {
  const { target, res, sim, cluster } = ctx;
  const server = sim.options.server;
  switch (target.kind) {
    case 'invalid':
      sendError(res, server, 400, { text: target.text });
      return undefined;
    case 'root':
    case 'bucket':
      sendError(res, server, 400, { text: `${ctx.req.method} needs an object: /<uuid> or /<bucket>/<name>` });
      return undefined;
    case 'uuid': {
      const obj = cluster.store.get({ uuid: target.uuid });
      if (!obj) sendError(res, server, 404, { text: `Object ${target.uuid} not found` });
      return obj;
    }
    case 'named': {
      const { domain, bucket, name } = target;
      if (!cluster.store.hasDomain(domain) || !cluster.store.hasBucket(domain, bucket)) {
        const what = cluster.store.hasDomain(domain) ? `Bucket "${bucket}"` : `Domain "${domain}"`;
        sendError(res, server, 412, {
          text: `${what} could not be found`,
          token: 'RequiresContext2',
          cascade: [{ code: 404, token: 'SecurityRealmFailure', text: `${what} failed to load (404)` }],
        });
        return undefined;
      }
      const obj = cluster.store.get({ domain, bucket, name });
      if (!obj) sendError(res, server, 404, { text: `Object ${bucket}/${name} not found` });
      return obj;
    }
  }
}
