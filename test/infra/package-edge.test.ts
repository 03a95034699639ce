import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { build } from 'esbuild';
import * as actualRegistry from '../../functions/core/registry/registry.js';
import { exampleRegistry, importedVpc, newStack, prebuiltCode, removeTestOutdirs } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

afterAll(removeTestOutdirs);

// Counts the registry parses: the infra modules are imported below, after the mock, so they see it.
// (In native ESM the jest object is import.meta.jest; @types/jest does not declare unstable_mockModule.)
const jestApi = import.meta.jest as typeof jest & { unstable_mockModule(path: string, factory: () => unknown): void };
const parseRegistry = jestApi.fn(actualRegistry.parseRegistry);
jestApi.unstable_mockModule('../../functions/core/registry/registry.js', () => ({ ...actualRegistry, parseRegistry }));
const publicApi = await import('../../infra/index.js');
const { SendFunction } = await import('../../infra/constructs/send-function.js');
const { SendQueues } = await import('../../infra/constructs/send-queues.js');
const { PipelineNetwork } = await import('../../infra/constructs/pipeline-network.js');

describe('the public surface of @swarm-send/cdk (infra/index.ts)', () => {
  it('exports the constructs, the props validator, the metric factory, the error, handlerFunction and the documented defaults, nothing else', () => {
    expect(Object.keys(publicApi).sort()).toStrictEqual(
      [
        'SwarmSendPipeline',
        'swarmSendPipelineProblems',
        'SendQueues',
        'SendFunction',
        'PipelineNetwork',
        'PipelineAlarms',
        'PipelineDashboard',
        'ReconcileSchedule',
        'RECONCILE_DEFAULTS',
        'LongRunningTier',
        'LONG_RUNNING_TIER_DEFAULTS',
        'HandlerMetrics',
        'PipelinePropsError',
        'handlerFunction',
        'DEFAULT_ENTRY',
        'DEFAULT_RECONCILE_ENTRY',
        'DEFAULT_HANDLER',
        'DEFAULT_RUNTIME',
        'DEFAULT_SERVICE_NAME',
        'DEFAULT_METRICS_NAMESPACE',
        'DEFAULT_FUNCTION_TIMEOUT',
        'DEFAULT_MEMORY_SIZE',
        'DEFAULT_LOG_RETENTION',
        'DEFAULT_MAX_ATTEMPTS',
        'MAX_RECEIVE_COUNT_MARGIN',
        'OutcomeEvents',
        'DEFAULT_CONCURRENCY',
        'DEFAULT_BACKOFF_BASE',
        'DEFAULT_BACKOFF_CAP',
        'VISIBILITY_TIMEOUT_FACTOR',
        'DEFAULT_BATCH_SIZE',
        'DEFAULT_FIFO_BATCH_SIZE',
        'DEFAULT_MAX_BATCHING_WINDOW',
        'DEFAULT_MAX_CONCURRENCY',
        'DEFAULT_RETENTION_PERIOD',
        'DEFAULT_DEAD_LETTER_RETENTION_PERIOD',
        'DEFAULT_RECOVERY_POINT_OBJECTIVE',
        'DEFAULT_FAILURE_RATE_THRESHOLD_PERCENT',
        'DEFAULT_FUNCTION_ERRORS_THRESHOLD',
        'DEFAULT_THROTTLES_THRESHOLD',
        'DEFAULT_ALARM_PERIOD',
        'MAX_INLINE_REGISTRY_LENGTH',
        'DEFAULT_BUNDLING',
      ].sort(),
    );
  });

  it('bundles no Powertools, AWS SDK, middy or undici: the metric names come from the dependency-free metric-names.ts', async () => {
    // The bundle scripts/build-cli.mjs makes of packages/cdk/dist/index.js: all but the CDK libraries inlined.
    const result = await build({
      entryPoints: [join(ROOT, 'infra/index.ts')],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('functions/adapters/metric-names.ts');
    expect(inputs.some((i) => i.startsWith('node_modules/zod/'))).toBe(true); // dependencies are inlined, so any would show
    expect(
      inputs.filter((i) => /node_modules\/(@aws-lambda-powertools|@aws-sdk|@middy|undici)\//.test(i)),
    ).toStrictEqual([]);
    expect(inputs.filter((i) => i.includes('telemetry'))).toStrictEqual([]);
  });
});

describe('the registry at synthesis', () => {
  beforeEach(() => parseRegistry.mockClear());

  it('is parsed once for a whole pipeline, its reconcile included', () => {
    const stack = newStack();
    new publicApi.SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      code: prebuiltCode(),
      reconcile: {
        schedule: ScheduleExpression.rate(Duration.days(1)),
        scopes: [{ domain: 'media.example.com' }],
        code: prebuiltCode(),
      },
    });
    expect(parseRegistry).toHaveBeenCalledTimes(1);
  });

  it('is parsed once by a SendFunction used on its own', () => {
    const stack = newStack();
    const vpc = importedVpc(stack);
    const queues = new SendQueues(stack, 'Queues');
    const network = new PipelineNetwork(stack, 'Network', {
      vpc,
      registry: actualRegistry.parseRegistry(exampleRegistry()),
    });
    parseRegistry.mockClear();
    new SendFunction(stack, 'Send', {
      vpc,
      registry: exampleRegistry(),
      code: prebuiltCode(),
      securityGroup: network.securityGroup,
      sendQueue: queues.sendQueue,
      deadLetterQueue: queues.deadLetterQueue,
    });
    expect(parseRegistry).toHaveBeenCalledTimes(1);
  });
});
