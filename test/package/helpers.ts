import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package tests install what `npm pack` makes, as users do, into directories of their own:
// npm talks to the registry (its cache makes later runs faster); nothing else leaves loopback.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The construct package's folder. */
export const CDK = join(ROOT, 'packages', 'cdk');

/** npm's environment: no audit, fund or update notices, no CDK version check. */
export const NPM_ENV = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  CDK_DISABLE_VERSION_CHECK: '1',
};

/** Runs npm in `cwd`; its output, or an error carrying its stderr. */
export function npm(args: readonly string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', env: NPM_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * `npm install <args>` in `cwd`; returns what npm warned on stderr (EBADENGINE and the like).
 * A failed install throws with npm's output.
 */
export function npmInstall(args: readonly string[], cwd: string): string {
  const r = spawnSync('npm', ['install', ...args], { cwd, encoding: 'utf8', env: NPM_ENV });
  if (r.status !== 0) throw new Error(`npm install ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stderr;
}

/**
 * `npm pack`s the package in `dir` into `dest` and returns the tarball's path. dist/ is already
 * built (by `npm test`, or test/helpers/cli.ts); building again here would rewrite it under the
 * feet of other test files, so scripts are skipped (prepack is what builds it).
 */
export function pack(dir: string, dest: string): string {
  if (!existsSync(join(dir, 'dist')))
    throw new Error(`${join(dir, 'dist')} is missing: run \`npm run build\` (npm test does) before the package tests`);
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], dir)) as {
    filename: string;
  }[];
  return join(dest, packed[0]!.filename);
}

/** The version of package `name` installed under `project`'s node_modules. */
export function installedVersion(project: string, name: string): string {
  return (JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The version package-lock.json pins for `name`. */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  return lock.packages[`node_modules/${name}`]!.version;
}

/** Bytes of the files under `path` (apparent sizes; symbolic links count as themselves). */
export function treeBytes(path: string): number {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}
