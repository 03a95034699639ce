import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { httpDate } from './http-date.js';
import type { Header } from './http-response.js';
import { findObject } from './lookup.js';
import { sendHeaders } from './object-headers.js';
import { copyKey, type LinkCopy } from './link-copies.js';
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

/** The flags of a feed SEND: how long it waits for its feeds (ms; 0 = answer at once) and `force`. */
interface FeedFlags {
  waitMs: number;
  force: boolean;
}

/**
 * Parses `timeout` (true or absent: the cluster's `scsp.defaultFeedSendTimeout`; false: answer at
 * once; a number of seconds) and `force` (yes/true/no/false), or a 400 text.
 */
function parseFlags(ctx: RequestContext): FeedFlags | string {
  const timeout = ctx.req.query.get('timeout')?.toLowerCase();
  let waitMs = ctx.cluster.defaultFeedSendTimeoutSeconds * 1000;
  if (timeout === 'false') waitMs = 0;
  else if (timeout !== undefined && timeout !== '' && timeout !== 'true') {
    if (!(Number(timeout) > 0)) return `Invalid timeout "${timeout}": true, false or a positive number of seconds`;
    waitMs = Number(timeout) * 1000;
  }
  const force = ctx.req.query.get('force')?.toLowerCase();
  if (force !== undefined && !['', 'yes', 'true', 'no', 'false'].includes(force)) {
    return `Invalid force "${force}": yes, true, no or false`;
  }
  return { waitMs, force: force === '' || force === 'yes' || force === 'true' };
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

/** What one selected feed does for a SEND. */
type FeedStep =
  /** Decided at once: a fault, an unreachable target, a version the feed processed before. */
  | { kind: 'report'; report: FeedReport }
  /**
   * Nothing to copy (a search feed, or DR holds the object): the feed logs it (`at`) when the SEND
   * ends, which takes `ms`.
   */
  | { kind: 'record'; id: number; ms: number; record: () => Date; at?: Date }
  /** A copy to the feed's target: started by this SEND (`own`) or already in progress. */
  | { kind: 'copy'; id: number; copy: LinkCopy; own: boolean };

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

/** What one feed does with the object for this SEND (see {@link FeedStep}). */
function stepOf(
  ctx: RequestContext,
  fault: FaultKind | undefined,
  obj: StoredObject,
  feed: FeedSpec,
  flags: FeedFlags,
): FeedStep {
  const id = feed.id;
  if (fault?.type === 'feed-status' && fault.feedId === id) {
    return {
      kind: 'report',
      report: { id, status: fault.status, time: fault.status === 1 ? '' : httpDate(new Date()) },
    };
  }
  if (feed.type === 'replication' && (fault?.type === 'remote-unreachable' || fault?.type === 'remote-status')) {
    return { kind: 'report', report: { id, status: 2, time: httpDate(new Date()) } };
  }
  const key = `${obj.uuid}@${obj.version}`;
  const log = ctx.cluster.feedLog(id);
  const prior = log.get(key);
  if (prior && !flags.force) return { kind: 'report', report: { id, status: 0, time: httpDate(prior) } };
  const record = (): Date => {
    const now = new Date();
    log.set(key, now);
    return now;
  };
  if (feed.type !== 'replication') return { kind: 'record', id, ms: 0, record };
  const dest = feed.target === undefined ? undefined : ctx.sim.clusterNamed(feed.target);
  if (!dest || !dest.nodes.some((n) => n.running)) {
    // The remote never answered within the SEND's timeout.
    return { kind: 'report', report: { id, status: 1, time: '' } };
  }
  const inProgress = ctx.cluster.feedCopies(id);
  const running = inProgress.get(key);
  if (running?.running && !flags.force) return { kind: 'copy', id, copy: running, own: false };
  const transfer = ctx.sim.transfer;
  if (!flags.force && dest.store.has(refOf(obj))) {
    return { kind: 'record', id, ms: transfer?.durationMs(ctx.cluster.name, dest.name, obj, false) ?? 0, record };
  }
  const copy = ctx.sim.copies.start({
    key: copyKey(dest.name, obj),
    durationMs: transfer?.durationMs(ctx.cluster.name, dest.name, obj, true) ?? 0,
    stats: ctx.node.stats,
    store: () => {
      dest.store.insert(obj);
      record();
    },
  });
  inProgress.set(key, copy);
  void copy.ended.then(() => {
    if (inProgress.get(key) === copy) inProgress.delete(key);
  });
  return { kind: 'copy', id, copy, own: true };
}

/** How a feed's step reads once the SEND has waited: a copy still running is status 1 (timeout). */
function reportOf(step: FeedStep): FeedReport {
  switch (step.kind) {
    case 'report':
      return step.report;
    case 'record':
      return { id: step.id, status: 0, time: httpDate(step.at ?? new Date()) };
    default:
      return step.copy.storedAt
        ? { id: step.id, status: 0, time: httpDate(step.copy.storedAt) }
        : { id: step.id, status: 1, time: '' };
  }
}

/** The answer's trailers: a Status and a StatusTime per feed that reports. */
function trailersOf(reports: readonly FeedReport[]): Header[] {
  return reports.flatMap((r): Header[] => [
    [`Feed-${r.id}-Status`, String(r.status)],
    [`Feed-${r.id}-StatusTime`, r.time],
  ]);
}

/**
 * The streamed part of a feed SEND, once the node has taken it on. It waits for its feeds up to
 * its timeout: a copy that needs longer goes on in the background (the feed stores the object and
 * logs it at its end) and reports 1 with a blank time; a later SEND without `force` joins it.
 */
async function answerFeeds(
  ctx: RequestContext,
  fault: FaultKind | undefined,
  obj: StoredObject,
  feeds: readonly FeedSpec[],
  flags: FeedFlags,
): Promise<void> {
  const server = ctx.sim.options.server;
  const steps = feeds.filter((f) => inScope(f, obj, ctx.cluster.name)).map((f) => stepOf(ctx, fault, obj, f, flags));
  const spanMs = (step: FeedStep): number =>
    step.kind === 'copy' ? step.copy.remainingMs : step.kind === 'record' ? step.ms : 0;
  const awaited = steps.flatMap((s) => (s.kind === 'copy' && s.copy.remainingMs <= flags.waitMs ? [s.copy] : []));
  const ids = steps.map((s) => (s.kind === 'report' ? s.report.id : s.id));
  const announce = ids.length > 0 ? ids.map((id) => `Feed-${id}-Status, Feed-${id}-StatusTime`).join(', ') : undefined;
  const headers = sendHeaders(obj, ctx.cluster.name, server, announce);
  const plan = planStream(ctx, fault);
  if (flags.waitMs > 0) stretchOverTransfer(ctx, plan, Math.min(flags.waitMs, Math.max(0, ...steps.map(spanMs))));
  else plan.keepalives = 0;
  const recordAll = (): void => {
    for (const s of steps) if (s.kind === 'record') s.at = s.record();
  };
  await streamAnswer(ctx, headers, plan, {
    async finish(clientGone) {
      recordAll();
      const ends = awaited.map((copy) => copy.end());
      if (!clientGone) await Promise.all(ends);
      const trailers = trailersOf(steps.map(reportOf));
      return { body: trailers.map(([name, value]) => `${name}: ${value}\r\n`).join(''), trailers };
    },
    cut(copied) {
      if (copied) recordAll();
      for (const s of steps) {
        if (s.kind === 'copy' && s.own) {
          if (copied) s.copy.storeNow();
          else s.copy.abandon();
        }
      }
    },
  });
}
