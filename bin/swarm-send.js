#!/usr/bin/env node
// Launcher for the bundled command line (built into dist/ by `npm run build`, `npm start` or `npm pack`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The command line needs Node 24 (it is built for and tested on it; the local SQS server uses
// node:sqlite); the package installs on older Node for its CDK construct. Say so before anything fails.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `swarm-send: the command line needs Node.js 24 or later; this is Node.js ${process.versions.node}. Install Node 24 (e.g. \`nvm install 24\`) and run it again. (The CDK construct, the package @swarm-send/cdk, works on Node 20 and later.)`,
  );
  process.exit(2);
}

const bundle = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error(
    'swarm-send: dist/cli.js is missing; run `npm run build` (or, after `npm ci --omit=dev`, `npm run build:runtime`).',
  );
  process.exit(2);
}
// fauxqs (the local SQS server) uses node:sqlite, which Node 24 still flags as experimental.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite/.test(w.message)) return;
  console.error(`${w.name}: ${w.message}`);
});
// The command line's libraries are dependencies of the package; should an install have lost
// one (a pruned or hand-edited node_modules), name it instead of a stack trace.
try {
  const { main } = await import(bundle);
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const missing =
    err?.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find package '([^']+)'/.exec(String(err.message))?.[1];
  if (!missing) throw err;
  console.error(
    `swarm-send: this command needs the package "${missing}", a dependency of swarm-send that is not installed. Reinstall swarm-send (\`npm install swarm-send\`; in a checkout, \`npm ci --omit=dev\`), or \`npm install ${missing}\`.`,
  );
  // An installation that cannot run the command is a configuration error: exit 2, like a bad registry.
  process.exitCode = 2;
}
