/**
 * A benchmark client process: receives one job over IPC from bench.ts, runs it, answers with
 * the result and exits. One process per job, so each job's CPU and peak RSS are its own.
 */
import { runJob, type Job } from './clients.js';

process.once('message', (job: Job) => {
  runJob(job).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ type: 'error', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () =>
        process.exit(1),
      ),
  );
});
