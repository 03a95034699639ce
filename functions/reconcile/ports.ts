import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ClusterTransport } from '../core/transport/cluster-transport.js';
import type { Credentials } from '../core/transport/digest-auth.js';
import { normalizeHash, parseTime } from '../core/listing/listing.js';
import type { UnprovenIdentity } from '../core/copy/content-identity.js';
import type { ReplaceStale } from '../core/registry/route-options.js';
import {
  describeObject,
  isNamed,
  parseSendMessage,
  type FeedSelection,
  type ObjectRef,
  type SendMessage,
} from '../core/message/message.js';
import type { HeadEvidence } from '../core/listing/reconcile-diff.js';
import { USER_AGENT, buildSendTarget } from '../core/send/scsp-request.js';
import { isSuccess } from '../core/outcome/outcome.js';
import type { ClusterConfig } from '../core/registry/registry.js';
import type { SendClient } from '../core/send/send-client.js';
import { enqueueSends } from '../producer.js';
import { mapLimit } from './confirm-batch.js';
import { type HeadPort, type RepairItem, type RepairPort, type RepairResult } from './scope-types.js';
import { sendWithDecision } from '../core/outcome/decide.js';

/** The two clusters of a reconcile and the admin credentials of each. */
export interface ReconcileRoute {
  readonly source: ClusterConfig;
  readonly dr: ClusterConfig;
  readonly sourceCredentials: Credentials;
  readonly drCredentials: Credentials;
  /** Registry keys, for SEND messages. */
  readonly from: string;
  readonly to: string;
  /**
   * Replication feed ids on the source (the route's `replicationFeeds`): `different` objects are
   * re-sent through them with `force`.
   */
  readonly replicationFeeds: readonly number[];
  /** The route's `unprovenIdentity` (content identity with no digest on both sides). @default "fail" */
  readonly unprovenIdentity?: UnprovenIdentity | undefined;
  /**
   * The route's `replaceStale`: with `copy` and no replication feed, a `different` object is
   * copied (`--send`: GET from the source, PUT to DR) or enqueued for the worker, which copies it.
   */
  readonly replaceStale?: ReplaceStale | undefined;
}

/** The route's replication feeds, read tolerantly (`[2]`, `[{ id: 2 }]`), or none. */
export function replicationFeedsOf(route: unknown): number[] {
  const feeds = (route as { replicationFeeds?: unknown } | null)?.replicationFeeds;
  if (!Array.isArray(feeds)) return [];
  return feeds
    .map((f) => (typeof f === 'number' ? f : (f as { id?: unknown })?.id))
    .filter((id): id is number => Number.isInteger(id));
}

function first(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * HEADs through the shared transport (same auth, redirects, failover as SEND), in the admin
 * realm. The version time comes from Castor-System-Version (ms), else Last-Modified (s).
 */
export function transportHeadPort(
  transport: ClusterTransport,
  route: Pick<ReconcileRoute, 'source' | 'dr' | 'sourceCredentials' | 'drCredentials'>,
): HeadPort & { requests: number } {
  return {
    requests: 0,
    async head(side, object: ObjectRef, signal?: AbortSignal): Promise<HeadEvidence> {
      const cluster = side === 'source' ? route.source : route.dr;
      const x = await transport.request({
        cluster,
        credentials: side === 'source' ? route.sourceCredentials : route.drCredentials,
        method: 'HEAD',
        target: buildSendTarget(object),
        headers: { 'user-agent': USER_AGENT },
        signal,
        readBody: 'discard',
      });
      this.requests += x.requests;
      const h = x.headers as Record<string, string | string[] | undefined>;
      const length = first(h, 'content-length');
      return {
        status: x.status,
        error: x.error,
        bytes: x.status === 200 && length !== undefined && /^\d+$/.test(length) ? Number(length) : null,
        hash: x.status === 200 ? normalizeHash(first(h, 'etag')) : null,
        lastModified:
          x.status === 200
            ? (parseTime(first(h, 'castor-system-version')) ?? parseTime(first(h, 'last-modified')))
            : null,
        ...(x.status === 200 && {
          alias: first(h, 'castor-system-alias') !== undefined,
          contentMd5: first(h, 'content-md5') ?? null,
        }),
      };
    },
  };
}

/** Why a `different` object cannot be repaired on this route, or null when it can. */
function cannotForce(route: ReconcileRoute, item: RepairItem): string | null {
  if (item.category !== 'different' || route.replicationFeeds.length > 0 || copies(route, item)) return null;
  if (route.replaceStale === 'copy')
    return 'an immutable unnamed object: no write can replace it, so the DR copy is replaced by hand (DELETE it there, then SEND)';
  return 'the route has no replication feed: a legacy SEND answers 409 while a copy exists, so a different copy cannot be replaced (give the route replicationFeeds, or --feed-id, or replaceStale: "copy")';
}

/**
 * Whether a `different` object is repaired by copying it (a route with `replaceStale: "copy"` and
 * no feed): a named or alias object (Swarm lets no write replace an immutable one).
 */
function copies(route: ReconcileRoute, item: RepairItem): boolean {
  const replaceable = isNamed(item.object) || item.object.alias === true;
  return (
    item.category === 'different' && route.replicationFeeds.length === 0 && route.replaceStale === 'copy' && replaceable
  );
}

/** The repair by copy: GET from the source, PUT to DR, streamed (core/copy/object-copy.ts). */
async function copyRepair(client: SendClient, route: ReconcileRoute, item: RepairItem, signal?: AbortSignal) {
  const r = await client.copy({
    source: route.source,
    destination: route.dr,
    sourceCredentials: route.sourceCredentials,
    destinationCredentials: route.drCredentials,
    object: item.object,
    signal,
  });
  if (r.kind === 'copied')
    return { action: 'sent', detail: `copied ${r.bytes} bytes in ${r.requests} requests` } as const;
  const detail = r.kind === 'failed' ? r.detail : 'the source changed during the copy; run again';
  return { action: 'failed', detail } as const;
}

function feedsFor(route: ReconcileRoute, item: RepairItem): FeedSelection | undefined {
  return item.category === 'different' ? { ids: [...route.replicationFeeds], force: true, timeout: 60 } : undefined;
}

/** Repairs by SENDing now, at most `concurrency` at once: legacy SEND for missing, forced feed SEND for different. */
export function sendRepairPort(client: SendClient, route: ReconcileRoute, concurrency = 8): RepairPort {
  return {
    repair(items, signal) {
      return mapLimit(items, concurrency, async (item): Promise<RepairResult> => {
        const refused = cannotForce(route, item);
        if (refused) return { action: 'not-repaired', detail: refused };
        if (copies(route, item)) return copyRepair(client, route, item, signal);
        const r = await sendWithDecision(client, {
          source: route.source,
          destination: route.dr,
          credentials: route.sourceCredentials,
          destinationCredentials: route.drCredentials,
          object: item.object,
          feeds: feedsFor(route, item),
          // A forced feed SEND selects exactly these feeds: only their status 0 proves the copy.
          replicationFeeds: route.replicationFeeds,
          signal,
        });
        return {
          action: isSuccess(r.outcome) ? 'sent' : 'failed',
          detail: `${r.outcome}/${r.reason}${r.detail ? `: ${r.detail}` : ''}`,
        };
      });
    },
  };
}

/**
 * Repairs by enqueueing ordinary SEND messages through the producer; the correlation id names
 * the reconcile run. An object no message can carry (a name with control characters) is
 * reported, not dropped.
 */
export function enqueueRepairPort(sqs: SQSClient, queueUrl: string, route: ReconcileRoute, runId: string): RepairPort {
  return {
    async repair(items) {
      const results: RepairResult[] = items.map(() => ({ action: 'enqueued', detail: null }));
      const messages: SendMessage[] = [];
      const index: number[] = [];
      items.forEach((item, i) => {
        const refused = cannotForce(route, item);
        if (refused) {
          results[i] = { action: 'not-repaired', detail: refused };
          return;
        }
        const feeds = feedsFor(route, item);
        const message: SendMessage = {
          object: item.object,
          from: route.from,
          to: route.to,
          correlationId: runId,
          ...(feeds && { feeds }),
        };
        try {
          parseSendMessage(JSON.stringify(message));
        } catch (err) {
          results[i] = {
            action: 'not-repaired',
            detail: `${describeObject(item.object).slice(0, 200)} cannot travel as a SEND message (${(err as Error).message}); use --send`,
          };
          return;
        }
        messages.push(message);
        index.push(i);
      });
      if (messages.length) {
        const r = await enqueueSends(sqs, queueUrl, messages);
        for (const f of r.failed)
          results[index[f.index]!] = { action: 'failed', detail: `enqueue failed: ${f.code} ${f.message}` };
      }
      return results;
    },
  };
}
