import type { ClusterTransport } from '../core/transport/cluster-transport.js';
import { decideDelete, type DeleteVerdict } from '../core/outcome/delete-decision.js';
import { walkDeleteProof } from '../core/outcome/delete-proof.js';
import type { ObjectRef } from '../core/message/message.js';
import { objectRequest } from '../core/send/object-request.js';
import { OUTCOME } from '../core/outcome/outcome.js';
import { USER_AGENT } from '../core/send/scsp-request.js';
import { mapLimit } from './confirm-batch.js';
import type { ReconcileRoute } from './ports.js';
import type { DeletePort, RepairResult } from './scope-types.js';

/** What a delete's verdict means for the report: DR no longer holds it, kept on purpose, or failed. */
function resultOf(v: DeleteVerdict): RepairResult {
  const detail = `${v.outcome}/${v.reason}${v.detail ? `: ${v.detail}` : ''}`;
  if (v.reason === 'deleted' || v.reason === 'already-absent') return { action: 'deleted', detail };
  // The source holds it again: DR's copy is right after all.
  if (v.outcome === OUTCOME.ALREADY_PRESENT) return { action: 'not-repaired', detail };
  return { action: 'failed', detail };
}

/**
 * `--delete-extra`: deletes confirmed extra-on-dr objects now, with the delete proof a delete
 * message gets (`walkDeleteProof`: the source's HEAD 404 at the time of deleting, DR's DELETE,
 * a HEAD on DR after it), at most `concurrency` at once. A 403 (a deletable=no lifepoint or a
 * lock) is `failed` with `delete-refused`, never overridden; there is no grace here: the
 * listings already showed the object on DR only, and the source's HEAD is asked at the moment
 * of deleting.
 */
export function transportDeletePort(
  transport: ClusterTransport,
  route: Pick<ReconcileRoute, 'source' | 'dr' | 'sourceCredentials' | 'drCredentials'>,
  concurrency = 8,
): DeletePort {
  const remove = async (object: ObjectRef, signal?: AbortSignal): Promise<RepairResult> => {
    const observed = await walkDeleteProof((method, side) =>
      side === 'source'
        ? objectRequest(transport, method, route.source, object, route.sourceCredentials, USER_AGENT, signal)
        : objectRequest(transport, method, route.dr, object, route.drCredentials, USER_AGENT, signal),
    );
    // One try: a transient answer is reported failed, and the next run asks again.
    return resultOf(decideDelete(observed, { attempt: 1, maxAttempts: 1 }));
  };
  return { delete: (objects, signal) => mapLimit(objects, concurrency, (object) => remove(object, signal)) };
}
