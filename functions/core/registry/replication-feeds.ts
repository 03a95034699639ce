import { InvalidMessageError } from '../errors.js';
import type { FeedSelection } from '../message/message.js';

/**
 * Which feed statuses can prove that a feed SEND put a copy on the DR cluster.
 *
 * The `Feed-<id>-Status` trailers name feeds by id only, so the client cannot tell a replication
 * feed from a search or S3-backup feed; a 0 from either of those says nothing about the DR
 * copy. The registry names the route's replication feed ids; a selection proves the copy only
 * through those of them it includes. Nothing is guessed: a selection that cannot include any of
 * them, or a route that names none, is refused before any SEND.
 */
export interface FeedRoute {
  /** `from->to`, for the reason of a refusal. */
  readonly name: string;
  /** The route's replication feed ids, from the registry. */
  readonly replicationFeeds: readonly number[];
}

/**
 * Returns the route's replication feed ids the selection includes (the ones whose status 0
 * proves the DR copy), or [] for a legacy SEND (no selection). Throws `InvalidMessageError`
 * with the reason when no replication feed can be identified in the selection.
 */
export function provingFeeds(route: FeedRoute, selection: FeedSelection | undefined): readonly number[] {
  if (!selection) return [];
  const { name } = route;
  if (route.replicationFeeds.length === 0) {
    throw new InvalidMessageError([
      `feeds: route ${name} names no replicationFeeds in the registry, so no feed status could prove a DR copy (send without feeds, or add the route's replication feed ids)`,
    ]);
  }
  const ids = selection.ids ?? [];
  const types = selection.types ?? [];
  // `all` (by id or type) and the `replication` type include every replication feed of the cluster.
  if (ids.includes('all') || types.includes('all') || types.includes('replication')) return [...route.replicationFeeds];
  const chosen = route.replicationFeeds.filter((id) => ids.includes(id));
  if (chosen.length === 0) {
    const asked = [...ids.map((id) => `feedid=${id}`), ...types.map((t) => `feedtype=${t}`)].join(', ');
    throw new InvalidMessageError([
      `feeds: the selection (${asked}) includes none of route ${name}'s replication feeds (${route.replicationFeeds.join(', ')}), so it cannot prove a DR copy`,
    ]);
  }
  return chosen;
}
