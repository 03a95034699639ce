// Processes a test starts, stopped whatever the test's result. Every subprocess a test file
// starts asynchronously goes through `startProcess`: one started during a test is killed
// (SIGKILL) and waited for when that test ends, passed or failed; one started outside a test (in
// a beforeAll) when the file ends. So a failed assertion never leaves a child running, and
// never keeps Jest alive waiting for one. The hooks are registered at the top level of the
// file that imports this module (as test/helpers/scratch.ts does), so they run after that
// file's own hooks.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';

/** A started subprocess, with its output as it comes. */
export interface StartedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its output is closed: the exit code, or 128 + the signal number. */
  readonly exited: Promise<number>;
  /**
   * Resolves as soon as `predicate` holds for the output so far (checked on every chunk, not on
   * a timer); rejects, with the output, when the process ends first or after `timeoutMs`.
   */
  waitFor(predicate: (stdout: string, stderr: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL) unless the process has ended, and waits for it to end. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

const byTest = new Set<StartedProcess>();
const byFile = new Set<StartedProcess>();
let inTest = false;

async function stopAll(set: Set<StartedProcess>): Promise<void> {
  const all = [...set];
  set.clear();
  await Promise.all(all.map((p) => p.stop('SIGKILL')));
}

beforeEach(() => {
  inTest = true;
});
afterEach(async () => {
  inTest = false;
  await stopAll(byTest);
});
afterAll(async () => {
  await stopAll(byTest);
  await stopAll(byFile);
});

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/** Starts `command args` and registers it to be killed when the current test (or file) ends. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { stdio?: 'pipe' } = {},
): StartedProcess {
  const child = spawn(command, [...args], { ...options, stdio: 'pipe' });
  let out = '';
  let err = '';
  let ended = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    notify();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    notify();
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', (e) => {
      err += `\n[startProcess: ${command}: ${e.message}]\n`;
      ended = true;
      notify();
      resolve(127);
    });
    child.once('close', (code, signal) => {
      ended = true;
      notify();
      resolve(exitCode(code, signal));
    });
  });
  const started: StartedProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(predicate, what, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (predicate(out, err)) done();
          else if (ended) done(new Error(`${what}: the process ended first; stdout:\n${out}\nstderr:\n${err}`));
        };
        const timer = setTimeout(
          () => done(new Error(`${what}: not seen within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGKILL') {
      if (!ended && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  (inTest ? byTest : byFile).add(started);
  return started;
}
