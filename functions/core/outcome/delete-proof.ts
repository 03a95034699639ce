import { DELETE_DONE, GONE, type DeleteObserved } from './delete-decision.js';
import type { ObjectAnswer, ObjectMethod } from '../send/object-request.js';

/** One HEAD or DELETE of the delete's object on one side of the route. */
export type AskObject = (method: ObjectMethod, side: 'source' | 'destination') => Promise<ObjectAnswer>;

/**
 * The requests of a delete once its policy and grace allow it, stopping at the first step that
 * does not hold: the source's HEAD must answer 404 (the proof the object is gone); then DR's
 * DELETE; then, after a 200, 204 or 404, a HEAD on DR to confirm the object is absent. The
 * worker (a delete message) and reconcile (`--delete-extra`) both walk it;
 * `decideDelete` reads the result.
 */
export async function walkDeleteProof(ask: AskObject): Promise<DeleteObserved> {
  const source = await ask('HEAD', 'source');
  if (source.status !== GONE) return { step: 'source', source };
  const deleted = await ask('DELETE', 'destination');
  if (deleted.status === null || !DELETE_DONE.has(deleted.status)) return { step: 'delete', delete: deleted };
  const confirm = await ask('HEAD', 'destination');
  return { step: 'confirm', delete: deleted, confirm };
}
