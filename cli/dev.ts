import { ENV, ENV_DEFAULTS } from '../functions/env.js';
import { formatDemoSummary, runDemo } from '../local/demo.js';
import { EXIT, UsageError, type Command } from './command.js';
import { COUNT, numberFlag } from './flags.js';
import { runWorker } from './worker.js';
import { WORKER_FLAGS_HELP, WORKER_OPTIONS } from './worker-flags.js';

const HELP = `Usage: swarm-send dev [flags]                      (npm start runs this)
       swarm-send dev --queue-url URL --dlq-url URL --registry FILE [flags]

Without queue flags: the embedded demo. fauxqs (an SQS server, in-process), a source and a DR
Swarm simulator, and the real handler behind a local event source mapping. It writes demo
objects, enqueues their SENDs, shows progress, prints a summary and checks that every object
is in the DR cluster. Exit 0 when the check passes.

With --queue-url (or SWARM_SEND_QUEUE_URL): attaches the real handler to that queue, as
\`swarm-send worker\` does (the same flags and SWARM_SEND_* variables; logs only with --verbose,
a summary at exit). Ctrl-C drains in-flight work first.

Demo flags:
  --objects N              demo objects to write and replicate (default 200)
  --no-faults              inject no faults (default: a small share of each kind)
  --timeout SECONDS        give up after this long (default 60)
  --batch-size, --batching-window, --max-concurrency, --concurrency, --function-timeout,
  --max-attempts           as below (demo defaults: 10, 0, 4, ${ENV_DEFAULTS.CONCURRENCY}, 30, 3)
  --verbose                print the handler's structured logs (and, in the demo, EMF metrics)
  --json                   print the summary as one JSON line

Attached to a queue:
${WORKER_FLAGS_HELP}

Exit codes: 0 done (demo: check passed), 1 check failed or worker error, 2 usage or configuration error.
`;

export const devCommand: Command = {
  name: 'dev',
  summary: 'run the local pipeline: the embedded demo, or the worker on a real queue',
  help: HELP,
  options: {
    ...WORKER_OPTIONS,
    objects: { type: 'string' },
    'no-faults': { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  async run(values, _positionals, io) {
    if (values['queue-url'] || io.env[ENV.QUEUE_URL])
      return runWorker(values, io, { command: 'dev', structuredLogs: false, defaultFunctionTimeoutSeconds: 30 });
    if (values['dlq-url'] || values.registry) throw new UsageError('--dlq-url and --registry go with --queue-url');
    const objects = numberFlag(values, 'objects', 200, COUNT);
    const faults = values['no-faults'] !== true;
    const batchingWindowMs = numberFlag(values, 'batching-window', 0);
    io.stderr.write(
      `swarm-send dev: fauxqs + Swarm simulators (source "baker", 3 nodes; DR "dr" and "dr2") + the real handler; ${objects} objects\n`,
    );
    const result = await runDemo({
      objects,
      faults,
      batchSize: Math.min(10_000, numberFlag(values, 'batch-size', 10, COUNT)),
      batchingWindowMs,
      maxConcurrency: numberFlag(values, 'max-concurrency', 4, COUNT),
      concurrency: numberFlag(values, 'concurrency', ENV_DEFAULTS.CONCURRENCY, COUNT),
      functionTimeoutMs: numberFlag(values, 'function-timeout', 30, COUNT) * 1000,
      maxAttempts: numberFlag(values, 'max-attempts', 3, COUNT),
      timeoutMs: numberFlag(values, 'timeout', 60, COUNT) * 1000,
      verbose: values.verbose === true,
      signal: io.signal,
      progress: io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
    });
    io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatDemoSummary(result, faults));
    return result.ok ? EXIT.OK : EXIT.FAILED;
  },
};
