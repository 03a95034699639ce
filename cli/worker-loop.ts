import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import { percentile } from '../local/summary.js';
import type { LocalWorker } from '../local/worker.js';
import type { CommandIo } from './command.js';
import type { RunWorkerMode, WorkerFlags } from './worker-flags.js';

/** The running worker's life after start: wait for a stop, drain, summarize. */

export type StopReason = 'stop signal' | 'timeout' | 'idle';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** True when the queue has nothing visible, in flight or delayed. */
async function queueEmpty(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const c = await queueCounts(sqs, queueUrl).catch(() => null);
  return c !== null && c.visible + c.inFlight + c.delayed === 0;
}

/** Waits until a stop signal, --timeout, or idleness with --until-idle. */
export async function waitForStop(
  worker: LocalWorker,
  sqs: SQSClient,
  flags: WorkerFlags,
  signal: AbortSignal,
  started: number,
): Promise<StopReason> {
  while (!signal.aborted) {
    await sleep(200, signal);
    if (signal.aborted) break;
    if (flags.timeoutMs !== null && Date.now() - started >= flags.timeoutMs) return 'timeout';
    if (
      flags.untilIdle &&
      Date.now() - worker.mapping.stats.lastMessageAt > flags.idleMs &&
      (await queueEmpty(sqs, flags.queueUrl))
    )
      return 'idle';
  }
  return 'stop signal';
}

/** Where the worker says what happens to messages still in flight: its log, or the terminal. */
export function notice(mode: RunWorkerMode, logger: Logger, io: CommandIo): (line: string, inFlight: number) => void {
  return (line, inFlight) => {
    if (mode.structuredLogs) logger.warn(line, { inFlight });
    else io.stderr.write(`swarm-send ${mode.command}: ${line}\n`);
  };
}

/**
 * Drains: polling stops and batches in flight finish within --drain-seconds. A second signal
 * exits at once (130/143); a drain that runs out of time exits with `boundExit`. `announce`
 * runs once the second signal is handled. Both leave the
 * unfinished messages to reappear after their visibility timeout.
 */
export async function drain(
  worker: LocalWorker,
  flags: WorkerFlags,
  say: (line: string, inFlight: number) => void,
  boundExit: number,
  announce: () => void = () => undefined,
): Promise<void> {
  const hardExit = (signal: NodeJS.Signals) => {
    const left = worker.mapping.inFlight;
    say(
      `second ${signal}: exiting at once; ${left} message(s) in flight are not deleted and reappear after their visibility timeout`,
      left,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const onInt = () => hardExit('SIGINT');
  const onTerm = () => hardExit('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  // Said only now that a second signal is handled: whoever reads "draining" may send one at once.
  announce();
  const drainBound = new AbortController();
  const drained = await Promise.race([
    worker.stop().then(() => true),
    sleep(flags.drainMs, drainBound.signal).then(() => false),
  ]);
  drainBound.abort();
  if (!drained) {
    const left = worker.mapping.inFlight;
    say(
      `drain bound of ${flags.drainMs / 1000} s reached; ${left} message(s) in flight are not deleted and reappear after their visibility timeout`,
      left,
    );
    process.exit(boundExit);
  }
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
}

/** What the worker did, for the summary at exit. */
export function workerSummary(worker: LocalWorker, started: number, stopped: StopReason) {
  const stats = worker.mapping.stats;
  const s = worker.summary;
  return {
    elapsedMs: Date.now() - started,
    stopped,
    invocations: stats.invocations,
    records: stats.records,
    replicated: s.byOutcome.get('replicated') ?? 0,
    alreadyPresent: s.byOutcome.get('already-present') ?? 0,
    retried: s.retries,
    deadLettered: Object.fromEntries(s.deadLettered),
    queueCallErrors: stats.errors,
    lagP50Ms: percentile(s.lagsMs, 50),
    lagP99Ms: percentile(s.lagsMs, 99),
  };
}

export function printSummary(
  summary: ReturnType<typeof workerSummary>,
  flags: WorkerFlags,
  mode: RunWorkerMode,
  logger: Logger,
  io: CommandIo,
): void {
  if (flags.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (mode.structuredLogs) logger.info('swarm-send worker stopped', { summary });
  else {
    const dead = Object.values(summary.deadLettered).reduce((a, b) => a + b, 0);
    io.stdout.write(
      `processed ${summary.records} records in ${summary.invocations} invocations: ${summary.replicated} replicated, ${summary.alreadyPresent} already present, ${summary.retried} retried, ${dead} dead-lettered ${JSON.stringify(summary.deadLettered)}\n`,
    );
  }
}
