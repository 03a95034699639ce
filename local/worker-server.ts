import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One readiness check: null when it passes, else what is wrong (for the log, never a secret). */
export type ReadinessCheck = () => Promise<string | null>;

export interface WorkerServerOptions {
  readonly host: string;
  readonly port: number;
  /** The Prometheus exposition. */
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  /** Named readiness checks (each bounded by `checkTimeoutMs`, their results kept `cacheMs`). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** False once the worker drains: /readyz answers 503 so no new work is routed here. */
  readonly accepting: () => boolean;
  /** Where a failed check's details go (the log): the /readyz body says only `failed`. */
  readonly checkFailed: (check: string, detail: string) => void;
  /** Every run's results (for the metrics); /metrics runs the checks too, through the same cache. */
  readonly checked: (passed: Readonly<Record<string, boolean>>) => void;
  /** @default 3000 */
  readonly checkTimeoutMs?: number;
  /** How long one run of the checks answers every probe. @default 5000 */
  readonly cacheMs?: number;
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
 * Runs every check at most once per `cacheMs`: the probes of that period (a burst of them
 * included, even while the run is under way) share its results. A failure is reported with
 * its details when the run finds it.
 */
function cachedChecks(o: WorkerServerOptions): () => Promise<Record<string, boolean>> {
  const names = Object.keys(o.readiness);
  const checkTimeoutMs = o.checkTimeoutMs ?? 3000;
  const cacheMs = o.cacheMs ?? 5000;
  let last: { at: number; results: Promise<Record<string, boolean>> } | null = null;
  const run = async () => {
    const results = await Promise.all(names.map((n) => bounded(o.readiness[n]!, checkTimeoutMs)));
    const passed = Object.fromEntries(
      names.map((n, i) => {
        const problem = results[i] ?? null;
        if (problem !== null) o.checkFailed(n, problem);
        return [n, problem === null];
      }),
    );
    o.checked(passed);
    return passed;
  };
  return () => {
    const now = Date.now();
    if (last === null || now - last.at >= cacheMs) last = { at: now, results: run() };
    return last.results;
  };
}

/**
 * The worker's HTTP endpoint: `/metrics` (Prometheus text format), `/healthz` (the process
 * answers: 200) and `/readyz` (200 when every readiness check passes and the worker is not
 * draining, else 503; the body is JSON with `ok` or `failed` per check and nothing else).
 */
export async function startWorkerServer(o: WorkerServerOptions): Promise<WorkerServer> {
  const checks = cachedChecks(o);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return reply(200, 'text/plain', 'ok\n');
    if (path === '/metrics') {
      checks()
        .then(() => o.metrics())
        .then(
          (m) => reply(200, m.contentType, m.body),
          (err: unknown) => reply(500, 'text/plain', `metrics unavailable: ${(err as Error).message}\n`),
        );
      return;
    }
    if (path === '/readyz') {
      checks().then((passed) => {
        const all = { ...passed, accepting: o.accepting() };
        const ready = Object.values(all).every(Boolean);
        const body = Object.fromEntries(Object.entries(all).map(([n, ok]) => [n, ok ? 'ok' : 'failed']));
        reply(ready ? 200 : 503, 'application/json', `${JSON.stringify({ ready, checks: body })}\n`);
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
