import type { SendReport } from '../core/send/observation.js';
import { ClusterLimits, type LimitSignal } from './adaptive-limit.js';

/** The adaptive limit's ceiling: the largest SENDs-per-invocation the configuration accepts. */
export const MAX_ADAPTIVE_LIMIT = 1000;

/**
 * Slots the limit gains per limit's worth of good answers once it has met congestion. Each
 * container probes for room until a node answers 503; growing at half a slot per round halves
 * how often it probes, and so the 503s of several containers sharing one cluster, while the
 * 30% cut keeps every container near its share (the burst of `npm run bench:realistic`).
 */
export const ADAPTIVE_INCREASE = 0.5;

const byDeps = new WeakMap<object, ClusterLimits>();

/**
 * The adaptive per-cluster limits of one container: one set per dependency object, which every
 * composition root builds once per container (Lambda) or process (local worker), so what a
 * batch learns about a cluster's capacity carries over to the next batch.
 */
export function clusterLimitsOf(deps: object): ClusterLimits {
  let limits = byDeps.get(deps);
  if (!limits) byDeps.set(deps, (limits = new ClusterLimits({ max: MAX_ADAPTIVE_LIMIT, increase: ADAPTIVE_INCREASE })));
  return limits;
}

/**
 * What a SEND teaches the limit: a node answered 503 (busy) on the way; or a clean answer with
 * its duration; or nothing (no answer at all: a network error or the deadline).
 */
export function limitSignalOf(result: SendReport): { signal: LimitSignal; latencyMs?: number } {
  if (result.busy > 0) return { signal: 'busy' };
  if (result.observation.httpStatus === null) return { signal: 'ignore' };
  return { signal: 'ok', latencyMs: result.durationMs };
}
