// Builds what the package ships, on `npm ci` (the `prepare` script) and `npm run build`:
//  - dist/cli.js: the command line (`npx swarm-send`), one chunk per command so a command
//    loads only what it uses;
//  - dist/producer.js and dist/simulator.js: the typed producer and the Swarm simulator, for
//    `import { enqueueSends } from 'swarm-send/producer'` and `from 'swarm-send/simulator'`;
//  - dist/infra.js: the CDK construct, for `import { SwarmSendPipeline } from 'swarm-send/infra'`
//    (one file, no shared chunks: it finds the package root, and the handler it bundles, from
//    its own location);
//  - dist/types/: their declarations.
// Dependencies stay external: they are installed next to the package.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const common = { outdir: 'dist', bundle: true, platform: 'node', format: 'esm', target: 'node24', packages: 'external', sourcemap: true, logLevel: 'warning' };

await build({
  ...common,
  entryPoints: { cli: 'cli/main.ts', producer: 'functions/producer.ts', simulator: 'simulator/index.ts' },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
});

await build({ ...common, entryPoints: { infra: 'infra/index.ts' } });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
