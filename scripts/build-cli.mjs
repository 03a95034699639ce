// Bundles the command line (cli/main.ts) into dist/cli.js so `npx swarm-send` starts fast and
// needs no TypeScript loader. Runs on `npm ci` (the `prepare` script). Dependencies stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/main.ts'],
  outdir: 'dist',
  entryNames: 'cli',
  chunkNames: 'chunks/[name]-[hash]',
  // One chunk per command, so a command loads only what it uses.
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
