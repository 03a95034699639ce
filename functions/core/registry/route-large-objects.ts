import '../message/zod-locale.js';
import * as z from 'zod/mini';

/**
 * A route's large-object policy (docs/large-objects.md): how the worker copies an object whose
 * SEND would outlast the time it has. Absent: no policy, nothing is asked or planned (no HEAD,
 * no estimate), as before.
 */

/**
 * Where an object goes that does not fit the invocation's remaining time:
 * - `feed`: a feed SEND with a short `timeout` lets the route's replication feed copy it in the
 *   background; the message asks again (never with `force`) until the feed reports status 0.
 * - `long-running-tier`: the message moves to the large-object queue, consumed by a worker with
 *   no invocation cap (a Fargate service, or `swarm-send worker --long-running`).
 */
export const LARGE_OBJECT_VIA = ['feed', 'long-running-tier'] as const;
export type LargeObjectVia = (typeof LARGE_OBJECT_VIA)[number];

/**
 * Whether a worker with a cap (a Lambda invocation, a worker with a batch deadline) may SEND a
 * large object itself when it fits the time left:
 * - `never`: a large object (expected to take `largeAfterSeconds` or more) always goes `via`,
 *   so no invocation waits on a long copy and small objects never queue behind one;
 * - `when-it-fits`: it is SENT in the invocation when its expected duration times the safety
 *   factor fits; only what does not fit goes `via`.
 * The long-running tier has no cap and SENDs everything it receives.
 */
export const LARGE_IN_INVOCATION = ['never', 'when-it-fits'] as const;
export type LargeInInvocation = (typeof LARGE_IN_INVOCATION)[number];

export const LARGE_OBJECT_DEFAULTS = {
  /** A large object never ties up an invocation (docs/large-objects.md, the benchmark). */
  largeInInvocation: 'never' as LargeInInvocation,
  /** Expected duration times this must fit the remaining time. */
  safetyFactor: 2,
  /** The `timeout` of a background feed SEND, seconds. */
  feedTimeoutSeconds: 5,
  /** An object whose expected SEND takes at least this long is large: it is checked on DR before a re-send. */
  largeAfterSeconds: 60,
} as const;

/** The registry field, as the route schema takes it. */
export const largeObjectFields = {
  largeObjects: z.optional(
    z.strictObject({
      /** The link's usable bandwidth from source to DR, megabits per second. */
      linkMbps: z.number().check(z.positive(), z.maximum(1_000_000)),
      /** Where an object that does not fit goes. */
      via: z.enum(LARGE_OBJECT_VIA),
      /** @default 2 */
      safetyFactor: z.optional(z.number().check(z.gte(1), z.maximum(100))),
      /** @default 5 */
      feedTimeoutSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(3600))),
      /** @default 60 */
      largeAfterSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(86_400))),
      /** @default "never" */
      largeInInvocation: z.optional(z.enum(LARGE_IN_INVOCATION)),
    }),
  ),
};

/** A route's large-object policy, defaults filled. */
export interface LargeObjectPolicy {
  readonly linkMbps: number;
  readonly via: LargeObjectVia;
  readonly safetyFactor: number;
  readonly feedTimeoutSeconds: number;
  readonly largeAfterSeconds: number;
  readonly largeInInvocation: LargeInInvocation;
}

type LargeObjectsInput = NonNullable<z.infer<typeof largeObjectFields.largeObjects>>;

/** The policy of a route as written, defaults filled; null for a route without one. */
export function largeObjectPolicy(written: LargeObjectsInput | null | undefined): LargeObjectPolicy | null {
  if (!written) return null;
  return {
    linkMbps: written.linkMbps,
    via: written.via,
    safetyFactor: written.safetyFactor ?? LARGE_OBJECT_DEFAULTS.safetyFactor,
    feedTimeoutSeconds: written.feedTimeoutSeconds ?? LARGE_OBJECT_DEFAULTS.feedTimeoutSeconds,
    largeAfterSeconds: written.largeAfterSeconds ?? LARGE_OBJECT_DEFAULTS.largeAfterSeconds,
    largeInInvocation: written.largeInInvocation ?? LARGE_OBJECT_DEFAULTS.largeInInvocation,
  };
}

/** What is wrong with a route's policy (`where`: its place in the registry). */
export function largeObjectProblems(
  where: string,
  r: { readonly largeObjects: LargeObjectPolicy | null; readonly replicationFeeds: readonly number[] },
): string[] {
  if (r.largeObjects?.via === 'feed' && r.replicationFeeds.length === 0)
    return [`${where}.largeObjects: via "feed" needs replicationFeeds (the feed that copies in the background)`];
  return [];
}
