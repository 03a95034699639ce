import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { checkLocalCredentials, createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { CredentialsError, ConfigError } from '../../../functions/core/errors.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { loadConfig } from '../../../functions/config.js';

const REGISTRY = JSON.stringify({
  clusters: {
    primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' },
    dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' },
  },
  defaultRoute: { from: 'primary', to: 'dr' },
});
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq';

describe('loadConfig', () => {
  it('reads an inline registry and applies the documented defaults', async () => {
    const c = await loadConfig({ SWARM_SEND_REGISTRY: REGISTRY, SWARM_SEND_DLQ_URL: DLQ });
    expect(c).toMatchObject({
      dlqUrl: DLQ,
      outcomesQueueUrl: null,
      maxAttempts: 5,
      concurrency: 64,
      concurrencyPerNode: 32,
      backoffBaseSeconds: 5,
      backoffCapSeconds: 900,
      deadlineMarginMs: 3000,
      stragglers: { enabled: true },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('has no outcome events unless SWARM_SEND_EVENT_BUS_NAME is set; then reads the RPO and the failure choice', async () => {
    const base = { SWARM_SEND_REGISTRY: REGISTRY, SWARM_SEND_DLQ_URL: DLQ };
    expect((await loadConfig(base)).events).toBeNull();
    expect((await loadConfig({ ...base, SWARM_SEND_EVENT_BUS_NAME: 'bus' })).events).toStrictEqual({
      busName: 'bus',
      rpoSeconds: null,
      onFailure: 'best-effort',
    });
    const set = await loadConfig({
      ...base,
      SWARM_SEND_EVENT_BUS_NAME: 'bus',
      SWARM_SEND_EVENTS_RPO_SECONDS: '900',
      SWARM_SEND_EVENTS_ON_FAILURE: 'keep-message',
    });
    expect(set.events).toStrictEqual({ busName: 'bus', rpoSeconds: 900, onFailure: 'keep-message' });
  });

  it('lists every problem of the events variables at once', async () => {
    const base = { SWARM_SEND_REGISTRY: REGISTRY, SWARM_SEND_DLQ_URL: DLQ };
    await expect(
      loadConfig({ ...base, SWARM_SEND_EVENTS_RPO_SECONDS: '0', SWARM_SEND_EVENTS_ON_FAILURE: 'drop' }),
    ).rejects.toMatchObject({
      problems: [
        'SWARM_SEND_EVENTS_ON_FAILURE must be best-effort or keep-message (got "drop")',
        'SWARM_SEND_EVENTS_RPO_SECONDS: "0" must be a number from 1 to 1209600',
        'SWARM_SEND_EVENTS_RPO_SECONDS needs SWARM_SEND_EVENT_BUS_NAME',
      ],
    });
  });

  it('turns the straggler policy off with SWARM_SEND_HAND_BACK_STRAGGLERS=false, and refuses other values', async () => {
    const off = await loadConfig({
      SWARM_SEND_REGISTRY: REGISTRY,
      SWARM_SEND_DLQ_URL: DLQ,
      SWARM_SEND_HAND_BACK_STRAGGLERS: 'false',
    });
    expect(off.stragglers?.enabled).toBe(false);
    await expect(
      loadConfig({ SWARM_SEND_REGISTRY: REGISTRY, SWARM_SEND_DLQ_URL: DLQ, SWARM_SEND_HAND_BACK_STRAGGLERS: 'no' }),
    ).rejects.toThrow(/SWARM_SEND_HAND_BACK_STRAGGLERS must be true or false/);
  });

  it('reads the registry from an SSM parameter through the injected reader', async () => {
    const names: string[] = [];
    const c = await loadConfig(
      { SWARM_SEND_REGISTRY_PARAMETER: '/swarm/registry', SWARM_SEND_DLQ_URL: DLQ },
      { getParameter: async (n) => (names.push(n), REGISTRY) },
    );
    expect(names).toStrictEqual(['/swarm/registry']);
    expect(c.registry.defaultRoute?.to).toBe('dr');
  });

  it('reads the registry and a CA bundle from files', async () => {
    const files: Record<string, string> = {
      '/etc/registry.json': JSON.stringify({
        clusters: {
          p: { name: 'p', nodes: ['https://10.0.0.1'], credentials: 'x', caFile: '/etc/ca.pem' },
          d: { name: 'd', target: '10.1.0.1:80', credentials: 'y' },
        },
      }),
      '/etc/ca.pem': '-----BEGIN CERTIFICATE-----\n',
    };
    const c = await loadConfig(
      { SWARM_SEND_REGISTRY_FILE: '/etc/registry.json', SWARM_SEND_DLQ_URL: DLQ },
      { readTextFile: async (p) => files[p]! },
    );
    expect(c.registry.clusters.p?.ca).toBe('-----BEGIN CERTIFICATE-----\n');
  });

  it('lists every problem in one ConfigError', async () => {
    const error = await loadConfig({
      SWARM_SEND_REGISTRY: '{"clusters":{}',
      SWARM_SEND_REGISTRY_FILE: '/x',
      SWARM_SEND_MAX_ATTEMPTS: 'lots',
      SWARM_SEND_BACKOFF_BASE_SECONDS: '50',
      SWARM_SEND_BACKOFF_CAP_SECONDS: '10',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toStrictEqual([
      'set exactly one of SWARM_SEND_REGISTRY, SWARM_SEND_REGISTRY_FILE, SWARM_SEND_REGISTRY_PARAMETER (found SWARM_SEND_REGISTRY, SWARM_SEND_REGISTRY_FILE)',
      'SWARM_SEND_DLQ_URL must be the dead-letter queue URL (got nothing)',
      'SWARM_SEND_MAX_ATTEMPTS: "lots" must be a number from 1 to 100',
      'SWARM_SEND_BACKOFF_CAP_SECONDS must not be below SWARM_SEND_BACKOFF_BASE_SECONDS',
    ]);
  });

  it('reports registry problems with their path', async () => {
    const error = await loadConfig({
      SWARM_SEND_REGISTRY: JSON.stringify({
        clusters: { p: { name: 'p', credentials: 'x' } },
        defaultRoute: { from: 'p', to: 'q' },
      }),
      SWARM_SEND_DLQ_URL: DLQ,
    }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toStrictEqual([
      'registry: defaultRoute.from: cluster "p" has no nodes to SEND on',
      'registry: defaultRoute.to: no cluster "q"',
    ]);
  });
});

describe('createCredentialsProvider', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('reads a Secrets Manager secret once and serves it from the cache', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'admin', password: 'p1' }) });
    const provider = createCredentialsProvider({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    expect(await provider.get('swarm/primary')).toStrictEqual({ username: 'admin', password: 'p1' });
    await provider.get('swarm/primary');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toStrictEqual({ SecretId: 'swarm/primary' });
  });

  it('reads again after refresh (rotation) and after the TTL', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"username":"admin","password":"old"}' })
      .resolves({ SecretString: '{"username":"admin","password":"new"}' });
    let now = 0;
    const provider = createCredentialsProvider({
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      ttlMs: 1000,
      now: () => now,
    });
    expect((await provider.get('s')).password).toBe('old');
    provider.refresh('s');
    expect((await provider.get('s')).password).toBe('new');
    now = 2000;
    await provider.get('s');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('does not cache a failure, and never puts the secret value in an error', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }))
      .resolves({ SecretString: '{"username":"admin","password":"hunter2"' });
    const provider = createCredentialsProvider({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    await expect(provider.get('s')).rejects.toThrow('cannot read secret "s": ResourceNotFoundException');
    const err = await provider.get('s').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('reads env: and file: references', async () => {
    const provider = createCredentialsProvider({ env: { SWARM_CREDS: '{"username":"u","password":"p"}' } });
    expect(await provider.get('env:SWARM_CREDS')).toStrictEqual({ username: 'u', password: 'p' });
    await expect(provider.get('env:MISSING')).rejects.toThrow('environment variable MISSING is not set');
    await expect(provider.get('file:/nonexistent/creds.json')).rejects.toThrow(
      'cannot read /nonexistent/creds.json: ENOENT',
    );
  });

  it.each([
    ['a CR/LF', 'pw\r\nx-injected: 1', 'control character'],
    ['a NUL', 'pw\u0000', 'control character'],
    ['a character outside Latin-1', 'pw€', 'outside Latin-1'],
  ])(
    'refuses a password with %s as credentials-invalid, naming neither value nor secret',
    async (_what, password, why) => {
      const provider = createCredentialsProvider({ env: { C: JSON.stringify({ username: 'u', password }) } });
      const err = await provider.get('env:C').catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'CredentialsError', reason: 'credentials-invalid' });
      expect((err as Error).message).toContain(why);
      expect((err as Error).message).not.toContain(password);
    },
  );

  it('names its error, and reads a JSON null secret as a CredentialsError, not a TypeError', async () => {
    const err = await createCredentialsProvider({ env: { N: 'null' } })
      .get('env:N')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).name).toBe('CredentialsError');
  });

  it('stops the start when a local (env:/file:) reference holds unusable credentials', async () => {
    const registry = parseRegistry({
      clusters: {
        p: { name: 'p', nodes: ['127.0.0.1:1'], credentials: 'env:BAD' },
        d: { name: 'd', target: '127.0.0.1:2', credentials: 'env:GOOD' },
        s: { name: 's', target: '127.0.0.1:3', credentials: 'swarm/sm-secret' },
      },
    });
    const env = {
      BAD: JSON.stringify({ username: 'u', password: 'a\nb' }),
      GOOD: JSON.stringify({ username: 'u', password: 'p' }),
    };
    const err = await checkLocalCredentials(registry, createCredentialsProvider({ env })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toStrictEqual([
      'credentials "env:BAD": the password contains a control character (CR, LF, NUL...)',
    ]);
    await expect(
      checkLocalCredentials(registry, createCredentialsProvider({ env: { ...env, BAD: env.GOOD } })),
    ).resolves.toBeUndefined();
  });
});
