import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { credentialsProblem, type Credentials } from '../core/transport/digest-auth.js';
import { ConfigError, CredentialsError } from '../core/errors.js';
import type { Registry } from '../core/registry/registry.js';
import type { CredentialsProvider } from '../worker/ports.js';

function parseSecret(ref: string, text: string): Credentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(ref, `credentials "${ref}" are not JSON`);
  }
  const c = json as { username?: unknown; password?: unknown };
  if (typeof c?.username !== 'string' || typeof c.password !== 'string' || !c.username) {
    throw new CredentialsError(ref, `credentials "${ref}" must be {"username": "...", "password": "..."}`);
  }
  const credentials = { username: c.username, password: c.password };
  const problem = credentialsProblem(credentials);
  if (problem) throw new CredentialsError(ref, `credentials "${ref}": ${problem}`, 'credentials-invalid');
  return credentials;
}

/**
 * Reads the registry's local references (`env:`, `file:`) once at start, so credentials no
 * header can carry stop the start with a clear error instead of failing every message. Secrets
 * Manager references are read, and checked, when first used.
 */
export async function checkLocalCredentials(registry: Registry, provider: CredentialsProvider): Promise<void> {
  const refs = new Set(
    Object.values(registry.clusters)
      .map((c) => c.credentials)
      .filter((r) => /^(?:env|file):/.test(r)),
  );
  const problems: string[] = [];
  for (const ref of refs) {
    await provider.get(ref).catch((err: unknown) => {
      if (err instanceof CredentialsError && err.reason === 'credentials-invalid') problems.push(err.message);
    });
  }
  if (problems.length) throw new ConfigError(problems, 'credentials');
}

export interface CredentialsProviderOptions {
  /** Needed only for Secrets Manager references. */
  readonly secretsManager?: SecretsManagerClient;
  readonly env?: Record<string, string | undefined>;
  /** How long a value is trusted before it is read again, ms. @default 300000 */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Resolves the registry's `credentials` references (DESIGN.md section 2): a Secrets Manager
 * name or ARN (the default), `env:VAR` (the variable holds the JSON) or `file:PATH`. Values are
 * cached; `refresh` drops one after the cluster rejected it, so rotated secrets are picked up.
 */
export function createCredentialsProvider(options: CredentialsProviderOptions): CredentialsProvider {
  const cache = new Map<string, { value: Promise<Credentials>; at: number }>();
  const ttl = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;

  async function load(ref: string): Promise<Credentials> {
    if (ref.startsWith('env:')) {
      const name = ref.slice(4);
      const text = options.env?.[name];
      if (text === undefined) throw new CredentialsError(ref, `environment variable ${name} is not set`);
      return parseSecret(ref, text);
    }
    if (ref.startsWith('file:')) {
      const path = ref.slice(5);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new CredentialsError(ref, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      return parseSecret(ref, text);
    }
    if (!options.secretsManager) throw new CredentialsError(ref, `no Secrets Manager client for "${ref}"`);
    let out;
    try {
      out = await options.secretsManager.send(new GetSecretValueCommand({ SecretId: ref }));
    } catch (err) {
      // The SDK's message names the secret, never its value.
      throw new CredentialsError(ref, `cannot read secret "${ref}": ${(err as Error).name}`);
    }
    if (out.SecretString === undefined) throw new CredentialsError(ref, `secret "${ref}" has no SecretString`);
    return parseSecret(ref, out.SecretString);
  }

  return {
    get(ref) {
      const hit = cache.get(ref);
      if (hit && now() - hit.at < ttl) return hit.value;
      const value = load(ref);
      cache.set(ref, { value, at: now() });
      // A failed read is not cached: the next message tries again.
      value.catch(() => cache.delete(ref));
      return value;
    },
    refresh(ref) {
      cache.delete(ref);
    },
  };
}
