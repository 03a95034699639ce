import '../message/zod-locale.js';
import * as z from 'zod/mini';

/**
 * A route's delete options (docs/deletes.md): what a delete message (`op: "delete"`) does on
 * the route. Part of the registry's route (registry.ts), in a file of its own.
 */

/** `ignore` keeps DR's copy (DR guards against deletes); `propagate` follows the source. */
export const DELETE_MODES = ['ignore', 'propagate'] as const;
export type DeleteMode = (typeof DELETE_MODES)[number];
/** The grace of a route that names none, seconds. */
export const DEFAULT_DELETE_GRACE_SECONDS = 60;
/** The longest grace: a message can be hidden for at most 12 hours (SQS visibility timeout). */
export const MAX_DELETE_GRACE_SECONDS = 43_200;

/** The route's delete options as the registry takes them, their defaults filled in by the parser. */
export const deleteOptionsShape = {
  /** What a delete message does on this route. @default "ignore" */
  deletes: z._default(z.enum(DELETE_MODES), 'ignore'),
  /**
   * Seconds a delete waits, counted from when it was enqueued, before the source's 404 is taken
   * as proof (listings and in-flight rewrites settle). @default 60
   */
  deleteGraceSeconds: z._default(
    z.int().check(z.minimum(0), z.maximum(MAX_DELETE_GRACE_SECONDS)),
    DEFAULT_DELETE_GRACE_SECONDS,
  ),
};

/** A resolved route's delete options. */
export interface DeleteOptions {
  /** What a delete message does on this route. */
  readonly deletes: DeleteMode;
  /** Seconds a delete waits after it was enqueued before the source's 404 counts as proof. */
  readonly deleteGraceSeconds: number;
}
