import type { NotSent } from '../core/outcome/decide.js';
import { graceRemainingSeconds, type DeleteObserved } from '../core/outcome/delete-decision.js';
import { walkDeleteProof } from '../core/outcome/delete-proof.js';
import type { DeleteCost } from '../core/outcome/delete-record.js';
import type { SendMessage } from '../core/message/message.js';
import type { ResolvedRoute } from '../core/registry/registry.js';
import type { WorkerDeps } from './ports.js';
import { credentialsStep, isHappening, readCredentials } from './send-attempt.js';

/** One delete message to act on. */
export interface DeleteRequest {
  readonly route: ResolvedRoute;
  readonly message: SendMessage;
  /** When the message was enqueued (SQS SentTimestamp), ms; null when the record does not say. */
  readonly sentAtMs: number | null;
  readonly attempt: number;
}

/** How far a delete got, and what it cost. */
export interface DeleteHappening extends DeleteCost {
  readonly kind: 'delete';
  readonly observed: DeleteObserved;
}

type DeleteDeps = Pick<WorkerDeps, 'client' | 'credentials'> & { readonly now?: () => number };

/**
 * Walks a delete's steps (docs/deletes.md), stopping at the first that does not hold: the
 * route must propagate deletes; the message must be older than the route's grace; then the
 * proof and the DELETE (`walkDeleteProof`). Reports how far it got without deciding
 * (core/outcome/delete-decision.ts does); a credentials problem is the `NotSent` it means. Rejects
 * with DeadlineError when the credentials are not read before the deadline.
 */
export async function attemptDelete(
  req: DeleteRequest,
  deps: DeleteDeps,
  deadline: AbortSignal,
): Promise<DeleteHappening | NotSent> {
  const started = performance.now();
  let requests = 0;
  const done = (observed: DeleteObserved): DeleteHappening => ({
    kind: 'delete',
    observed,
    requests,
    durationMs: Math.round(performance.now() - started),
  });
  const { route, message } = req;
  if (route.deletes !== 'propagate') return done({ step: 'ignored' });
  const now = deps.now?.() ?? Date.now();
  const remainingSeconds = graceRemainingSeconds(req.sentAtMs, now, route.deleteGraceSeconds, req.attempt);
  if (remainingSeconds > 0) return done({ step: 'grace', remainingSeconds });
  const creds = await credentialsStep(() => readCredentials(req, deps, deadline));
  if (isHappening(creds)) return creds as NotSent;
  const observed = await walkDeleteProof(async (method, side) => {
    const answer = await deps.client.objectRequest(method, route[side], message.object, creds[side], deadline);
    requests += answer.requests;
    return answer;
  });
  return done(observed);
}
