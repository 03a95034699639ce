/**
 * A fault-injecting HTTP proxy between an SQS client and fauxqs, for the chaos run and tests.
 *
 * It listens on 127.0.0.1, forwards every request to the target (fauxqs) and, by a seeded mix
 * of rules matched on the operation (the `X-Amz-Target` header of the SQS JSON protocol, e.g.
 * `AmazonSQS.DeleteMessageBatch`) and the queue (the last path segment of the body's
 * `QueueUrl`), answers instead:
 *
 * - an SQS error in the JSON protocol's shape, which @aws-sdk/client-sqs v3 (AWS JSON 1.0 with
 *   awsQueryCompatible) reads from the `x-amzn-query-error` header (`Code;Sender|Receiver`) and
 *   the body's `__type`: 500 `InternalError`, 503 `ServiceUnavailable`, 400
 *   `ThrottlingException`, 403 `RequestThrottled` (the SDK retries all four: the first two as
 *   transient by status, the last two as throttling by name);
 * - a connection reset (TCP RST);
 * - a slow answer (held for `delayMs`, meant to be past the client's request timeout).
 *
 * Each fault happens `before` forwarding (fauxqs never sees the request; for `slow`, fauxqs
 * sees it late, after the client may have given up and retried) or `after` (fauxqs applied it
 * and the answer is lost or replaced: a delete that happened, a DLQ send that was stored). The
 * second kind is what turns into duplicates: a retried SendMessage after a lost answer stores
 * the message twice.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRandom } from '../simulator/random.js';

/** The SQS errors the proxy can answer, with the status and fault side real SQS uses. */
export const SQS_ERRORS = {
  InternalError: { status: 500, side: 'Receiver', message: 'We encountered an internal error. Please try again.' },
  ServiceUnavailable: {
    status: 503,
    side: 'Receiver',
    message: 'The request has failed due to a temporary failure of the server.',
  },
  ThrottlingException: { status: 400, side: 'Sender', message: 'Rate exceeded' },
  RequestThrottled: { status: 403, side: 'Sender', message: 'The request was denied due to request throttling.' },
} as const;
export type SqsErrorCode = keyof typeof SQS_ERRORS;

/** `before`: fauxqs does not see the request (yet); `after`: fauxqs applied it, the answer is lost or replaced. */
export type FaultTiming = 'before' | 'after';

export type QueueFault =
  | { readonly type: 'error'; readonly error: SqsErrorCode; readonly when: FaultTiming }
  | { readonly type: 'reset'; readonly when: FaultTiming }
  | { readonly type: 'slow'; readonly delayMs: number; readonly when: FaultTiming };

/** One line of the mix: which requests, how often, what happens. */
export interface QueueFaultRule {
  /** Names the rule in the statistics. */
  readonly name: string;
  /** SQS actions (`ReceiveMessage`, `SendMessageBatch`...); every action when absent. */
  readonly operations?: readonly string[];
  /** Queue names (the QueueUrl's last segment); every queue when absent. */
  readonly queues?: readonly string[];
  /** Share of the matching requests, per mille (1000: every one). */
  readonly perMille: number;
  readonly fault: QueueFault;
}

export interface SqsFaultProxyOptions {
  /** Where requests go: fauxqs's base URL (`http://127.0.0.1:port`). */
  readonly target: string;
  /** Seed of the generator that picks the faulted requests. @default 1 */
  readonly seed?: number;
  readonly rules?: readonly QueueFaultRule[];
}

/** What the proxy saw and did. */
export interface SqsFaultProxyStats {
  /** Requests by `Action queue`. */
  readonly requests: Record<string, number>;
  /** Faults injected by `rule name: Action queue`. */
  readonly faults: Record<string, number>;
  /** Faults injected by rule name. */
  readonly faultsByRule: Record<string, number>;
  /** Requests that reached fauxqs (including those whose answer was then lost). */
  readonly forwarded: number;
  /** Requests that could not be forwarded (fauxqs down): answered 503. */
  readonly forwardErrors: number;
}

export interface SqsFaultProxy {
  /** The proxy's base URL, for the SQS client's `endpoint`. */
  readonly endpoint: string;
  /** Replaces the mix (e.g. to start or end an outage window). */
  setRules(rules: readonly QueueFaultRule[]): void;
  readonly rules: readonly QueueFaultRule[];
  stats(): SqsFaultProxyStats;
  close(): Promise<void>;
}

/** The action of a JSON-protocol request: `AmazonSQS.SendMessage` -> `SendMessage`. */
function actionOf(headers: IncomingHttpHeaders): string {
  const target = headers['x-amz-target'];
  return typeof target === 'string' ? target.replace(/^AmazonSQS\./, '') : '';
}

/** The queue name of a request body's QueueUrl, or '' (GetQueueUrl, ListQueues, unparsable bodies). */
function queueOf(body: Buffer): string {
  try {
    const url = (JSON.parse(body.toString('utf8')) as { QueueUrl?: unknown }).QueueUrl;
    return typeof url === 'string' ? (url.split('/').pop() ?? '') : '';
  } catch {
    return '';
  }
}

/** Headers to pass on: everything but hop-by-hop ones. */
function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']) delete out[h];
  return out;
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export async function startSqsFaultProxy(o: SqsFaultProxyOptions): Promise<SqsFaultProxy> {
  const target = new URL(o.target);
  const random = createRandom(o.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let rules: readonly QueueFaultRule[] = o.rules ?? [];
  const requests: Record<string, number> = {};
  const faults: Record<string, number> = {};
  const faultsByRule: Record<string, number> = {};
  let forwarded = 0;
  let forwardErrors = 0;
  /** Held answers: their timers and how to release them early (on close). */
  const timers = new Map<NodeJS.Timeout, () => void>();
  const sockets = new Set<Socket>();
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => (timers.delete(t), resolve()), ms);
      timers.set(t, resolve);
    });

  function pick(action: string, queue: string): QueueFaultRule | undefined {
    const matching = rules.filter(
      (r) => (!r.operations || r.operations.includes(action)) && (!r.queues || r.queues.includes(queue)),
    );
    if (!matching.length) return undefined;
    let roll = random.next() * 1000;
    return matching.find((r) => (roll -= r.perMille) < 0);
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const up = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          agent,
          headers: { ...forwardable(req.headers), host: target.host, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  function answer(res: ServerResponse, u: Upstream): void {
    if (res.destroyed || res.writableEnded) return;
    const headers = forwardable(u.headers);
    headers['content-length'] = String(u.body.length);
    res.writeHead(u.status, headers as Record<string, string>);
    res.end(u.body);
  }

  function sqsError(code: SqsErrorCode): Upstream {
    const e = SQS_ERRORS[code];
    const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: e.message }));
    return {
      status: e.status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': `${code};${e.side}`,
        'x-amzn-requestid': `fault-${Math.floor(random.next() * 1e9)}`,
      },
      body,
    };
  }

  function reset(res: ServerResponse): void {
    const socket = res.socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const action = actionOf(req.headers);
    const queue = queueOf(body);
    const key = `${action} ${queue}`.trim();
    requests[key] = (requests[key] ?? 0) + 1;
    const rule = pick(action, queue);
    if (rule) {
      faults[`${rule.name}: ${key}`] = (faults[`${rule.name}: ${key}`] ?? 0) + 1;
      faultsByRule[rule.name] = (faultsByRule[rule.name] ?? 0) + 1;
    }
    const f = rule?.fault;
    if (f?.when === 'before') {
      if (f.type === 'error') return answer(res, sqsError(f.error));
      if (f.type === 'reset') return reset(res);
      await wait(f.delayMs);
      if (closed) return reset(res);
    }
    let upstream: Upstream;
    try {
      upstream = await forward(req, body);
      forwarded++;
    } catch {
      forwardErrors++;
      return answer(res, sqsError('ServiceUnavailable'));
    }
    if (f?.when === 'after') {
      if (f.type === 'error') return answer(res, sqsError(f.error));
      if (f.type === 'reset') return reset(res);
      await wait(f.delayMs);
      if (closed) return reset(res);
    }
    answer(res, upstream);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => reset(res));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get rules() {
      return rules;
    },
    setRules(next) {
      rules = next;
    },
    stats: () => ({
      requests: { ...requests },
      faults: { ...faults },
      faultsByRule: { ...faultsByRule },
      forwarded,
      forwardErrors,
    }),
    async close() {
      closed = true;
      for (const [t, release] of timers) {
        clearTimeout(t);
        release();
      }
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
