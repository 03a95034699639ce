import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { CredentialsError } from '../../../functions/core/errors.js';

// The provider's cache: a value is reused until refresh or its TTL; a failed read never is.

describe('credentials provider cache', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());
  const secretsManager = () =>
    new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  it('reads a secret again after a failed read: the failure is not cached', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))
      .resolves({ SecretString: '{"username":"admin","password":"p1"}' });
    const provider = createCredentialsProvider({ secretsManager: secretsManager() });
    await expect(provider.get('swarm/primary')).rejects.toBeInstanceOf(CredentialsError);
    await expect(provider.get('swarm/primary')).resolves.toStrictEqual({ username: 'admin', password: 'p1' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads an env: reference again after it failed (the variable was set meanwhile)', async () => {
    const env: Record<string, string | undefined> = {};
    const provider = createCredentialsProvider({ env });
    await expect(provider.get('env:SRC')).rejects.toThrow('environment variable SRC is not set');
    env.SRC = '{"username":"u","password":"p"}';
    await expect(provider.get('env:SRC')).resolves.toStrictEqual({ username: 'u', password: 'p' });
  });

  it('keeps serving a value until refresh, then serves the rotated one', async () => {
    const env: Record<string, string | undefined> = { DR: '{"username":"dr","password":"old"}' };
    const provider = createCredentialsProvider({ env });
    expect((await provider.get('env:DR')).password).toBe('old');
    env.DR = '{"username":"dr","password":"new"}';
    expect((await provider.get('env:DR')).password).toBe('old');
    provider.refresh('env:DR');
    expect((await provider.get('env:DR')).password).toBe('new');
  });

  it('trusts a value for exactly its TTL', async () => {
    let now = 1000;
    const env: Record<string, string | undefined> = { A: '{"username":"a","password":"1"}' };
    const provider = createCredentialsProvider({ env, ttlMs: 100, now: () => now });
    await provider.get('env:A');
    env.A = '{"username":"a","password":"2"}';
    now = 1099;
    expect((await provider.get('env:A')).password).toBe('1');
    now = 1100;
    expect((await provider.get('env:A')).password).toBe('2');
  });

  it.each([
    ['not JSON', 'nope', 'are not JSON'],
    ['no username', '{"password":"p"}', 'must be {"username"'],
    ['an empty username', '{"username":"","password":"p"}', 'must be {"username"'],
    ['a password that is not a string', '{"username":"u","password":1}', 'must be {"username"'],
  ])('rejects %s without echoing the value', async (_what, text, message) => {
    const provider = createCredentialsProvider({ env: { C: text } });
    const err = (await provider.get('env:C').catch((e: unknown) => e)) as CredentialsError;
    expect(err).toBeInstanceOf(CredentialsError);
    expect(err.ref).toBe('env:C');
    expect(err.message).toContain(message);
    if (text.length > 4) expect(err.message).not.toContain(text);
  });

  it('rejects a secret without SecretString and a Secrets Manager reference without a client', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(createCredentialsProvider({ secretsManager: secretsManager() }).get('s')).rejects.toThrow(
      'secret "s" has no SecretString',
    );
    await expect(createCredentialsProvider({}).get('s')).rejects.toThrow('no Secrets Manager client for "s"');
  });
});
