import { Duration } from 'aws-cdk-lib';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { loadConfig } from '../../functions/config.js';
import { ENV, ENV_BOUNDS, ENV_DEFAULTS, SQS_MAX_VISIBILITY_SECONDS } from '../../functions/env.js';
import { sendFunctionProblems } from '../../infra/constructs/send-function-settings.js';
import * as defaults from '../../infra/defaults.js';
import { resolveBatching } from '../../infra/defaults.js';
import { HANDLER_METRIC_NAMES, OUTCOMES, SERVICE_DIMENSION } from '../../infra/handler-metrics.js';
import * as publicApi from '../../infra/index.js';
import { exampleRegistry } from './helpers.js';

describe('infra defaults', () => {
  it.each<[string, number]>([
    ['DEFAULT_FUNCTION_TIMEOUT', 120],
    ['DEFAULT_BACKOFF_BASE', 5],
    ['DEFAULT_BACKOFF_CAP', 900],
    ['DEFAULT_RETENTION_PERIOD', 14 * 86400],
    ['DEFAULT_DEAD_LETTER_RETENTION_PERIOD', 14 * 86400],
    ['DEFAULT_RECOVERY_POINT_OBJECTIVE', 15 * 60],
    ['DEFAULT_ALARM_PERIOD', 5 * 60],
  ])('%s is %d seconds', (name, seconds) => {
    expect((defaults as unknown as Record<string, { toSeconds(): number }>)[name]!.toSeconds()).toBe(seconds);
  });

  it.each<[string, unknown]>([
    ['DEFAULT_HANDLER', 'handler'],
    ['DEFAULT_SERVICE_NAME', 'swarm-send'],
    ['DEFAULT_METRICS_NAMESPACE', 'SwarmSend'],
    ['DEFAULT_MEMORY_SIZE', 256],
    ['DEFAULT_LOG_RETENTION', RetentionDays.ONE_MONTH],
    ['DEFAULT_MAX_ATTEMPTS', 5],
    ['MAX_RECEIVE_COUNT_MARGIN', 2],
    ['DEFAULT_CONCURRENCY', 64],
    ['VISIBILITY_TIMEOUT_FACTOR', 6],
    ['DEFAULT_BATCH_SIZE', 1000],
    ['DEFAULT_FIFO_BATCH_SIZE', 10],
    ['DEFAULT_MAX_CONCURRENCY', 5],
    ['DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT', 5],
    ['DEFAULT_FUNCTION_ERRORS_THRESHOLD', 1],
    ['DEFAULT_THROTTLES_THRESHOLD', 1],
    ['MAX_INLINE_REGISTRY_LENGTH', 3072],
  ])('%s is %p', (name, value) => {
    expect((defaults as Record<string, unknown>)[name]).toBe(value);
  });

  it('mirrors the handler defaults instead of restating them', () => {
    expect(defaults.DEFAULT_MAX_ATTEMPTS).toBe(ENV_DEFAULTS.MAX_ATTEMPTS);
    expect(defaults.DEFAULT_CONCURRENCY).toBe(ENV_DEFAULTS.CONCURRENCY);
    expect(defaults.DEFAULT_BACKOFF_BASE.toSeconds()).toBe(ENV_DEFAULTS.BACKOFF_BASE_SECONDS);
    expect(defaults.DEFAULT_BACKOFF_CAP.toSeconds()).toBe(ENV_DEFAULTS.BACKOFF_CAP_SECONDS);
  });

  it('bundles ESM for node24 with a createRequire banner, minified with a source map, nothing external', () => {
    expect(defaults.DEFAULT_BUNDLING).toStrictEqual({
      format: OutputFormat.ESM,
      target: 'node24',
      platform: 'node',
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      externalModules: ['@aws-sdk/*'],
      banner:
        "import { createRequire as __swarmSendCreateRequire } from 'node:module'; const require = __swarmSendCreateRequire(import.meta.url);",
    });
  });

  it('anchors bundling at the repository lock file', () => {
    expect(defaults.DEPS_LOCK_FILE_PATH).toBe(`${defaults.REPO_ROOT}/package-lock.json`);
  });
});

describe('handler metric names', () => {
  it('are the ones the handler telemetry emits', () => {
    expect(OUTCOMES.map((o) => HANDLER_METRIC_NAMES.outcome(o))).toStrictEqual([
      'Outcome_replicated',
      'Outcome_already-present',
      'Outcome_retry',
      'Outcome_failed',
    ]);
    expect(HANDLER_METRIC_NAMES.sendLatency).toBe('SendLatency');
    expect(HANDLER_METRIC_NAMES.replicationLag).toBe('ReplicationLag');
    expect(HANDLER_METRIC_NAMES.messagesProcessed).toBe('MessagesProcessed');
    expect(HANDLER_METRIC_NAMES.outcomesByReason).toBe('OutcomesByReason');
    expect(SERVICE_DIMENSION).toBe('service');
  });
});

describe('the public surface (infra/index.ts)', () => {
  it('exports the constructs, their validators and the defaults by name', () => {
    expect(Object.keys(publicApi).sort()).toEqual(
      expect.arrayContaining([
        'SwarmSendPipeline',
        'SendQueues',
        'SendFunction',
        'PipelineNetwork',
        'PipelineAlarms',
        'PipelineDashboard',
        'HandlerMetrics',
        'PipelinePropsError',
        'swarmSendPipelineProblems',
        'DEFAULT_RECOVERY_POINT_OBJECTIVE',
      ]),
    );
  });
});

describe('resolveBatching', () => {
  it('gives a standard queue 1,000 messages in a 1 s window, and a FIFO queue 10 with none', () => {
    expect(resolveBatching(false)).toEqual({ batchSize: 1000, maxBatchingWindow: Duration.seconds(1) });
    expect(resolveBatching(true)).toEqual({ batchSize: 10, maxBatchingWindow: undefined });
  });

  it("keeps the caller's values, and adds no window a batch of 10 or fewer does not need", () => {
    expect(resolveBatching(false, 10)).toEqual({ batchSize: 10, maxBatchingWindow: undefined });
    expect(resolveBatching(false, 500, Duration.seconds(20))).toEqual({
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(20),
    });
    expect(resolveBatching(false, 11, Duration.seconds(0)).maxBatchingWindow?.toSeconds()).toBe(0);
  });
});

describe('bounds the construct shares with the handler (ENV_BOUNDS in functions/env.ts)', () => {
  const environment = (variable: string, value: number) => ({
    [ENV.REGISTRY]: JSON.stringify(exampleRegistry()),
    [ENV.DLQ_URL]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
    [variable]: String(value),
  });
  const propProblems = (props: Record<string, unknown>) =>
    sendFunctionProblems({ registry: exampleRegistry(), ...props }, false);

  it.each<[string, string, { min: number; max: number }]>([
    ['maxAttempts', ENV.MAX_ATTEMPTS, ENV_BOUNDS.MAX_ATTEMPTS],
    ['concurrency', ENV.CONCURRENCY, ENV_BOUNDS.CONCURRENCY],
  ])(
    '%s: synthesis refuses exactly what the handler would refuse at cold start',
    async (prop, variable, { min, max }) => {
      for (const value of [min - 1, max + 1]) {
        expect(propProblems({ [prop]: value })).toStrictEqual([
          `${prop} must be an integer from ${min} to ${max} (got ${value})`,
        ]);
        await expect(loadConfig(environment(variable, value))).rejects.toThrow(variable);
      }
      for (const value of [min, max]) {
        expect(propProblems({ [prop]: value })).toStrictEqual([]);
        await expect(loadConfig(environment(variable, value))).resolves.toMatchObject({ [prop]: value });
      }
    },
  );

  it("backoffCap: both stop at SQS's 12-hour visibility limit", async () => {
    expect(SQS_MAX_VISIBILITY_SECONDS).toBe(12 * 3600);
    expect(propProblems({ backoffCap: Duration.seconds(SQS_MAX_VISIBILITY_SECONDS) })).toStrictEqual([]);
    await expect(loadConfig(environment(ENV.BACKOFF_CAP_SECONDS, SQS_MAX_VISIBILITY_SECONDS))).resolves.toMatchObject({
      backoffCapSeconds: SQS_MAX_VISIBILITY_SECONDS,
    });
    expect(propProblems({ backoffCap: Duration.seconds(SQS_MAX_VISIBILITY_SECONDS + 1) })).toStrictEqual([
      `backoffCap (${SQS_MAX_VISIBILITY_SECONDS + 1} s) exceeds 12 hours, the longest delay SQS's ChangeMessageVisibility allows`,
    ]);
    await expect(loadConfig(environment(ENV.BACKOFF_CAP_SECONDS, SQS_MAX_VISIBILITY_SECONDS + 1))).rejects.toThrow(
      ENV.BACKOFF_CAP_SECONDS,
    );
  });
});
