import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One readiness check: null when it passes, else what is wrong (never a secret). */
export type ReadinessCheck = () => Promise<string | null>;

export interface WorkerServerOptions {
  readonly host: string;
  readonly port: number;
  /** The Prometheus exposition. */
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  /** Named readiness checks, run on each /readyz request (each bounded by `checkTimeoutMs`). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** False once the worker drains: /readyz answers 503 so no new work is routed here. */
  readonly accepting: () => boolean;
  /** @default 3000 */
  readonly checkTimeoutMs?: number;
}

export interface WorkerServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

async function bounded(check: ReadinessCheck, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      check().catch((err: unknown) => (err instanceof Error ? err.message : String(err))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The worker's HTTP endpoint: `/metrics` (Prometheus text format), `/healthz` (the process
 * answers: 200) and `/readyz` (200 when every readiness check passes and the worker is not
 * draining, else 503; the body is JSON naming each check's result).
 */
export async function startWorkerServer(o: WorkerServerOptions): Promise<WorkerServer> {
  const checkTimeoutMs = o.checkTimeoutMs ?? 3000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'text/plain', 'ok\n');
    if (path === '/metrics') {
      o.metrics().then(
        (m) => reply(200, m.contentType, m.body),
        (err: unknown) => reply(500, 'text/plain', `metrics unavailable: ${(err as Error).message}\n`),
      );
      return;
    }
    if (path === '/readyz') {
      const names = Object.keys(o.readiness);
      Promise.all(names.map((n) => bounded(o.readiness[n]!, checkTimeoutMs))).then((results) => {
        const checks: Record<string, string> = {};
        names.forEach((n, i) => (checks[n] = results[i] ?? 'ok'));
        const draining = !o.accepting();
        if (draining) checks.draining = 'the worker is draining after a stop signal';
        const ready = !draining && results.every((r) => r === null);
        reply(ready ? 200 : 503, 'application/json', `${JSON.stringify({ ready, checks })}\n`);
      });
      return;
    }
    reply(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
