import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLocalCredentials, createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { CredentialsError, ConfigError } from '../../../functions/core/errors.js';
import { type CredentialsProvider } from '../../../functions/worker/ports.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { scratchDir } from '../../helpers/scratch.js';

// What each kind of credentials reference does when it cannot be used, and which references the
// start-up check reads. A retry mends `credentials-unavailable`, never `credentials-invalid`.

const GOOD = '{"username":"u","password":"p"}';
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as CredentialsError,
  );

/** A provider that records which references were asked for. */
function recording(inner: CredentialsProvider): { provider: CredentialsProvider; asked: string[] } {
  const asked: string[] = [];
  return { asked, provider: { get: (ref) => (asked.push(ref), inner.get(ref)), refresh: (ref) => inner.refresh(ref) } };
}

const registryWith = (refs: Record<string, string>) =>
  parseRegistry({
    clusters: Object.fromEntries(
      Object.entries(refs).map(([key, credentials], i) => [
        key,
        { name: key, target: `127.0.0.1:${i + 1}`, credentials },
      ]),
    ),
  });

describe('credentials references', () => {
  it.each([
    ['an unset variable', { env: {} }, 'env:NOPE', 'environment variable NOPE is not set'],
    ['a value that is not JSON', { env: { C: '{"username":' } }, 'env:C', 'credentials "env:C" are not JSON'],
    [
      'a JSON value of the wrong shape',
      { env: { C: '["u","p"]' } },
      'env:C',
      'credentials "env:C" must be {"username": "...", "password": "..."}',
    ],
    ['a missing file', {}, 'file:/nonexistent/dir/creds.json', 'cannot read /nonexistent/dir/creds.json: ENOENT'],
    [
      'a Secrets Manager reference without a client',
      {},
      'swarm/primary',
      'no Secrets Manager client for "swarm/primary"',
    ],
  ])(
    '%s is credentials-unavailable (a retry may mend it), with the message naming the reference',
    async (_what, options, ref, message) => {
      const err = await errorOf(createCredentialsProvider(options).get(ref));
      expect(err).toBeInstanceOf(CredentialsError);
      expect(err).toMatchObject({ name: 'CredentialsError', ref, reason: 'credentials-unavailable', message });
    },
  );

  it('reads a file: reference from the file it names', async () => {
    const dir = scratchDir('creds-');
    const path = join(dir, 'dr.json');
    writeFileSync(path, '{"username":"dr-admin","password":"from-file"}');
    await expect(createCredentialsProvider({}).get(`file:${path}`)).resolves.toStrictEqual({
      username: 'dr-admin',
      password: 'from-file',
    });
  });

  it('a directory given as a file is unavailable, named by its error code', async () => {
    const dir = scratchDir('creds-');
    await expect(createCredentialsProvider({}).get(`file:${dir}`)).rejects.toThrow(`cannot read ${dir}: EISDIR`);
  });

  it('trusts a value for five minutes by default', async () => {
    let now = 0;
    const env: Record<string, string | undefined> = { A: '{"username":"a","password":"1"}' };
    const provider = createCredentialsProvider({ env, now: () => now });
    await provider.get('env:A');
    env.A = '{"username":"a","password":"2"}';
    now = 299_999;
    expect((await provider.get('env:A')).password).toBe('1');
    now = 300_000;
    expect((await provider.get('env:A')).password).toBe('2');
  });

  it('refresh forgets only the reference it names', async () => {
    const env: Record<string, string | undefined> = {
      A: '{"username":"a","password":"1"}',
      B: '{"username":"b","password":"1"}',
    };
    const provider = createCredentialsProvider({ env });
    await provider.get('env:A');
    await provider.get('env:B');
    env.A = '{"username":"a","password":"2"}';
    env.B = '{"username":"b","password":"2"}';
    provider.refresh('env:A');
    expect((await provider.get('env:A')).password).toBe('2');
    expect((await provider.get('env:B')).password).toBe('1');
  });
});

describe('checkLocalCredentials (the start-up check)', () => {
  it('reads each env: and file: reference once, and no Secrets Manager reference (not even one containing "env:")', async () => {
    const { provider, asked } = recording(createCredentialsProvider({ env: { A: GOOD } }));
    const registry = registryWith({
      p: 'env:A',
      d: 'env:A',
      s: 'swarm/sm-secret',
      t: 'prod/env:A',
      f: 'file:/nonexistent/x.json',
    });
    await expect(checkLocalCredentials(registry, provider)).resolves.toBeUndefined();
    expect(asked.sort()).toStrictEqual(['env:A', 'file:/nonexistent/x.json']);
  });

  it('lets the start go on when a local reference is only unavailable (unset, unreadable): the messages retry', async () => {
    const registry = registryWith({ p: 'env:UNSET', d: 'file:/nonexistent/x.json' });
    await expect(checkLocalCredentials(registry, createCredentialsProvider({ env: {} }))).resolves.toBeUndefined();
  });

  it('names every unusable local reference in one ConfigError about credentials', async () => {
    const env = {
      A: JSON.stringify({ username: 'u', password: 'a\rb' }),
      B: JSON.stringify({ username: 'ü€', password: 'p' }),
    };
    const err = await checkLocalCredentials(
      registryWith({ p: 'env:A', d: 'env:B' }),
      createCredentialsProvider({ env }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toStrictEqual([
      'credentials "env:A": the password contains a control character (CR, LF, NUL...)',
      'credentials "env:B": the username contains characters outside Latin-1',
    ]);
    expect((err as ConfigError).message).toMatch(/^invalid credentials:\n {2}- /);
  });
});
