import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpDate } from './http-date.js';
import type { Header } from './http-response.js';
import { findObject } from './lookup.js';
import { sendHeaders } from './object-headers.js';
import { inSendSlot, planStream, stretchOverTransfer, streamAnswer } from './send-stream.js';
import { refOf } from './store.js';
import type { FaultKind, FeedSpec, StoredObject } from './types.js';

/** Whether a SEND is the 11.2+ feed form (it names feeds) rather than the legacy one. */
export function isFeedSend(ctx: RequestContext): boolean {
  return ctx.req.query.has('feedid') || ctx.req.query.has('feedtype');
}

const FEED_TYPES: Readonly<Record<string, FeedSpec['type'] | 'all'>> = {
  all: 'all',
  search: 'search',
  indexing: 'search',
  replication: 'replication',
  s3backup: 's3backup',
};

/** The selected feeds (the union of feedid and feedtype), or the text of a 400. */
function selectFeeds(ctx: RequestContext): FeedSpec[] | string {
  const feeds = ctx.cluster.feeds;
  const selected = new Set<FeedSpec>();
  for (const id of ctx.req.query.getAll('feedid')) {
    if (id.toLowerCase() === 'all') feeds.forEach((f) => selected.add(f));
    else if (/^\d+$/.test(id)) {
      const feed = feeds.find((f) => f.id === Number(id));
      if (!feed) return `Unknown feed ID ${id}`;
      selected.add(feed);
    } else return `Invalid feedid "${id}": an integer or all`;
  }
  for (const raw of ctx.req.query.getAll('feedtype')) {
    const type = FEED_TYPES[raw.toLowerCase()];
    if (type === undefined) return `Invalid feedtype "${raw}": all, search, indexing, replication or s3backup`;
    feeds.filter((f) => type === 'all' || f.type === type).forEach((f) => selected.add(f));
  }
  return [...selected].sort((a, b) => a.id - b.id);
}

/** Parses `timeout` (true, false or seconds) and `force` (yes/true/no/false), or a 400 text. */
function parseFlags(ctx: RequestContext): { wait: boolean; force: boolean } | string {
  const timeout = ctx.req.query.get('timeout')?.toLowerCase();
  let wait = true;
  if (timeout === 'false') wait = false;
  else if (timeout !== undefined && timeout !== '' && timeout !== 'true' && !(Number(timeout) > 0)) {
    return `Invalid timeout "${timeout}": true, false or a positive number of seconds`;
  }
  const force = ctx.req.query.get('force')?.toLowerCase();
  if (force !== undefined && !['', 'yes', 'true', 'no', 'false'].includes(force)) {
    return `Invalid force "${force}": yes, true, no or false`;
  }
  return { wait, force: force === '' || force === 'yes' || force === 'true' };
}

/** Whether the object falls in the feed's domain scope (unnamed untenanted objects: the default domain). */
function inScope(feed: FeedSpec, obj: StoredObject, defaultDomain: string): boolean {
  if (feed.domains === undefined) return true;
  return feed.domains.includes(obj.domain ?? defaultDomain);
}

interface FeedReport {
  id: number;
  status: number;
  /** Blank when the status is 1 (timeout). */
  time: string;
}

/**
 * Feed SEND: processes the object on every selected feed whose scope includes it, then answers
 * 200 chunked with keep-alives, the `Feed-<id>-Status` / `-StatusTime` lines in the body and the
 * same pairs as real HTTP trailers (announced in `Trailer`). Out-of-scope feeds report nothing.
 */
export async function feedSend(ctx: RequestContext, fault: FaultKind | undefined): Promise<void> {
  const server = ctx.sim.options.server;
  const feeds = selectFeeds(ctx);
  const flags = parseFlags(ctx);
  if (typeof feeds === 'string' || typeof flags === 'string') {
    const text = typeof feeds === 'string' ? feeds : String(flags);
    sendError(ctx.res, server, 400, { text, token: 'InvalidArgument' });
    return;
  }
  const obj = findObject(ctx);
  if (!obj) return;

  await inSendSlot(ctx, () => answerFeeds(ctx, fault, obj, feeds, flags));
}

/** The streamed part of a feed SEND, once the node has taken it on. */
async function answerFeeds(
  ctx: RequestContext,
  fault: FaultKind | undefined,
  obj: StoredObject,
  feeds: readonly FeedSpec[],
  flags: { wait: boolean; force: boolean },
): Promise<void> {
  const server = ctx.sim.options.server;
  const reports: FeedReport[] = [];
  const commits: (() => void)[] = [];
  let transferMs = 0;
  const key = `${obj.uuid}@${obj.version}`;
  for (const feed of feeds) {
    if (!inScope(feed, obj, ctx.cluster.name)) continue;
    const now = new Date();
    if (fault?.type === 'feed-status' && fault.feedId === feed.id) {
      reports.push({ id: feed.id, status: fault.status, time: fault.status === 1 ? '' : httpDate(now) });
      continue;
    }
    if (feed.type === 'replication' && (fault?.type === 'remote-unreachable' || fault?.type === 'remote-status')) {
      reports.push({ id: feed.id, status: 2, time: httpDate(now) });
      continue;
    }
    const log = ctx.cluster.feedLog(feed.id);
    const prior = log.get(key);
    if (prior && !flags.force) {
      reports.push({ id: feed.id, status: 0, time: httpDate(prior) });
      continue;
    }
    if (feed.type === 'replication') {
      const dest = feed.target === undefined ? undefined : ctx.sim.clusterNamed(feed.target);
      if (!dest || !dest.nodes.some((n) => n.running)) {
        // The remote never answered within the SEND's timeout.
        reports.push({ id: feed.id, status: 1, time: '' });
        continue;
      }
      const copies = flags.force || !dest.store.has(refOf(obj));
      transferMs = Math.max(
        transferMs,
        ctx.sim.transfer?.durationMs(
          ctx.cluster.name,
          dest.name,
          { uuid: obj.uuid, bodyLength: obj.body.length },
          copies,
        ) ?? 0,
      );
      commits.push(() => {
        if (copies) dest.store.insert(obj);
      });
    }
    commits.push(() => log.set(key, now));
    reports.push({ id: feed.id, status: 0, time: httpDate(now) });
  }

  const trailers: Header[] = reports.flatMap((r): Header[] => [
    [`Feed-${r.id}-Status`, String(r.status)],
    [`Feed-${r.id}-StatusTime`, r.time],
  ]);
  const announce = trailers.length > 0 ? trailers.map(([name]) => name).join(', ') : undefined;
  const headers = sendHeaders(obj, ctx.cluster.name, server, announce);
  const plan = planStream(ctx, fault);
  if (flags.wait) stretchOverTransfer(ctx, plan, transferMs);
  else plan.keepalives = 0;
  const body = trailers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  await streamAnswer(ctx, headers, plan, { body, trailers }, () => commits.forEach((c) => c()));
}
