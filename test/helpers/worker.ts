import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIN } from './cli.js';
import { startProcess } from './processes.js';

/** The JSON log lines of a worker's output (other lines are skipped). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return out;
}

/** A `swarm-send worker` subprocess, with its output as it comes. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or 128 + signal number when killed. */
  readonly exited: Promise<number>;
  /** Waits until `predicate` holds for some JSON log line (stdout or stderr), checked as output arrives. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** Starts `swarm-send worker`; it is killed when the test (or file) that started it ends. */
export function spawnWorker(args: readonly string[], env: Record<string, string>): WorkerProcess {
  const p = startProcess(process.execPath, [BIN, 'worker', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  return {
    child: p.child,
    stdout: p.stdout,
    stderr: p.stderr,
    exited: p.exited,
    async waitForLog(predicate, timeoutMs = 20_000) {
      const find = () => jsonLines(p.stdout() + p.stderr()).find(predicate);
      await p.waitFor(() => find() !== undefined, 'the log line', timeoutMs);
      return find()!;
    },
  };
}

/** Polls `check` until it is true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A loopback HTTP server speaking the AWS JSON protocol (`X-Amz-Target: Service.Operation`):
 * each operation's answer comes from `answer`, and every request is counted by operation.
 */
export interface JsonProtocolServer {
  readonly url: string;
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

export async function startJsonProtocolServer(
  answer: (operation: string, body: Record<string, unknown>) => unknown,
): Promise<JsonProtocolServer> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const operation =
        String(req.headers['x-amz-target'] ?? req.url ?? '')
          .split('.')
          .pop() ?? '';
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        // not JSON (an instance-metadata probe, say)
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer(operation, body) ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
