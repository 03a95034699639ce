import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { sameCredentials, type Credentials } from '../core/digest-auth.js';
import { InvalidMessageError } from '../core/errors.js';
import { isNamed, readSendMessage, type SendMessage } from '../core/message.js';
import { OUTCOME, type OutcomeRecord } from '../core/outcome.js';
import { isSuccess, recordFromResult, recordWithoutSend, type RecordContext } from '../core/record.js';
import { resolveRoute, type ResolvedRoute } from '../core/registry.js';
import { provingFeeds } from '../core/replication-feeds.js';
import type { SendClient, SendResult } from '../core/send-client.js';
import { CredentialsError, type CredentialsProvider } from '../adapters/credentials.js';
import type { Config } from '../config.js';
import { backoffSeconds } from './backoff.js';
import type { LimitSlot } from './adaptive-limit.js';
import { Limiter } from './limiter.js';
import { clusterLimitsOf, limitSignalOf } from './send-limits.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from './stragglers.js';
import type { QueueOps, Telemetry } from './ports.js';
import { queueCallSignal } from './queue-deadline.js';
import { verifyCopy } from './verify.js';

export interface WorkerDeps {
  readonly config: Config;
  readonly client: SendClient;
  readonly credentials: CredentialsProvider;
  readonly queue: QueueOps;
  readonly telemetry: Telemetry;
  readonly random?: () => number;
}

/** The slice of the Lambda context the worker reads. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

/** What happened to one record; the handler's response is built from these. */
interface Settled {
  readonly record: SQSRecord;
  readonly outcome: OutcomeRecord | null;
  /** True when the message stays on its queue (retry, deadline, or a DLQ write that failed). */
  readonly keep: boolean;
  readonly backoffSeconds: number | null;
}

function contextOf(record: SQSRecord, message: SendMessage | null, route?: ResolvedRoute): RecordContext {
  return {
    object: message?.object ?? null,
    from: route?.source.key ?? message?.from ?? null,
    to: route?.destination.key ?? message?.to ?? null,
    attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
    messageId: record.messageId,
    correlationId: message?.correlationId ?? null,
  };
}

/** Identical SENDs share one request: same route, object and feed selection. */
function sendKey(route: ResolvedRoute, m: SendMessage): string {
  const object = isNamed(m.object) ? m.object : { uuid: m.object.uuid.toLowerCase(), alias: m.object.alias ?? false };
  return JSON.stringify([route.source.key, route.destination.key, object, m.feeds ?? null]);
}

function isFifo(record: SQSRecord): boolean {
  return record.eventSourceARN?.endsWith('.fifo') || record.attributes.MessageGroupId !== undefined;
}

/**
 * Processes one SQS batch the way DESIGN.md section 3 says: each record is parsed, routed,
 * SENT (identical SENDs coalesced, bounded concurrency, aborted before the deadline),
 * classified and recorded. Successes are acknowledged, permanent failures and exhausted retries
 * are forwarded to the DLQ with their reason and acknowledged, and retries stay on the queue
 * with a backoff. Returns the partial batch response. It never throws for a message's sake.
 */
export async function processBatch(records: readonly SQSRecord[], context: DeadlineContext, deps: WorkerDeps): Promise<SQSBatchResponse> {
  const { config, client, credentials, queue, telemetry } = deps;
  const random = deps.random ?? Math.random;
  const budget = Math.max(0, context.getRemainingTimeInMillis() - config.deadlineMarginMs);
  // No time left at all: abort at once, so not one SEND starts (a timer would fire too late).
  const deadline = budget > 0 ? AbortSignal.timeout(budget) : AbortSignal.abort();
  const limiter = new Limiter(config.concurrency);
  const limits = clusterLimitsOf(deps);
  const fifo = records.some(isFifo);
  const watch = new StragglerWatch(fifo ? { ...DEFAULT_STRAGGLER_POLICY, enabled: false } : (config.stragglers ?? DEFAULT_STRAGGLER_POLICY), config.concurrency);
  const inflight = new Map<string, Promise<SendResult>>();

  /** Reads both clusters' credentials, giving up at the deadline (a slow Secrets Manager). */
  async function credentialsFor(route: ResolvedRoute): Promise<{ source: Credentials; destination: Credentials }> {
    const read = Promise.all([credentials.get(route.source.credentials), credentials.get(route.destination.credentials)]);
    const [source, destination] = await untilDeadline(read, deadline);
    return { source, destination };
  }

  /** `signal` aborts at the deadline, or earlier when the straggler policy hands the SEND back. */
  async function sendOnce(route: ResolvedRoute, m: SendMessage, replicationFeeds: readonly number[], signal: AbortSignal, onBusy: () => void): Promise<SendResult> {
    let creds = await credentialsFor(route);
    const input = () => ({
      source: route.source,
      destination: route.destination,
      credentials: creds.source,
      destinationCredentials: creds.destination,
      object: m.object,
      feeds: m.feeds,
      replicationFeeds,
      nodeHint: m.nodeHint,
      signal,
      onBusy,
    });
    let result = await client.send(input());
    if (signal.aborted && !deadline.aborted) {
      const seconds = (result.durationMs / 1000).toFixed(1);
      return { ...result, outcome: OUTCOME.RETRY, reason: 'handed-back', detail: `stopped waiting after ${seconds} s in the batch's tail; the node may finish the copy` };
    }
    if (result.hintIgnored) telemetry.warn('node hint outside the source cluster ignored', { nodeHint: m.nodeHint, cluster: route.source.key });
    if (result.reason === 'auth-rejected' || result.reason === 'remote-auth-rejected') {
      // Credentials may have been rotated: read them again once, and try again if they changed.
      credentials.refresh(route.source.credentials);
      credentials.refresh(route.destination.credentials);
      const fresh = await credentialsFor(route);
      if (!sameCredentials(fresh.source, creds.source) || !sameCredentials(fresh.destination, creds.destination)) {
        creds = fresh;
        const again = await client.send(input());
        result = { ...again, requests: again.requests + result.requests, busy: again.busy + result.busy };
      }
    }
    return verifyCopy(client, route, m.object, creds, result, deadline);
  }

  async function handle(record: SQSRecord): Promise<Settled> {
    let message: SendMessage | null = null;
    let route: ResolvedRoute | undefined;
    let replicationFeeds: readonly number[];
    let outcome: OutcomeRecord;
    try {
      const read = readSendMessage(record.body);
      message = read.message;
      for (const warning of read.warnings) telemetry.warn(warning, { messageId: record.messageId });
      route = resolveRoute(config.registry, message.from, message.to);
      replicationFeeds = provingFeeds(route, message.feeds);
    } catch (err) {
      const detail = err instanceof InvalidMessageError ? err.message : 'invalid message';
      outcome = recordWithoutSend(OUTCOME.FAILED, 'invalid-message', detail, contextOf(record, message));
      return finish(record, outcome);
    }
    const ctx = contextOf(record, message, route);
    if (deadline.aborted) return { record, outcome: null, keep: true, backoffSeconds: null };
    const key = sendKey(route, message);
    let pending = inflight.get(key);
    if (!pending) {
      const r = route;
      const m = message;
      // Two bounds: this invocation's SENDs, and the source cluster's adaptive limit for the
      // whole container (it learns from 503s and latency across invocations).
      const proving = replicationFeeds;
      const eligible = ctx.attempt === 1;
      const send = (slot: LimitSlot) => {
        if (deadline.aborted) return Promise.reject(new DeadlineError());
        const id = {};
        return sendOnce(r, m, proving, watch.begin(id, eligible, deadline), () => slot.busy()).finally(() => watch.settle(id));
      };
      pending = limiter.run(() => limits.for(r.source.key).run(send, limitSignalOf));
      inflight.set(key, pending);
    }
    try {
      outcome = recordFromResult(await pending, ctx);
    } catch (err) {
      if (err instanceof DeadlineError) return { record, outcome: null, keep: true, backoffSeconds: null };
      const detail = err instanceof Error ? err.message : String(err);
      const invalid = err instanceof CredentialsError && err.reason === 'credentials-invalid';
      outcome = recordWithoutSend(invalid ? OUTCOME.FAILED : OUTCOME.RETRY, invalid ? 'credentials-invalid' : 'credentials-unavailable', detail, ctx);
    }
    return finish(record, outcome);
  }

  /** Applies the attempt limit, dead-letters what must go, and records the outcome. */
  async function finish(record: SQSRecord, outcome: OutcomeRecord): Promise<Settled> {
    if (outcome.outcome === OUTCOME.RETRY && outcome.attempt >= config.maxAttempts) {
      outcome = { ...outcome, outcome: OUTCOME.FAILED, retriesExhausted: true };
    }
    const sent = Number(record.attributes.SentTimestamp);
    if (outcome.outcome === OUTCOME.FAILED) {
      const dead = await deadLetter(record, outcome);
      telemetry.outcome(dead.outcome!, Number.isFinite(sent) ? sent : null);
      return dead;
    }
    telemetry.outcome(outcome, Number.isFinite(sent) ? sent : null);
    if (outcome.outcome === OUTCOME.RETRY) {
      // A handed-back straggler waits about twice as long as it ran, so its node can finish.
      const seconds =
        outcome.reason === 'handed-back'
          ? Math.max(1, Math.ceil((2 * (outcome.durationMs ?? 0)) / 1000))
          : backoffSeconds(outcome.attempt, config.backoffBaseSeconds, config.backoffCapSeconds, random);
      return { record, outcome, keep: true, backoffSeconds: seconds };
    }
    return { record, outcome, keep: false, backoffSeconds: null };
  }

  /**
   * Forwards a failed record to the DLQ, within the remaining time. The record it returns is the
   * one written (it says when the body had to be cut); one the DLQ did not take stays queued.
   */
  async function deadLetter(record: SQSRecord, outcome: OutcomeRecord): Promise<Settled> {
    try {
      const written = (await queue.deadLetter(record, outcome, queueCallSignal(context))) ?? outcome;
      return { record, outcome: written, keep: false, backoffSeconds: null };
    } catch (err) {
      telemetry.warn('dead-lettering failed; the message stays on its queue', { messageId: record.messageId, error: `${(err as Error).name}: ${(err as Error).message}` });
      return { record, outcome, keep: true, backoffSeconds: null };
    }
  }

  // FIFO: records of one message group run in order; after one stays on the queue, the rest of
  // its group is returned unprocessed so the order holds. Standard queues run everything at once.
  let settled: Settled[];
  if (fifo) {
    const groups = new Map<string, SQSRecord[]>();
    for (const r of records) {
      const g = r.attributes.MessageGroupId ?? '';
      groups.set(g, [...(groups.get(g) ?? []), r]);
    }
    const perGroup = await Promise.all(
      [...groups.values()].map(async (group) => {
        const out: Settled[] = [];
        let blocked = false;
        for (const r of group) {
          if (blocked) {
            out.push({ record: r, outcome: null, keep: true, backoffSeconds: null });
            continue;
          }
          const s = await handle(r);
          out.push(s);
          if (s.keep) blocked = true;
        }
        return out;
      }),
    );
    const byId = new Map(perGroup.flat().map((s) => [s.record.messageId, s]));
    settled = records.map((r) => byId.get(r.messageId)!);
  } else {
    const all = records.map(handle);
    // Every distinct SEND of the batch is known now (parsing is synchronous): the tail can be told.
    watch.setTotal(inflight.size);
    settled = await Promise.all(all).finally(() => watch.close());
  }

  // Terminal outcomes go to the outcomes queue; one that cannot be published keeps its message,
  // so the next attempt (a 409) publishes it again: upstream learns of every safe object.
  const keepIds = new Set(settled.filter((s) => s.keep).map((s) => s.record.messageId));
  if (config.outcomesQueueUrl) {
    const terminal = settled.filter((s) => s.outcome && !s.keep && s.outcome.outcome !== OUTCOME.RETRY);
    const failedIdx = await queue.publishOutcomes(terminal.map((s) => s.outcome!), queueCallSignal(context)).catch(() => terminal.map((_s, i) => i));
    for (const i of failedIdx) {
      const s = terminal[i];
      if (s && isSuccess(s.outcome!.outcome)) keepIds.add(s.record.messageId);
    }
    if (failedIdx.length) telemetry.warn('outcomes could not be published', { count: failedIdx.length });
  }

  // FIFO: a message kept for its unpublished outcome holds back the rest of its group, as a retry
  // does (what went to the DLQ stays there: it left the group's order).
  if (records.some(isFifo)) {
    const held = new Set<string>();
    for (const s of settled) {
      const group = s.record.attributes.MessageGroupId ?? '';
      const deadLettered = s.outcome?.outcome === OUTCOME.FAILED && !s.keep;
      if (held.has(group) && !deadLettered) keepIds.add(s.record.messageId);
      if (keepIds.has(s.record.messageId)) held.add(group);
    }
  }

  const unstarted = settled.filter((s) => s.outcome === null).length;
  if (unstarted) telemetry.warn('records returned to the queue unprocessed (deadline or FIFO order)', { count: unstarted });
  const backoffs = settled.filter((s) => s.backoffSeconds !== null).map((s) => ({ record: s.record, seconds: s.backoffSeconds! }));
  if (backoffs.length) await queue.changeVisibility(backoffs, queueCallSignal(context)).catch((err: Error) => telemetry.warn('backoff not applied', { error: `${err.name}: ${err.message}` }));
  telemetry.flush();
  return { batchItemFailures: records.filter((r) => keepIds.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

class DeadlineError extends Error {}

/** Settles with `work`, or rejects with DeadlineError once `signal` aborts, whichever is first. */
function untilDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DeadlineError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

