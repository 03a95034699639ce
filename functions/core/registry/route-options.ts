import '../message/zod-locale.js';
import * as z from 'zod/mini';
import {
  DEFAULT_UNPROVEN_IDENTITY,
  UNPROVEN_IDENTITY_CHOICES,
  type UnprovenIdentity,
} from '../copy/content-identity.js';

/** A route's options for objects that change (docs/changed-objects.md). */

/** How a route repairs a stale DR copy when it has no replication feed (`replaceStale`). */
export const REPLACE_STALE_CHOICES = ['never', 'copy'] as const;
export type ReplaceStale = (typeof REPLACE_STALE_CHOICES)[number];

/** The registry fields, as the route schema takes them. */
export const changedObjectFields = {
  /**
   * What verify does when content identity is unproven (sizes equal, ETags differ, no digest on
   * both sides): `accept` it as replicated, `retry` it, or `fail` it at once. @default "fail"
   */
  unprovenIdentity: z.optional(z.enum(UNPROVEN_IDENTITY_CHOICES)),
  /**
   * A DR copy that is an older version, on a route without replication feeds: `copy` lets the
   * worker replace it (GET from the source, PUT to DR, streamed); `never` fails it at once.
   * Needs `verify`. @default "never"
   */
  replaceStale: z.optional(z.enum(REPLACE_STALE_CHOICES)),
};

/** The options resolved, defaults filled. */
export interface ChangedObjectOptions {
  readonly unprovenIdentity: UnprovenIdentity;
  readonly replaceStale: ReplaceStale;
}

export function changedObjectOptions(r: {
  readonly unprovenIdentity?: UnprovenIdentity | undefined;
  readonly replaceStale?: ReplaceStale | undefined;
}): ChangedObjectOptions {
  return { unprovenIdentity: r.unprovenIdentity ?? DEFAULT_UNPROVEN_IDENTITY, replaceStale: r.replaceStale ?? 'never' };
}

/** What is wrong with a route's options (`where`: its place in the registry). */
export function changedObjectProblems(where: string, r: { readonly verify: boolean } & ChangedObjectOptions): string[] {
  return r.replaceStale === 'copy' && !r.verify
    ? [`${where}.replaceStale: "copy" needs verify: true (only verify finds a stale DR copy)`]
    : [];
}
