import { LinkEstimate } from '../core/copy/transfer-budget.js';
import type { ResolvedRoute } from '../core/registry/registry.js';

/**
 * One `LinkEstimate` per route with a large-object policy, kept for the life of the process (a
 * Lambda container, a `swarm-send worker`): started at the route's `linkMbps`, refined by the
 * copies this process measured. The composition root builds it once.
 */
export class LinkEstimates {
  readonly #byRoute = new Map<string, LinkEstimate>();

  /** The estimate of `route`'s link (its name, `from->to`, is the key). */
  for(route: Pick<ResolvedRoute, 'name'>, linkMbps: number): LinkEstimate {
    let estimate = this.#byRoute.get(route.name);
    if (!estimate) {
      estimate = new LinkEstimate(linkMbps);
      this.#byRoute.set(route.name, estimate);
    }
    return estimate;
  }
}
