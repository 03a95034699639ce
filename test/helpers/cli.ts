import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from './processes.js';

export const BIN = fileURLToPath(new URL('../../bin/swarm-send.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time of the files dist/ is built from. */
function newestSource(): number {
  let newest = statSync(join(ROOT, 'scripts/build-cli.mjs')).mtimeMs;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|js|mjs|json)$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['bin', 'cli', 'functions', 'simulator', 'local', 'infra']) walk(join(ROOT, dir));
  return newest;
}

/**
 * The CLI tests run the built binary, as a user does; so that they never test stale code, dist/
 * is rebuilt first whenever a source is newer than it (`npm test` has just built it: then this
 * costs a directory walk). A lock directory keeps two Jest workers from building at once.
 */
function ensureBuilt(): void {
  const built = () => statSync(join(ROOT, 'dist/cli.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const lock = join(ROOT, 'dist/.test-build-lock');
  for (;;) {
    if (built() >= newestSource()) return;
    try {
      mkdirSync(join(ROOT, 'dist'), { recursive: true });
      mkdirSync(lock);
    } catch {
      // Another worker is building (or a crashed one left its lock: it goes after two minutes).
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      continue;
    }
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT, stdio: 'pipe' });
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
ensureBuilt();

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `swarm-send ...` as a subprocess on this Node (24), the way a user runs it. The process is
 * killed when the test that started it ends (test/helpers/processes.ts), and after `timeoutMs`
 * (then stderr ends with a note saying so).
 */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const p = startProcess(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
  });
  p.child.stdin?.on('error', () => undefined);
  p.child.stdin?.end(options.input);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void p.stop('SIGKILL');
  }, timeoutMs);
  try {
    const code = await p.exited;
    const note = timedOut ? `\n[runCli: killed after ${timeoutMs} ms]\n` : '';
    return { code, stdout: p.stdout(), stderr: p.stderr() + note };
  } finally {
    clearTimeout(timer);
  }
}
