// Builds what the package ships, on `npm ci` (the `prepare` script), `npm pack` / `npm publish`
// (the `prepack` script: a registry install runs no `prepare`) and `npm run build`:
//  - dist/cli.js: the command line (`npx swarm-send`), one chunk per command so a command
//    loads only what it uses;
//  - dist/producer.js and dist/simulator.js: the typed producer and the Swarm simulator, for
//    `import { enqueueSends } from 'swarm-send/producer'` and `from 'swarm-send/simulator'`;
//  - dist/infra.js: the CDK construct, for `import { SwarmSendPipeline } from 'swarm-send/infra'`
//    (one file, no shared chunks: it finds the package root, and the prebuilt handlers, from
//    its own location);
//  - dist/lambda/<name>/index.mjs (+ .map): every Lambda handler in functions/handlers/, bundled
//    as the construct deploys it by default (infra/handler-code.ts), so a consumer's CDK app
//    bundles nothing and needs no esbuild;
//  - dist/schema/send-message.schema.json: the SEND message as JSON Schema, from the zod schema;
//  - dist/types/: their declarations.
// Dependencies of the CLI, producer and construct stay external: they are installed next to the package.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// `npm pack` and `npm publish` run `prepack` and then `prepare`: build once, in `prepack`.
if (process.env.npm_lifecycle_event === 'prepare' && ['pack', 'publish'].includes(process.env.npm_command ?? ''))
  process.exit(0);

// From a clean dist/: chunk names carry content hashes, so old ones would otherwise pile up in the package.
rmSync('dist', { recursive: true, force: true });

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

// The construct runs in the consumer's CDK app, which may be on Node 20 or 22 (`engines`). Only
// the CDK libraries (peer dependencies) stay external: zod is bundled (the few kB of zod/mini the
// registry check uses), so a CDK project installs swarm-send with --omit=optional and nothing else.
await build({
  ...common,
  packages: undefined,
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  target: 'node20',
  entryPoints: { infra: 'infra/index.ts' },
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

// The JSON Schema: bundle the generator to a scratch file (it imports zod from node_modules), run it.
const scratch = mkdtempSync(join('dist', '.schema-'));
try {
  const generator = join(scratch, 'message-schema.mjs');
  await build({
    ...common,
    outdir: undefined,
    outfile: generator,
    sourcemap: false,
    entryPoints: ['functions/core/message-schema.ts'],
  });
  const { sendMessageJsonSchema } = await import(pathToFileURL(join(process.cwd(), generator)).href);
  mkdirSync('dist/schema', { recursive: true });
  writeFileSync('dist/schema/send-message.schema.json', `${JSON.stringify(sendMessageJsonSchema(), null, 2)}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
