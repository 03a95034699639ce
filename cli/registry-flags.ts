import { ENV } from '../functions/env.js';
import { UsageError } from './command.js';
import { stringFlag, type FlagValues } from './flags.js';

/**
 * Where a command finds the cluster registry, the same for every command that reads one (check,
 * reconcile, send, and the worker in cli/worker-flags.ts): --registry FILE, else one of the
 * three variables the handler reads. No AWS SDK here: `send` loads it only when it needs it.
 */

/** The registry flag and its variables, worded alike in every command that reads a registry. */
export const REGISTRY_HELP = `  --registry FILE          the cluster registry JSON (else $${ENV.REGISTRY}, $${ENV.REGISTRY_FILE}
                           or $${ENV.REGISTRY_PARAMETER})`;

const REGISTRY_VARS = [ENV.REGISTRY, ENV.REGISTRY_FILE, ENV.REGISTRY_PARAMETER] as const;

/** True when the command should read a registry: --registry, or one of its variables is set. */
export function registryGiven(values: FlagValues, env: NodeJS.ProcessEnv): boolean {
  return values.registry !== undefined || REGISTRY_VARS.some((n) => env[n]);
}

/** Where the registry comes from, as the worker reads it: --registry FILE, else one of three variables. */
export function registrySource(
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): { env: Record<string, string>; origin: string } {
  const file = stringFlag(values, 'registry');
  if (file !== undefined) return { env: { [ENV.REGISTRY_FILE]: file }, origin: `${file} (--registry)` };
  const given = Object.fromEntries(REGISTRY_VARS.filter((n) => env[n]).map((n) => [n, env[n]!]));
  const names = Object.keys(given);
  if (names.length === 0)
    throw new UsageError(
      `--registry FILE is required (or set ${ENV.REGISTRY}, ${ENV.REGISTRY_FILE} or ${ENV.REGISTRY_PARAMETER})`,
    );
  const origin =
    names.length > 1
      ? names.join(', ')
      : given[ENV.REGISTRY_FILE]
        ? `${given[ENV.REGISTRY_FILE]} (${ENV.REGISTRY_FILE})`
        : given[ENV.REGISTRY_PARAMETER]
          ? `SSM parameter ${given[ENV.REGISTRY_PARAMETER]} (${ENV.REGISTRY_PARAMETER})`
          : `inline JSON (${ENV.REGISTRY})`;
  return { env: given, origin };
}
