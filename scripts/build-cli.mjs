// Builds what the two packages of this repository ship (docs/install.md names them), on
// `npm run build`, `npm test`, `npm start` (when dist/ is missing) and `npm pack` / `npm publish`
// (the `prepack` script of either package; there is no `prepare`: a clone builds on demand).
//
// The runtime package, `swarm-send` (this folder):
//  - dist/cli.js: the command line (`npx swarm-send`), one chunk per command so a command
//    loads only what it uses;
//  - dist/producer.js and dist/simulator.js: the typed producer and the Swarm simulator, for
//    `import { enqueueSends } from 'swarm-send/producer'` and `from 'swarm-send/simulator'`;
//  - dist/schema/send-message.schema.json: the SEND message as JSON Schema, from the zod schema;
//  - dist/schema/outcome-event.schema.json: the detail of an outcome event (docs/events.md);
//  - dist/types/: their declarations.
// The construct package, `@swarm-send/cdk` (packages/cdk/):
//  - packages/cdk/dist/index.js: the CDK construct, for `import { SwarmSendPipeline } from
//    '@swarm-send/cdk'` (one file, no shared chunks: it finds the package root, and the prebuilt
//    handlers, from its own location);
//  - packages/cdk/dist/lambda/<name>/index.mjs (+ .map): every Lambda handler in
//    functions/handlers/, bundled as the construct deploys it by default (infra/handler-code.ts),
//    so a consumer's CDK app bundles nothing and needs no esbuild. The same bundles are in
//    dist/lambda/ for this repository's own CDK app and tests (the runtime package does not ship them);
//  - its JSON Schema, declarations, README (infra/README.md) and LICENSE, copied.
//
// `--if-missing`: build only when dist/cli.js is missing (`npm start` on a fresh clone).
// `--runtime`: only the runtime package's JavaScript and schema, for a production checkout
// (`npm ci --omit=dev`, then `npm run build:runtime`, which runs this with esbuild from npx:
// typescript and aws-cdk-lib are not installed there).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Paths below are relative to the repository root, whichever package's script runs this.
process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const flags = new Set(process.argv.slice(2));
const runtimeOnly = flags.has('--runtime');
if (flags.has('--if-missing') && existsSync('dist/cli.js')) process.exit(0);

/**
 * esbuild from node_modules (a checkout with its dev dependencies), else the one `npm exec
 * --package=esbuild@<version>` put on PATH (a production checkout, `npm run build:runtime`).
 */
async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'esbuild');
    if (dir && existsSync(bin)) return createRequire(realpathSync(bin))('esbuild');
  }
  console.error(
    'swarm-send: cannot build: esbuild is not installed. Run `npm ci` (with the dev dependencies), or, after `npm ci --omit=dev`, `npm run build:runtime`.',
  );
  process.exit(2);
}
const { build } = await loadEsbuild();

// From a clean dist/: chunk names carry content hashes, so old ones would otherwise pile up in the package.
const CDK_DIST = 'packages/cdk/dist';
rmSync('dist', { recursive: true, force: true });
if (!runtimeOnly) rmSync(CDK_DIST, { recursive: true, force: true });

const common = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { cli: 'cli/main.ts', producer: 'functions/producer.ts', simulator: 'simulator/index.ts' },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
});

// The JSON Schema: bundle the generator to a scratch file (it imports zod from node_modules), run it.
const scratch = mkdtempSync(join('dist', '.schema-'));
try {
  mkdirSync('dist/schema', { recursive: true });
  for (const [source, exported, file] of [
    ['functions/core/message/message-schema.ts', 'sendMessageJsonSchema', 'send-message.schema.json'],
    ['functions/core/outcome/outcome-event-schema.ts', 'outcomeEventJsonSchema', 'outcome-event.schema.json'],
  ]) {
    const generator = join(scratch, file.replace('.schema.json', '.mjs'));
    await build({ ...common, outdir: undefined, outfile: generator, sourcemap: false, entryPoints: [source] });
    const schema = (await import(pathToFileURL(join(process.cwd(), generator)).href))[exported];
    writeFileSync(join('dist/schema', file), `${JSON.stringify(schema(), null, 2)}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (runtimeOnly) process.exit(0);

// The construct runs in the consumer's CDK app, which may be on Node 20 or 22 (`engines`). Only
// the CDK libraries (peer dependencies) stay external: zod is bundled (the few kB of zod/mini the
// registry check uses), so the construct package has no dependencies of its own.
await build({
  ...common,
  outdir: undefined,
  outfile: join(CDK_DIST, 'index.js'),
  packages: undefined,
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  target: 'node20',
  entryPoints: ['infra/index.ts'],
});

// The Lambda handlers: the same esbuild options as infra/defaults.ts DEFAULT_BUNDLING (ESM with a
// createRequire banner, minified, source map without sources, the AWS SDK left to the runtime);
// test/infra/bundling.test.ts checks that the result equals what bundling from source produces.
const HANDLER_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: ['@aws-sdk/*'],
  banner: {
    js: "import { createRequire as __swarmSendCreateRequire } from 'node:module'; const require = __swarmSendCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
for (const file of readdirSync('functions/handlers')
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  const name = basename(file, '.ts');
  await build({
    ...HANDLER_BUNDLING,
    entryPoints: [join('functions/handlers', file)],
    outfile: join('dist/lambda', name, 'index.mjs'),
  });
}

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { stdio: 'inherit' });

// The construct package's copies: handlers, schema, declarations (infra's and what they import;
// the runtime package leaves dist/types/infra out), its README and the licence.
for (const dir of ['lambda', 'schema', 'types/infra', 'types/functions'])
  cpSync(join('dist', dir), join(CDK_DIST, dir), { recursive: true });
cpSync('infra/README.md', 'packages/cdk/README.md');
cpSync('LICENSE', 'packages/cdk/LICENSE');
