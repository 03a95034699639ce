#!/usr/bin/env node
// Launcher for the bundled command line (built by `npm ci` / `npm run build` into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('swarm-send: dist/cli.js is missing; run `npm run build` (npm ci does it for you).');
  process.exit(2);
}
// fauxqs (the local SQS server) uses node:sqlite, which Node 24 still flags as experimental.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite/.test(w.message)) return;
  console.error(`${w.name}: ${w.message}`);
});
const { main } = await import(bundle);
process.exitCode = await main(process.argv.slice(2));
