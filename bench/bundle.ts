/**
 * esbuild in the benchmark: bundling the bench's own child programs, and measuring the deployed
 * handler bundle (built with infra/'s DEFAULT_BUNDLING, the NodejsFunction options) for size and
 * cold import time in fresh Node 24 processes.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { DEFAULT_BUNDLING } from '../infra/defaults.js';
import { BUILD_DIR, NODE_BIN, ROOT, median } from './harness.js';

/**
 * Bundles a bench entry into BUILD_DIR as plain ESM for Node 24, dependencies left in
 * node_modules, so child processes run without a TypeScript loader in their CPU or RSS figures.
 */
export async function bundleEntry(entry: string, name: string): Promise<string> {
  const outfile = join(BUILD_DIR, `${name}.mjs`);
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outfile;
}

/** One handler bundle's figures. */
export interface BundleFigures {
  readonly variant: 'everything bundled (as deployed)' | '@aws-sdk/* external';
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Median time of `await import(bundle)` inside a fresh process, ms. */
  readonly importMsMedian: number;
  /** Median time of the same with --enable-source-maps (what the construct sets in NODE_OPTIONS), ms. */
  readonly importMsMedianWithSourceMaps: number;
  /** Median wall time from spawn to exit of that process (Node start + import), ms. */
  readonly processMsMedian: number;
  readonly runs: number;
  /** Bytes of the minified output by origin (npm package or project folder), largest first. */
  readonly composition: readonly { readonly origin: string; readonly bytes: number }[];
}

/** The npm package (or project folder) an esbuild input path belongs to. */
function inputOrigin(path: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg?.[1]) return pkg[1];
  return path.split('/')[0] ?? path;
}

/** Output bytes per origin, from esbuild's metafile. */
function composition(meta: Metafile, outfile: string): { origin: string; bytes: number }[] {
  const output = Object.entries(meta.outputs).find(
    ([path]) => outfile.endsWith(path.replace(/^(\.\.\/)+/, '')) || path.endsWith('index.mjs'),
  );
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.[1].inputs ?? {}))
    totals.set(inputOrigin(path), (totals.get(inputOrigin(path)) ?? 0) + input.bytesInOutput);
  return [...totals].map(([origin, bytes]) => ({ origin, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Builds functions/handlers/send.ts the way infra/ does: DEFAULT_BUNDLING (format esm, target
 * node24, platform node, minified, createRequire banner, linked source map), into `outdir`.
 * `externalSdk` additionally leaves `@aws-sdk/*` out, as the runtime's bundled SDK would serve.
 */
async function buildHandler(outdir: string, externalSdk: boolean): Promise<{ file: string; meta: Metafile }> {
  const b = DEFAULT_BUNDLING;
  const outfile = join(outdir, 'index.mjs');
  const result = await build({
    entryPoints: [join(ROOT, 'functions', 'handlers', 'send.ts')],
    absWorkingDir: ROOT,
    metafile: true,
    outfile,
    bundle: true,
    platform: 'node',
    format: b.format === 'esm' ? 'esm' : 'cjs',
    target: b.target ?? 'node24',
    mainFields: b.mainFields ?? ['module', 'main'],
    minify: b.minify ?? false,
    sourcemap: b.sourceMap ? 'linked' : false,
    sourcesContent: b.sourcesContent ?? true,
    external: [...(b.externalModules ?? []), ...(externalSdk ? ['@aws-sdk/*'] : [])],
    ...(b.banner !== undefined && { banner: { js: b.banner } }),
    logLevel: 'warning',
  });
  return { file: outfile, meta: result.metafile };
}

/** Spawns Node 24 to import `file`; resolves to the in-process import time and the process's wall time. */
function importOnce(file: string, sourceMaps: boolean): Promise<{ importMs: number; processMs: number }> {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const ms = performance.now() - t; if (typeof m.handler !== 'function') throw new Error('no handler export'); process.stdout.write(String(ms));`;
  const args = [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(NODE_BIN, args, {
      cwd: dirname(file),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) reject(new Error(`import of ${file} failed (${code}): ${err.trim()}`));
      else resolve({ importMs: Number(out), processMs });
    });
  });
}

/**
 * Size and cold import time of the handler bundle, with everything bundled (as deployed) and
 * with `@aws-sdk/*` external. The external variant is written under node_modules/.cache so the
 * SDK resolves from node_modules, as the runtime's own SDK copy would. One untimed import
 * first (file cache), then `runs` timed ones per setting; medians reported.
 */
export async function measureHandlerBundle(runs = 7): Promise<BundleFigures[]> {
  const out: BundleFigures[] = [];
  for (const externalSdk of [false, true]) {
    const outdir = externalSdk
      ? join(ROOT, 'node_modules', '.cache', 'swarm-send-bench', 'handler-external-sdk')
      : join(BUILD_DIR, 'handler');
    await rm(outdir, { recursive: true, force: true });
    const { file, meta } = await buildHandler(outdir, externalSdk);
    await importOnce(file, false);
    const plain: { importMs: number; processMs: number }[] = [];
    const mapped: number[] = [];
    for (let i = 0; i < runs; i++) {
      plain.push(await importOnce(file, false));
      mapped.push((await importOnce(file, true)).importMs);
    }
    out.push({
      variant: externalSdk ? '@aws-sdk/* external' : 'everything bundled (as deployed)',
      bytes: (await stat(file)).size,
      sourceMapBytes: (await stat(`${file}.map`)).size,
      importMsMedian: median(plain.map((p) => p.importMs)),
      importMsMedianWithSourceMaps: median(mapped),
      processMsMedian: median(plain.map((p) => p.processMs)),
      runs,
      composition: composition(meta, file),
    });
  }
  return out;
}
