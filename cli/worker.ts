import { startLocalWorker } from '../local/worker.js';
import { awsClients, eventBridgeClient } from './aws.js';
import { CommandError, EXIT, type Command, type CommandIo } from './command.js';
import { stringFlag, type FlagValues } from './flags.js';
import {
  METRICS_HOST_DEFAULT,
  METRICS_HOST_VAR,
  readWorkerFlags,
  WORKER_FLAGS_HELP,
  WORKER_OPTIONS,
  type RunWorkerMode,
} from './worker-flags.js';
import { drain, notice, printSummary, waitForStop, workerSummary } from './worker-loop.js';
import {
  loadWorkerConfig,
  queueAttributes,
  startMetricsServer,
  workerCredentials,
  workerObservability,
  workerSettings,
} from './worker-start.js';

const HELP = `Usage: swarm-send worker [flags]

Runs the SEND handler, the same code and environment contract as the Lambda function, against
an SQS queue: the service teams run next to an on-premises cluster. Several workers on one
queue share its messages. Every SWARM_SEND_* variable is read as the Lambda function reads it;
a flag overrides its variable. The effective settings are logged at start (no secrets).

It long-polls (20 s); each batch runs with a deadline; messages whose SEND runs long are kept
invisible on a heartbeat; logs are JSON lines (Powertools: info on stdout, warnings on stderr).
SIGTERM or SIGINT stops polling and drains the batches in flight for up to --drain-seconds,
then exits 0; a second signal exits at once (its unfinished messages reappear on the queue).

${WORKER_FLAGS_HELP}
  --metrics-port N         serve /metrics (Prometheus), /healthz and /readyz on this port
                           (0: any free port; the log says which)
  --metrics-host H         address to listen on (else $${METRICS_HOST_VAR}, default ${METRICS_HOST_DEFAULT}:
                           loopback only; 0.0.0.0 for every interface)
  --drain-seconds S        how long a stop waits for batches in flight (default 25)

Exit codes: 0 stopped (drained or idle), 1 queue unreachable, or not idle by --timeout,
2 usage or configuration error, 130/143 a second SIGINT/SIGTERM.
`;

/** Runs the handler against a queue until a stop signal, --timeout or idleness (--until-idle). */
export async function runWorker(values: FlagValues, io: CommandIo, mode: RunWorkerMode): Promise<number> {
  const flags = readWorkerFlags(values, io.env, mode);
  const { sqs, region } = awsClients(values, io.env);
  // Stopped on the way out when something fails after it started (a drained worker is stopped already).
  let running: ReturnType<typeof startLocalWorker> | null = null;
  try {
    const wc = await loadWorkerConfig(values, io, region);
    const { queueArn, visibilitySeconds } = await queueAttributes(sqs, flags.queueUrl);
    const heartbeatSeconds = flags.visibilityTimeoutSeconds ?? visibilitySeconds;
    const { logger, prometheus, telemetry } = workerObservability(io, mode, flags.verbose);
    const credentials = workerCredentials(io, region);
    const settings = workerSettings(flags, wc, {
      region,
      sqsEndpoint: stringFlag(values, 'sqs-endpoint') ?? null,
      heartbeatSeconds,
    });
    const worker = startLocalWorker({
      sqs,
      queueUrl: flags.queueUrl,
      queueArn,
      config: wc.config,
      credentials,
      batchSize: flags.batchSize,
      batchingWindowMs: flags.batchingWindowMs,
      maxConcurrency: flags.maxConcurrency,
      functionTimeoutMs: flags.functionTimeoutMs,
      visibilityTimeoutSeconds: flags.visibilityTimeoutSeconds,
      region,
      waitTimeSeconds: 20,
      heartbeatSeconds,
      telemetry,
      instruments: prometheus,
      ...(wc.config.events && { events: { eventBridge: eventBridgeClient(io.env, region) } }),
    });
    running = worker;
    let accepting = true;
    const server = await startMetricsServer(flags, {
      prometheus,
      config: wc.config,
      credentials,
      sqs,
      queueUrl: flags.queueUrl,
      accepting: () => accepting,
      logger,
    });
    const listening = server ? `${server.address.address}:${server.address.port}` : null;
    if (mode.structuredLogs)
      logger.info('swarm-send worker started', { settings: { ...settings, metrics: listening } });
    else
      io.stderr.write(
        `swarm-send ${mode.command}: polling ${flags.queueUrl} (Ctrl-C drains in-flight work and exits)\n`,
      );

    const started = Date.now();
    const stopReason = await waitForStop(worker, sqs, flags, io.signal, started);
    const notIdle = flags.untilIdle && stopReason === 'timeout';
    // Drain: /readyz turns 503, polling stops, batches in flight finish within the bound.
    accepting = false;
    const draining = () =>
      mode.structuredLogs &&
      logger.info('draining', {
        reason: stopReason,
        inFlight: worker.mapping.inFlight,
        drainSeconds: flags.drainMs / 1000,
      });
    await drain(worker, flags, notice(mode, logger, io), notIdle ? EXIT.FAILED : EXIT.OK, draining);
    running = null;
    await server?.close();
    printSummary(workerSummary(worker, started, stopReason), flags, mode, logger, io);
    if (notIdle) throw new CommandError(`the queue was not idle after --timeout ${flags.timeoutMs! / 1000} s`);
    return EXIT.OK;
  } finally {
    await running?.stop();
    sqs.destroy();
  }
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the SEND handler as a service against a queue (next to an on-premises cluster)',
  help: HELP,
  options: {
    ...WORKER_OPTIONS,
    'metrics-port': { type: 'string' },
    'metrics-host': { type: 'string' },
    'drain-seconds': { type: 'string' },
  },
  run: (values, _positionals, io) =>
    runWorker(values, io, { command: 'worker', structuredLogs: true, defaultFunctionTimeoutSeconds: 3600 }),
};
