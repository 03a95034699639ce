import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaAwsAdapters } from '../aws-clients.js';
import { emitReconcileFailure, emitReconcileMetrics } from '../adapters/reconcile-telemetry.js';
import { ListingClient } from '../core/listing/listing-client.js';
import { configuredRoutes } from '../core/registry/registry.js';
import { reconcileDepsFromEnvironment, type ReconcileDeps } from '../reconcile-compose.js';
import {
  ContinuationError,
  parseContinuation,
  scopeName,
  sqsContinuationQueue,
  startContinuations,
  workSlice,
  type ContinuationQueue,
  type SliceDeps,
} from '../reconcile/continuations.js';
import { transportDeletePort } from '../reconcile/delete-extra.js';
import { enqueueRepairPort, replicationFeedsOf, transportHeadPort, type ReconcileRoute } from '../reconcile/ports.js';

/** What EventBridge Scheduler sends (the construct's target input). */
export interface ReconcileStartEvent {
  readonly reconcile: 'start';
  /** The schedule's scheduled time; it names the run. */
  readonly scheduledTime?: string;
}

/** Whether the event is the schedule's start. */
function isStart(event: unknown): event is ReconcileStartEvent {
  return (event as ReconcileStartEvent | null)?.reconcile === 'start';
}

/** The listing, HEAD and repair ports of the configured route. */
async function sliceDeps(d: ReconcileDeps): Promise<Omit<SliceDeps, 'queue'>> {
  const { registry, from, to } = d.config;
  const source = registry.clusters[from]!;
  const dr = registry.clusters[to]!;
  const configured = configuredRoutes(registry).find((r) => r.from === from && r.to === to) ?? null;
  const route: ReconcileRoute = {
    source,
    dr,
    from,
    to,
    sourceCredentials: await d.credentials.get(source.credentials),
    drCredentials: await d.credentials.get(dr.credentials),
    replicationFeeds: replicationFeedsOf(configured),
    ...(configured && { unprovenIdentity: configured.unprovenIdentity, replaceStale: configured.replaceStale }),
  };
  const listing = { pageSize: d.config.pageSize };
  const sendQueueUrl = d.config.sendQueueUrl;
  return {
    source: new ListingClient(d.transport, source, route.sourceCredentials, listing),
    dr: new ListingClient(d.transport, dr, route.drCredentials, listing),
    heads: transportHeadPort(d.transport, route),
    repair: (run) =>
      d.config.repair === 'enqueue' && sendQueueUrl
        ? enqueueRepairPort(d.sqs, sendQueueUrl, route, `reconcile:${run}`)
        : null,
    // The scheduled run deletes only where its route propagates deletes, and only when it repairs.
    deleteExtra:
      configured?.deletes === 'propagate' && d.config.repair === 'enqueue'
        ? transportDeletePort(d.transport, route)
        : null,
    graceMs: d.config.graceMs,
    unprovenIdentity: route.unprovenIdentity,
    ...(d.clock && { clock: d.clock }),
  };
}

/** A scheduler start: one continuation per scope on the reconcile queue, named by the scheduled time. */
async function startRun(
  d: ReconcileDeps,
  queue: ContinuationQueue,
  event: ReconcileStartEvent,
  logger: Logger,
): Promise<{ started: number; run: string }> {
  const startedAt = (d.clock ?? Date.now)();
  const run =
    event.scheduledTime && !Number.isNaN(Date.parse(event.scheduledTime))
      ? event.scheduledTime
      : new Date(startedAt).toISOString();
  const first = startContinuations(d.config.scopes, run, startedAt);
  await queue.enqueue(first);
  logger.info('reconcile run started', { run, scopes: first.map((c) => scopeName(c.scope)) });
  return { started: first.length, run };
}

/** Works one delivered continuation within the invocation's budget; false: report it as a batch item failure. */
async function workRecord(
  record: SQSRecord,
  d: ReconcileDeps,
  ports: SliceDeps,
  context: Context,
  logger: Logger,
): Promise<boolean> {
  const clock = d.clock ?? Date.now;
  let c;
  try {
    c = parseContinuation(record.body);
  } catch (err) {
    if (!(err instanceof ContinuationError)) throw err;
    // Not ours and never will be: retrying cannot help; the DLQ keeps it for a look.
    logger.error('reconcile: not a continuation', { messageId: record.messageId, problem: err.message });
    return false;
  }
  const budget = context.getRemainingTimeInMillis() - d.config.marginMs;
  const stopAt = clock() + budget;
  // The hard stop leaves half the margin to hand over the continuation.
  const signal = AbortSignal.timeout(Math.max(1, budget + d.config.marginMs / 2));
  const where = { run: c.run, scope: scopeName(c.scope), slice: c.slice, marker: c.marker };
  const result = await workSlice(c, ports, stopAt, signal).catch((err: unknown) => {
    // Never an invocation error for one continuation: reported, counted, delivered again.
    const error = err instanceof Error ? err.message : String(err);
    return { kind: 'failed', summary: null, error: `walk internal: ${error}` } as const;
  });
  if (result.kind === 'fanned-out') {
    logger.info('reconcile: buckets fanned out', { ...where, buckets: result.buckets });
    return true;
  }
  if (result.summary) emitReconcileMetrics(d.metrics, result.summary, c.startedAt, clock(), c.listed);
  else emitReconcileFailure(d.metrics);
  if (result.kind === 'failed') {
    logger.error('reconcile: scope slice failed; it will be delivered again', { ...where, error: result.error });
    return false;
  }
  const s = result.summary;
  logger[s.stopped === 'error' ? 'error' : 'info'](
    s.complete ? 'reconcile: scope done' : 'reconcile: scope continues',
    {
      ...where,
      compared: s.compared,
      counts: s.counts,
      complete: s.complete,
      listing: s.listing,
      ...(s.warnings.length && { warnings: s.warnings }),
      bytesMissing: s.bytesMissing,
      repairs: s.repairs,
      stopped: s.stopped,
      ...(s.error && { error: s.error }),
      next: result.next?.marker ?? null,
    },
  );
  return true;
}

/**
 * The reconcile function. A scheduler start fans the run out as one continuation per scope on
 * the reconcile queue; an SQS delivery (one continuation) is worked until the time budget minus
 * the margin, its repairs enqueued on the SEND queue, its counts written as EMF metrics, and the
 * next continuation enqueued before the message is acknowledged.
 */
export function createReconcileHandler(logger: Logger, deps: () => Promise<ReconcileDeps>) {
  let ready: Promise<ReconcileDeps> | null = null;
  const base = async (
    event: ReconcileStartEvent | SQSEvent,
    context: Context,
  ): Promise<SQSBatchResponse | { started: number; run: string }> => {
    // Built on the first invocation; a broken configuration fails the invocation and is tried
    // again on the next one.
    ready ??= deps().catch((err: unknown) => {
      ready = null;
      throw err;
    });
    const d = await ready;
    const queue = sqsContinuationQueue(d.sqs, d.config.reconcileQueueUrl);
    if (isStart(event)) return startRun(d, queue, event, logger);

    // Per invocation: the credentials provider caches, and honours rotation.
    const ports = { ...(await sliceDeps(d)), queue };
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records ?? []) {
      if (!(await workRecord(record, d, ports, context, logger))) failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  };
  return middy(base).use(injectLambdaContext(logger));
}

const logger = new Logger();
/** SDK calls of a reconcile slice run outside the SEND path's deadline margin: 5 s each. */
const REQUEST_TIMEOUT_MS = 5000;

export const handler = createReconcileHandler(logger, () =>
  reconcileDepsFromEnvironment(process.env, lambdaAwsAdapters(REQUEST_TIMEOUT_MS)),
);
