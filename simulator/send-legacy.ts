import type { Principal } from './auth.js';
import type { ClusterState, RequestContext } from './context.js';
import { sendError } from './error-response.js';
import { sendHeaders } from './object-headers.js';
import { copyKey, type LinkCopy } from './link-copies.js';
import {
  inSendSlot,
  instantWork,
  planStream,
  stretchOverTransfer,
  streamAnswer,
  type SendWork,
} from './send-stream.js';
import { refOf } from './store.js';
import { findObject } from './lookup.js';
import type { FaultKind, StoredObject } from './types.js';

/** The result line of a legacy SEND body. */
function resultLine(status: number): string {
  return `Remote cluster returned: ${status}\n`;
}

/** Where a legacy SEND goes: the destination cluster, or why it cannot be reached. */
type Destination =
  { kind: 'ok'; cluster: ClusterState } | { kind: 'unreachable' } | { kind: 'bad-request'; text: string };

function resolveDestination(ctx: RequestContext, clusterName: string, target: string): Destination {
  const address = target.trim().replace(/^localhost:/i, `${ctx.sim.options.host}:`);
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/.test(address)) {
    return { kind: 'bad-request', text: `Castor-System-Target must be IP:port, got "${target}"` };
  }
  const node = ctx.sim.nodeAt(address);
  if (!node) return { kind: 'unreachable' };
  if (node.cluster.name !== clusterName) {
    return {
      kind: 'bad-request',
      text: `Castor-System-Cluster "${clusterName}" does not match the cluster at ${address} ("${node.cluster.name}")`,
    };
  }
  return node.running ? { kind: 'ok', cluster: node.cluster } : { kind: 'unreachable' };
}

/** Whether the remote cluster accepts the SEND's credentials (Castor-System-Auth, else the caller's). */
function remoteAccepts(ctx: RequestContext, dest: ClusterState, principal: Principal | undefined): boolean {
  const auth = ctx.req.headers.get('castor-system-auth');
  if (auth === undefined) return principal?.validOn(dest.admins) ?? false;
  const colon = auth.indexOf(':');
  if (colon < 0) return false;
  return dest.admins[auth.slice(0, colon)] === auth.slice(colon + 1);
}

/**
 * Legacy SEND (no feedid/feedtype): checks the destination, then answers 200 chunked with
 * HEAD-like headers, keep-alive newlines and `Remote cluster returned: <status>` (201 after a
 * copy; 409 when already there; 401/503 and fault statuses with nothing copied).
 */
export async function legacySend(
  ctx: RequestContext,
  principal: Principal | undefined,
  fault: FaultKind | undefined,
): Promise<void> {
  const { req, sim } = ctx;
  const server = sim.options.server;
  const clusterName = req.headers.get('castor-system-cluster');
  const target = req.headers.get('castor-system-target');
  if (!clusterName || !target) {
    const missing = !clusterName ? 'Castor-System-Cluster' : 'Castor-System-Target';
    sendError(ctx.res, server, 400, { text: `SEND requires the ${missing} header`, token: 'MissingHeader' });
    return;
  }
  const dest = resolveDestination(ctx, clusterName, target);
  if (dest.kind === 'bad-request') {
    sendError(ctx.res, server, 400, { text: dest.text, token: 'InvalidTarget' });
    return;
  }
  const obj = findObject(ctx);
  if (!obj) return;
  if (fault?.type === 'remote-unreachable' && fault.variant === 'early') {
    sendError(ctx.res, server, 503, { text: `Remote cluster at ${target} is unreachable`, token: 'RemoteUnreachable' });
    return;
  }
  await inSendSlot(ctx, () => answerLegacy(ctx, principal, fault, obj, dest));
}

/** The streamed part of a legacy SEND, once the node has taken it on. */
async function answerLegacy(
  ctx: RequestContext,
  principal: Principal | undefined,
  fault: FaultKind | undefined,
  obj: StoredObject,
  dest: Exclude<Destination, { kind: 'bad-request' }>,
): Promise<void> {
  const server = ctx.sim.options.server;
  const headers = sendHeaders(obj, ctx.cluster.name, server);
  const plan = planStream(ctx, fault);
  if (dest.kind === 'unreachable' || fault?.type === 'remote-unreachable') {
    await streamAnswer(ctx, headers, plan, instantWork({ body: resultLine(503) }));
    return;
  }
  const destination = dest.cluster;
  if (!remoteAccepts(ctx, destination, principal)) {
    await streamAnswer(ctx, headers, plan, instantWork({ body: resultLine(401) }));
    return;
  }
  if (fault?.type === 'remote-status') {
    await streamAnswer(ctx, headers, plan, instantWork({ body: resultLine(fault.status) }));
    return;
  }
  const there = destination.store.get(refOf(obj));
  const replaces =
    ctx.sim.options.olderAtDestination === 'replace' && there !== undefined && there.created < obj.created;
  const present = there !== undefined && !replaces;
  const transferMs = ctx.sim.transfer?.durationMs(ctx.cluster.name, destination.name, obj, !present) ?? 0;
  stretchOverTransfer(ctx, plan, transferMs);
  if (present) {
    if (ctx.sim.options.alreadyPresent === 'status') {
      sendError(ctx.res, server, 409, { text: 'Object already exists in the destination cluster' });
      return;
    }
    await streamAnswer(ctx, headers, plan, instantWork({ body: resultLine(409) }));
    return;
  }
  const copy = ctx.sim.copies.start({
    key: copyKey(destination.name, obj),
    durationMs: transferMs,
    stats: ctx.node.stats,
    store: () => destination.store.insert(obj),
  });
  await streamAnswer(ctx, headers, plan, legacyCopyWork(ctx, copy));
}

/**
 * The copy behind a legacy SEND: the result line comes when it has stored the object. When the
 * client disconnects first, the transfer model's `disconnect` says whether the copy goes on
 * (`copy-finishes`: the SEND keeps its node slot until the copy ends) or is given up.
 */
function legacyCopyWork(ctx: RequestContext, copy: LinkCopy): SendWork {
  return {
    async finish(clientGone) {
      if (clientGone && ctx.sim.transfer?.disconnect === 'copy-abandoned') {
        copy.abandon();
        return undefined;
      }
      await copy.end();
      return { body: resultLine(201) };
    },
    cut: (copied) => (copied ? copy.storeNow() : copy.abandon()),
  };
}
