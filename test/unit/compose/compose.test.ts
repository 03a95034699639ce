import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import {
  composeWorkerDeps,
  localLogger,
  sendClientOptions,
  workerDepsFromEnvironment,
  type AwsAdapters,
} from '../../../functions/compose.js';
import { ConfigError } from '../../../functions/core/errors.js';
import { SendClient, type SendClientOptions } from '../../../functions/core/send/send-client.js';
import type { QueueOps } from '../../../functions/worker/ports.js';
import { pairRegistry, pairRegistryDocument } from '../../../local/pair-registry.js';
import { SummaryTelemetry } from '../../../local/summary.js';
import { testConfig } from '../../helpers/config.js';

// The composition root builds the worker's dependencies for every caller (Lambda, local worker,
// benchmark, tests). No request leaves the process here: the SQS and Secrets Manager clients
// point at a closed loopback port and are never called.

const LOOPBACK = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
};
const ADMIN = JSON.stringify({ username: 'admin', password: 'Compose-Pa55' });
const registry = pairRegistry({ source: ['127.0.0.1:1'], dr: ['127.0.0.1:2'], credentials: 'env:ADMIN' });
const config = testConfig({ registry, dlqUrl: 'http://127.0.0.1:1/000000000000/dlq', concurrencyPerNode: 7 });
const noQueue: QueueOps = {
  changeVisibility: async () => undefined,
  deadLetter: async () => undefined,
  publishOutcomes: async () => [],
  fanOut: async () => undefined,
  moveToLongRunningTier: async () => undefined,
  renew: async () => undefined,
};
const credentials = createCredentialsProvider({ env: { ADMIN } });

describe('composeWorkerDeps', () => {
  it('builds the SEND client from the configuration: connections per node', async () => {
    const seen: SendClientOptions[] = [];
    const made = new SendClient();
    const deps = composeWorkerDeps({
      config,
      credentials,
      queue: { ops: noQueue },
      telemetry: new SummaryTelemetry(),
      client: (o) => (seen.push(o), made),
    });
    expect(seen).toStrictEqual([{ connectionsPerNode: 7 }]);
    expect(sendClientOptions(config)).toStrictEqual({ connectionsPerNode: 7 });
    expect(deps.client).toBe(made);
    await made.close();
  });

  it('hands over given queue ops, config, credentials and telemetry as they are; no jitter source unless given', async () => {
    const telemetry = new SummaryTelemetry();
    const deps = composeWorkerDeps({ config, credentials, queue: { ops: noQueue }, telemetry });
    expect(deps).toMatchObject({ config, credentials, queue: noQueue, telemetry });
    expect(deps.client).toBeInstanceOf(SendClient);
    expect('random' in deps).toBe(false);
    const random = () => 0.25;
    expect(composeWorkerDeps({ config, credentials, queue: { ops: noQueue }, telemetry, random }).random).toBe(random);
    await deps.client.close();
  });

  it('builds the SQS adapter on the given client and lets the caller wrap it', async () => {
    const sqs = new SQSClient(LOOPBACK);
    const wrapped: QueueOps[] = [];
    const decorated: QueueOps = { ...noQueue };
    const deps = composeWorkerDeps({
      config,
      credentials,
      queue: { sqs },
      decorateQueue: (real) => (wrapped.push(real), decorated),
      telemetry: new SummaryTelemetry(),
    });
    expect(deps.queue).toBe(decorated);
    expect(wrapped).toHaveLength(1);
    expect(Object.keys(wrapped[0]!).sort()).toStrictEqual([
      'changeVisibility',
      'deadLetter',
      'fanOut',
      'moveToLongRunningTier',
      'publishOutcomes',
      'renew',
    ]);
    // Without an outcomes queue the adapter publishes nothing, and says so without calling SQS.
    expect(await wrapped[0]!.publishOutcomes([])).toStrictEqual([]);
    sqs.destroy();
    await deps.client.close();
  });
});

describe('workerDepsFromEnvironment', () => {
  const aws = (parameters: Record<string, string> = {}): AwsAdapters & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      sqs: new SQSClient(LOOPBACK),
      secretsManager: new SecretsManagerClient(LOOPBACK),
      getParameter: async (name) => (asked.push(name), parameters[name] ?? ''),
    };
  };

  it('reads the registry through the given SSM reader and builds every port', async () => {
    const a = aws({
      '/swarm/registry': JSON.stringify(
        pairRegistryDocument({ source: ['127.0.0.1:1'], dr: ['127.0.0.1:2'], credentials: 'env:ADMIN' }),
      ),
    });
    const env = {
      SWARM_SEND_REGISTRY_PARAMETER: '/swarm/registry',
      SWARM_SEND_DLQ_URL: config.dlqUrl,
      SWARM_SEND_CONCURRENCY_PER_NODE: '5',
      ADMIN,
    };
    const deps = await workerDepsFromEnvironment(env, localLogger(false), a);
    expect(a.asked).toStrictEqual(['/swarm/registry']);
    expect(deps.config).toMatchObject({ dlqUrl: config.dlqUrl, concurrencyPerNode: 5 });
    expect(Object.keys(deps.config.registry.clusters).sort()).toStrictEqual(['dr', 'primary']);
    expect(await deps.credentials.get('env:ADMIN')).toStrictEqual({ username: 'admin', password: 'Compose-Pa55' });
    expect(deps.client).toBeInstanceOf(SendClient);
    expect(typeof deps.telemetry.flush).toBe('function');
    a.sqs.destroy();
    a.secretsManager.destroy();
    await deps.client.close();
  });

  it('fails with a ConfigError on a broken configuration, and on local credentials no header can carry', async () => {
    const a = aws();
    await expect(workerDepsFromEnvironment({}, localLogger(false), a)).rejects.toBeInstanceOf(ConfigError);
    const env = {
      SWARM_SEND_REGISTRY: JSON.stringify(
        pairRegistryDocument({ source: ['127.0.0.1:1'], dr: ['127.0.0.1:2'], credentials: 'env:ADMIN' }),
      ),
      SWARM_SEND_DLQ_URL: config.dlqUrl,
    };
    const bad = JSON.stringify({ username: 'admin', password: 'line\r\nbreak' });
    const err = await workerDepsFromEnvironment({ ...env, ADMIN: bad }, localLogger(false), a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/credentials "env:ADMIN"/);
    expect((err as ConfigError).message).not.toContain('break');
    a.sqs.destroy();
    a.secretsManager.destroy();
  });
});
