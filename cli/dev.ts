import { readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import { loadConfig } from '../functions/config.js';
import { ConfigError } from '../functions/core/errors.js';
import { ENV, ENV_DEFAULTS } from '../functions/env.js';
import { formatDemoSummary, runDemo } from '../local/demo.js';
import { percentile } from '../local/summary.js';
import { startLocalWorker } from '../local/worker.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { EXIT, UsageError, type Command } from './command.js';

const HELP = `Usage: swarm-send dev [flags]                      (npm start runs this)
       swarm-send dev --queue-url URL --dlq-url URL --registry FILE [flags]

Without queue flags: the embedded demo. fauxqs (an SQS server, in-process), a source and a DR
Swarm simulator, and the real handler behind a local event source mapping. It writes demo
objects, enqueues their SENDs, shows progress, prints a summary and checks that every object
is in the DR cluster. Exit 0 when the check passes.

With --queue-url, --dlq-url and --registry: attaches the real handler to that queue, the way
a team runs the worker next to an on-premises cluster. Ctrl-C drains in-flight work first.

Demo flags:
  --objects N              demo objects to write and replicate (default 200)
  --no-faults              inject no faults (default: a small share of each kind)
  --timeout SECONDS        give up after this long (default 60)

Worker flags (both modes):
  --queue-url URL          the SEND queue
  --dlq-url URL            its dead-letter queue (the handler forwards failures there)
  --outcomes-queue-url URL optional queue for outcome records
  --registry FILE          the cluster registry JSON (DESIGN.md section 2)
  --batch-size N           records per invocation (default 10)
  --batching-window MS     gather records this long before invoking (default 0)
  --max-concurrency N      invocations at once (default 4)
  --concurrency N          SENDs in flight per invocation (default ${ENV_DEFAULTS.CONCURRENCY})
  --function-timeout S     the handler's deadline per invocation, seconds (default 30)
  --visibility-timeout S   visibility timeout of received messages (default: the queue's)
  --max-attempts N         attempts before a message is dead-lettered (default ${ENV_DEFAULTS.MAX_ATTEMPTS})
  --until-idle             exit once nothing arrived for 5 seconds and the queue holds nothing
                           visible, in flight or delayed (with a summary)
  --verbose                print the handler's structured logs and EMF metrics
  --json                   print the summary as one JSON line
${SQS_HELP}

Exit codes: 0 done (demo: check passed), 1 check failed or worker error, 2 usage error.
`;

/** True when the queue has nothing visible, in flight or delayed. */
async function queueEmpty(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const c = await queueCounts(sqs, queueUrl).catch(() => null);
  return c !== null && c.visible + c.inFlight + c.delayed === 0;
}

function positiveInt(values: Record<string, unknown>, flag: string, fallback: number): number {
  const v = values[flag];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive whole number`);
  return n;
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'run the local pipeline: the embedded demo, or the worker on a real queue',
  help: HELP,
  options: {
    objects: { type: 'string' },
    'no-faults': { type: 'boolean' },
    timeout: { type: 'string' },
    'queue-url': { type: 'string' },
    'dlq-url': { type: 'string' },
    'outcomes-queue-url': { type: 'string' },
    registry: { type: 'string' },
    'batch-size': { type: 'string' },
    'batching-window': { type: 'string' },
    'max-concurrency': { type: 'string' },
    concurrency: { type: 'string' },
    'function-timeout': { type: 'string' },
    'visibility-timeout': { type: 'string' },
    'max-attempts': { type: 'string' },
    'until-idle': { type: 'boolean' },
    verbose: { type: 'boolean' },
    json: { type: 'boolean' },
    ...SQS_OPTIONS,
  },
  async run(values, _positionals, io) {
    const batchSize = positiveInt(values, 'batch-size', 10);
    if (batchSize > 10_000) throw new UsageError('--batch-size is at most 10000');
    const batchingWindowMs = values['batching-window'] === undefined ? 0 : Number(values['batching-window']);
    if (!(batchingWindowMs >= 0)) throw new UsageError('--batching-window must be 0 or more milliseconds');
    const maxConcurrency = positiveInt(values, 'max-concurrency', 4);
    const concurrency = positiveInt(values, 'concurrency', ENV_DEFAULTS.CONCURRENCY);
    const functionTimeoutMs = positiveInt(values, 'function-timeout', 30) * 1000;
    const maxAttempts = positiveInt(values, 'max-attempts', values['queue-url'] ? ENV_DEFAULTS.MAX_ATTEMPTS : 3);
    const visibilityTimeoutSeconds = values['visibility-timeout'] === undefined ? undefined : positiveInt(values, 'visibility-timeout', 30);

    if (!values['queue-url']) {
      if (values['dlq-url'] || values.registry) throw new UsageError('--dlq-url and --registry go with --queue-url');
      const objects = positiveInt(values, 'objects', 200);
      const faults = values['no-faults'] !== true;
      io.stderr.write(`swarm-send dev: fauxqs + Swarm simulators (source "baker", 3 nodes; DR "dr") + the real handler; ${objects} objects\n`);
      const result = await runDemo({
        objects,
        faults,
        batchSize,
        batchingWindowMs,
        maxConcurrency,
        concurrency,
        functionTimeoutMs,
        maxAttempts,
        timeoutMs: positiveInt(values, 'timeout', 60) * 1000,
        verbose: values.verbose === true,
        signal: io.signal,
        progress: io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
      });
      io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatDemoSummary(result, faults));
      return result.ok ? EXIT.OK : EXIT.FAILED;
    }

    // Attached to a real queue.
    const queueUrl = requireUrl(values, 'queue-url');
    const dlqUrl = requireUrl(values, 'dlq-url');
    if (!values.registry) throw new UsageError('--registry FILE is required with --queue-url');
    let registryText: string;
    try {
      registryText = readFileSync(values.registry as string, 'utf8');
    } catch (err) {
      throw new UsageError(`--registry: cannot read ${values.registry as string}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let config;
    try {
      config = await loadConfig({
        [ENV.REGISTRY]: registryText,
        [ENV.DLQ_URL]: dlqUrl,
        [ENV.OUTCOMES_QUEUE_URL]: values['outcomes-queue-url'] as string | undefined,
        [ENV.MAX_ATTEMPTS]: String(maxAttempts),
        [ENV.CONCURRENCY]: String(concurrency),
        [ENV.BACKOFF_BASE_SECONDS]: io.env[ENV.BACKOFF_BASE_SECONDS],
        [ENV.BACKOFF_CAP_SECONDS]: io.env[ENV.BACKOFF_CAP_SECONDS],
      });
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`swarm-send dev: ${err.message}\n`);
        return EXIT.USAGE;
      }
      throw err;
    }
    const { sqs, region } = awsClients(values, io.env);
    let queueArn: string;
    try {
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
      queueArn = attrs.Attributes?.QueueArn ?? '';
    } catch (err) {
      io.stderr.write(`swarm-send dev: ${describeAwsError(err, queueUrl)}\n`);
      sqs.destroy();
      return EXIT.FAILED;
    }
    const worker = startLocalWorker({
      sqs,
      queueUrl,
      queueArn,
      config,
      credentials: createCredentialsProvider({ secretsManager: new SecretsManagerClient({ region }), env: io.env }),
      batchSize,
      batchingWindowMs,
      maxConcurrency,
      functionTimeoutMs,
      visibilityTimeoutSeconds,
      region,
      verbose: values.verbose === true,
    });
    io.stderr.write(`swarm-send dev: polling ${queueUrl} (Ctrl-C drains in-flight work and exits)\n`);
    const started = Date.now();
    const idleMs = 5000;
    while (!io.signal.aborted) {
      await new Promise((r) => setTimeout(r, 200));
      // Idle: nothing received for 5 s, and nothing waiting out a backoff or in flight elsewhere.
      if (values['until-idle'] && Date.now() - worker.mapping.stats.lastMessageAt > idleMs && (await queueEmpty(sqs, queueUrl))) break;
    }
    await worker.stop();
    sqs.destroy();
    const s = worker.summary;
    const summary = {
      elapsedMs: Date.now() - started,
      invocations: worker.mapping.stats.invocations,
      records: worker.mapping.stats.records,
      replicated: s.byOutcome.get('replicated') ?? 0,
      alreadyPresent: s.byOutcome.get('already-present') ?? 0,
      retried: s.retries,
      deadLettered: Object.fromEntries(s.deadLettered),
      lagP50Ms: percentile(s.lagsMs, 50),
      lagP99Ms: percentile(s.lagsMs, 99),
    };
    io.stdout.write(
      values.json
        ? `${JSON.stringify(summary)}\n`
        : `processed ${summary.records} records in ${summary.invocations} invocations: ${summary.replicated} replicated, ${summary.alreadyPresent} already present, ${summary.retried} retried, ${Object.values(summary.deadLettered).reduce((a, b) => a + b, 0)} dead-lettered ${JSON.stringify(summary.deadLettered)}\n`,
    );
    return EXIT.OK;
  },
};
