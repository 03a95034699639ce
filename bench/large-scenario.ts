/**
 * What one run of `npm run bench:large` simulates (bench/large-simulation.ts) and what it
 * measures: the strategy, the disconnect behaviour, the link, and the pipeline around it.
 */
import type { StragglerOptions } from '../functions/config.js';
import type { LargeObjectPolicy } from '../functions/core/registry/route-large-objects.js';
import { derivedMaxReceiveCount, ENV_DEFAULTS } from '../functions/env.js';
import { DEFAULT_STRAGGLER_POLICY } from '../functions/worker/stragglers.js';
import { LONG_RUNNING_TIER_DEFAULTS } from '../infra/constructs/long-running-tier-options.js';
import { DEFAULT_MAX_CONCURRENCY } from '../infra/defaults.js';
import type { LinkSharing } from './large-link.js';

/** (a) `today`; (b) the policy via `feed`; (c) the policy via `long-running-tier`. */
export type Strategy = 'today' | 'feed' | 'long-running-tier';
/** What a legacy SEND's copy does when its client leaves (the simulator's `transfer.disconnect`). */
export type Disconnect = 'copy-finishes' | 'copy-abandoned';

/** The pipeline around the link; figures from the product's defaults where it has them. */
export interface PipelineModel {
  /** Lambda's cap per invocation (the function timeout raised to its maximum). */
  readonly lambdaTimeoutMs: number;
  readonly deadlineMarginMs: number;
  /** Invocations at once (the event source mapping's maxConcurrency). */
  readonly lambdaConcurrency: number;
  readonly batchSize: number;
  readonly maxAttempts: number;
  /** The SEND queue's redrive: a message received more often goes to the DLQ. */
  readonly maxReceiveCount: number;
  readonly backoffBaseSeconds: number;
  readonly backoffCapSeconds: number;
  /** The handler's straggler policy (Lambda batches only; the long-running tier waits for every SEND). */
  readonly stragglers: StragglerOptions;
  /**
   * Long-running tier: tasks at most, each one worker process (one link estimate, one count of
   * its large SENDs in flight) running `tierCopiesPerTask` batches of `tierBatchSize` messages at once.
   */
  readonly tierTasks: number;
  readonly tierCopiesPerTask: number;
  readonly tierBatchSize: number;
  /** Time an invocation (or tier batch) spends before its first SEND. */
  readonly invokeOverheadMs: number;
  /** Round trips of a SEND before its copy's first byte moves (and of a SEND that answers at once). */
  readonly sendSetupMs: number;
  /** A DR HEAD. */
  readonly headMs: number;
  /** Putting a message on the large-object queue. */
  readonly enqueueMs: number;
}

export const DEFAULT_PIPELINE: PipelineModel = {
  lambdaTimeoutMs: 900_000,
  deadlineMarginMs: ENV_DEFAULTS.DEADLINE_MARGIN_MS,
  lambdaConcurrency: DEFAULT_MAX_CONCURRENCY,
  batchSize: 10,
  maxAttempts: ENV_DEFAULTS.MAX_ATTEMPTS,
  maxReceiveCount: derivedMaxReceiveCount(ENV_DEFAULTS.MAX_ATTEMPTS),
  backoffBaseSeconds: ENV_DEFAULTS.BACKOFF_BASE_SECONDS,
  backoffCapSeconds: ENV_DEFAULTS.BACKOFF_CAP_SECONDS,
  stragglers: DEFAULT_STRAGGLER_POLICY,
  // The construct's default: `maxTasks` tasks of `swarm-send worker --max-concurrency copiesPerTask --batch-size 1`.
  tierTasks: LONG_RUNNING_TIER_DEFAULTS.maxTasks,
  tierCopiesPerTask: LONG_RUNNING_TIER_DEFAULTS.copiesPerTask,
  tierBatchSize: 1,
  invokeOverheadMs: 10,
  sendSetupMs: 30,
  headMs: 5,
  enqueueMs: 10,
};

export interface Scenario {
  readonly linkMbps: number;
  readonly sharing: LinkSharing;
  readonly disconnect: Disconnect;
  readonly strategy: Strategy;
  readonly model: PipelineModel;
  /** Seeds the backoff's jitter. */
  readonly seed: number;
  /** Fields of the route's policy other than its defaults (`linkMbps` defaults to the link's own). */
  readonly policy?: Partial<Omit<LargeObjectPolicy, 'via'>>;
}

export interface RunResult {
  readonly objects: number;
  readonly tailObjects: number;
  /** Bytes of every object of the workload (what the link is offered). */
  readonly bytesOffered: number;
  /** Dead-lettered by the handler (attempts spent). */
  readonly deadLettered: number;
  /** Moved to the DLQ by the queue's redrive (received more than maxReceiveCount times). */
  readonly redriven: number;
  /** Rule 1's renewals: each one SendMessage of a fresh message. */
  readonly renewals: number;
  /** Rule 2's holds: re-attempts that waited for a copy that may still run, nothing sent (`awaiting-copy`). */
  readonly holds: number;
  /** Of the dead-lettered and redriven, those a copy still landed on DR later (an orphan, or the feed). */
  readonly lostButLanded: number;
  /** Objects never on DR when everything stopped. */
  readonly notOnDr: number;
  /** Link time (bytes moved / link rate) in all, and on copies stopped before they landed, seconds. */
  readonly linkUsedSeconds: number;
  readonly linkWastedSeconds: number;
  readonly small: {
    readonly replicated: number;
    readonly lagP50Ms: number;
    readonly lagP99Ms: number;
    readonly waitP99Ms: number;
  };
  readonly tail: {
    readonly lambdaSecondsPerObject: number;
    readonly invocationsPerObject: number;
    /** Lambda attempts that ended at the cap with their copy unfinished. */
    readonly cutAttempts: number;
    readonly longestLambdaAttemptSeconds: number;
    readonly tierTaskSecondsPerObject: number;
    readonly maxReceives: number;
    /** From arrival to landing on DR, of the large objects replicated. */
    readonly lagP50Ms: number;
    readonly lagP99Ms: number;
    /** When the last large object landed, hours from the window's start. */
    readonly lastLandedHours: number;
  };
  readonly lambdaInvocations: number;
  readonly lambdaBilledSeconds: number;
  /** Outcomes by reason, every attempt. */
  readonly reasons: Readonly<Record<string, number>>;
  /** When the last event happened, hours. */
  readonly endHours: number;
}
