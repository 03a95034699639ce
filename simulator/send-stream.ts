import type { RequestContext } from './context.js';
import { sendError } from './error-response.js';
import type { Header } from './http-response.js';
import type { FaultKind } from './types.js';

/** How a streamed (chunked) SEND answer unfolds in time. */
export interface StreamPlan {
  keepalives: number;
  intervalMs: number;
  /** Silence after the headers, before anything else. */
  stallMs: number;
  /** `reset`: RST after one keep-alive; `truncate`: clean close before the result. */
  ending: 'normal' | 'reset' | 'truncate';
  /** With a reset or truncated ending: whether the work still completes server-side. */
  commitAnyway: boolean;
}

/**
 * Time between handing the reset's last bytes to the kernel and sending the RST, so the client
 * reads the headers first (a Linux peer drops unread data when the RST arrives).
 */
const RESET_GRACE_MS = 25;

/** Sends a TCP reset once what was written has had time to reach the client; counts it. */
export async function resetConnection(ctx: RequestContext): Promise<void> {
  const { res, conn } = ctx;
  await res.flushed();
  await pause(RESET_GRACE_MS, conn.signal);
  ctx.node.stats.resets++;
  if (!conn.socket.destroyed) conn.socket.resetAndDestroy();
}

/** The plan for a SEND answer under the simulator's keep-alive settings and a fault, if any. */
export function planStream(ctx: RequestContext, fault: FaultKind | undefined): StreamPlan {
  const { keepalive, zeroLatency } = ctx.sim.options;
  const plan: StreamPlan = {
    keepalives: zeroLatency ? 0 : keepalive.count,
    intervalMs: zeroLatency ? 0 : keepalive.intervalMs,
    stallMs: 0,
    ending: 'normal',
    commitAnyway: false,
  };
  switch (fault?.type) {
    case 'stall':
      plan.stallMs = fault.ms;
      break;
    case 'slow-keepalive':
      plan.keepalives = fault.count;
      plan.intervalMs = fault.intervalMs;
      break;
    case 'reset-mid-body':
      plan.ending = 'reset';
      plan.commitAnyway = fault.copied ?? false;
      break;
    case 'truncate':
      plan.ending = 'truncate';
      plan.commitAnyway = fault.copied ?? false;
      break;
    default:
      break;
  }
  return plan;
}

/** Waits `ms`, or less if the connection closes first (the work then goes on without a reader). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The result a streamed SEND answer ends with: a body chunk, then the zero chunk with trailers. */
export interface SendResult {
  readonly body: string;
  readonly trailers?: readonly Header[];
}

/** The work behind a streamed SEND answer: what happens at its end, or when a fault cuts it. */
export interface SendWork {
  /**
   * The keep-alives are done, or the client left (`clientGone`): ends the work and gives the
   * result to write, or undefined when there is nothing more to write (the work went with its client).
   */
  finish(clientGone: boolean): Promise<SendResult | undefined>;
  /** A reset or truncation fault ends the answer early; `copied`: the work completes all the same. */
  cut(copied: boolean): void;
}

/** Work done at once when the answer ends (`commit`, by default nothing), then a fixed result. */
export function instantWork(result: SendResult, commit: () => void = () => {}): SendWork {
  return {
    finish: () => {
      commit();
      return Promise.resolve(result);
    },
    cut: (copied) => {
      if (copied) commit();
    },
  };
}

/**
 * Streams a 200 chunked answer: headers, keep-alive "\n" chunks, then (once the work has ended)
 * the result chunk and the zero chunk with trailers. Faults in the plan stall, reset or truncate
 * it. With no interval and no fault, nothing waits (the benchmark hot path).
 */
export async function streamAnswer(
  ctx: RequestContext,
  headers: readonly Header[],
  plan: StreamPlan,
  work: SendWork,
): Promise<void> {
  const { res, conn } = ctx;
  res.writeHead(200, headers);
  if (plan.stallMs > 0) {
    await res.flushed();
    await pause(plan.stallMs, conn.signal);
  }
  if (plan.ending === 'reset') {
    res.keepalive();
    work.cut(plan.commitAnyway);
    await resetConnection(ctx);
    return;
  }
  for (let i = 0; i < plan.keepalives && !conn.signal.aborted; i++) {
    if (plan.intervalMs > 0) await pause(plan.intervalMs, conn.signal);
    res.keepalive();
  }
  if (plan.ending === 'truncate') {
    work.cut(plan.commitAnyway);
    res.closeAfter = true;
    await res.flushed();
    conn.socket.end();
    return;
  }
  const result = await work.finish(conn.signal.aborted);
  if (!result) return;
  res.chunk(result.body);
  res.endChunked(result.trailers);
}

/**
 * Runs a SEND's answer in one of the node's SEND slots under the transfer model. A node that
 * already runs its `maxSendsPerNode` answers 503 (counted as `busy`) instead. Without a
 * transfer model every SEND gets a slot.
 */
export async function inSendSlot(ctx: RequestContext, answer: () => Promise<void>): Promise<void> {
  const model = ctx.sim.transfer;
  const slot = model ? model.admit(ctx.node) : { release(): void {} };
  if (!slot) {
    ctx.node.stats.busy++;
    sendError(ctx.res, ctx.sim.options.server, 503, {
      text: 'Too many SENDs in progress on this node',
      token: 'ServiceUnavailable',
    });
    return;
  }
  try {
    await answer();
  } finally {
    slot.release();
  }
}

/**
 * Stretches a plan over a transfer's duration: keep-alive newlines at the model's interval
 * until the result is due. Nothing changes without a transfer model or for a zero duration.
 */
export function stretchOverTransfer(ctx: RequestContext, plan: StreamPlan, durationMs: number): void {
  const model = ctx.sim.transfer;
  if (!model || !(durationMs > 0)) return;
  plan.keepalives = Math.max(plan.keepalives, Math.ceil(durationMs / model.keepaliveIntervalMs));
  plan.intervalMs = durationMs / plan.keepalives;
}
