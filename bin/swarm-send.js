#!/usr/bin/env node
// Launcher for the bundled command line (built by `npm ci` / `npm run build` into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The command line needs Node 24 (it is built for and tested on it; the local SQS server uses
// node:sqlite); the package installs on older Node for its CDK construct. Say so before anything fails.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `swarm-send: the command line needs Node.js 24 or later; this is Node.js ${process.versions.node}. Install Node 24 (e.g. \`nvm install 24\`) and run it again. (The CDK construct, swarm-send/infra, works on Node 20 and later.)`,
  );
  process.exit(2);
}

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
// The command line's libraries are optional dependencies (a CDK project installs the package
// with --omit=optional for the construct alone): name the missing one instead of a stack trace.
try {
  const { main } = await import(bundle);
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const missing =
    err?.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package '([^']+)'/.exec(String(err.message))?.[1];
  if (!missing) throw err;
  console.error(
    `swarm-send: this command needs the package "${missing}", an optional dependency of swarm-send that is not installed (was it installed with --omit=optional?). Reinstall swarm-send without --omit=optional, or \`npm install ${missing}\`.`,
  );
  // An installation that cannot run the command is a configuration error: exit 2, like a bad registry.
  process.exitCode = 2;
}
