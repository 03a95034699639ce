import type { SendAttempt } from '../core/outcome/decide.js';
import { isNamed, type SendMessage } from '../core/message/message.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import { clusterLimitsOf, Limiter, limitSignalOf, type LimitSlot } from './concurrency.js';
import { DeadlineError } from './deadline.js';
import type { WorkerDeps } from './ports.js';
import { attemptSend, type SendRequest } from './send-attempt.js';
import type { StragglerWatch } from './stragglers.js';

/** Identical SENDs share one request: same route, object and feed selection. */
function sendKey(route: ResolvedRoute, m: SendMessage): string {
  const object = isNamed(m.object) ? m.object : { uuid: m.object.uuid.toLowerCase(), alias: m.object.alias ?? false };
  return JSON.stringify([route.source.key, route.destination.key, object, m.feeds ?? null]);
}

/**
 * The SENDs of one batch: identical ones coalesced into one, each within two bounds (this
 * invocation's `concurrency`, and the source cluster's adaptive limit for the whole container,
 * which learns from 503s and latency across invocations), none started after the deadline.
 */
export class BatchSends {
  readonly #inflight = new Map<string, Promise<SendAttempt>>();
  readonly #limiter: Limiter;

  constructor(
    private readonly deps: WorkerDeps,
    private readonly deadline: AbortSignal,
    private readonly watch: StragglerWatch,
  ) {
    this.#limiter = new Limiter(deps.config.concurrency);
  }

  /** Distinct SENDs asked for so far. */
  get size(): number {
    return this.#inflight.size;
  }

  /**
   * What happened to the SEND of `req`, shared with every identical request of the batch. Only
   * a first attempt may be handed back by the straggler policy. Rejects with DeadlineError when
   * the SEND could not start (or read its credentials) before the deadline.
   */
  for(req: SendRequest, firstAttempt: boolean): Promise<SendAttempt> {
    const key = sendKey(req.route, req.message);
    let pending = this.#inflight.get(key);
    if (!pending) {
      const send = (slot: LimitSlot): Promise<SendAttempt> => {
        if (this.deadline.aborted) return Promise.reject(new DeadlineError());
        const id = {};
        const signal = this.watch.begin(id, firstAttempt, this.deadline);
        return attemptSend({ ...req, onBusy: () => slot.busy() }, this.deps, signal, this.deadline).finally(() =>
          this.watch.settle(id),
        );
      };
      const limits = clusterLimitsOf(this.deps);
      pending = this.#limiter.run(() =>
        limits
          .for(req.route.source.key)
          .run(send, (h) => (h.kind === 'sent' ? limitSignalOf(h.send) : { signal: 'ignore' })),
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }
}
