import { LinkEstimate } from '../core/copy/transfer-budget.js';
import type { ResolvedRoute } from '../core/registry/registry.js';

type Route = Pick<ResolvedRoute, 'name'>;

/**
 * One `LinkEstimate` per route with a large-object policy, kept for the life of the process (a
 * Lambda container, a `swarm-send worker`): started at the route's `linkMbps`, refined by the
 * copies this process measured. It also counts each route's large-object SENDs running now in
 * this process (`carrying`), so one more is planned on its share of the link (`sharedRate`).
 * The composition root builds it once.
 */
export class LinkEstimates {
  readonly #byRoute = new Map<string, LinkEstimate>();
  readonly #inFlight = new Map<string, number>();

  /** The estimate of `route`'s link (its name, `from->to`, is the key). */
  for(route: Route, linkMbps: number): LinkEstimate {
    let estimate = this.#byRoute.get(route.name);
    if (!estimate) {
      estimate = new LinkEstimate(linkMbps);
      this.#byRoute.set(route.name, estimate);
    }
    return estimate;
  }

  /** The route's large-object SENDs running now in this process (`carrying`). */
  inFlight(route: Route): number {
    return this.#inFlight.get(route.name) ?? 0;
  }

  /** Runs `send`, a large-object SEND on `route`, counted in `inFlight` until it settles. */
  async carrying<T>(route: Route, send: () => Promise<T>): Promise<T> {
    this.#inFlight.set(route.name, this.inFlight(route) + 1);
    try {
      return await send();
    } finally {
      this.#inFlight.set(route.name, this.inFlight(route) - 1);
    }
  }
}
