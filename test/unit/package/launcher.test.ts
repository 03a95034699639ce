import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('../../../bin/swarm-send.js', import.meta.url));

/** Runs the launcher in a Node 24 that reports another version (the package installs on Node 20+). */
function runAs(version: string, args: string[]) {
  const pretend = `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: ${JSON.stringify(version)} } })`;
  return spawnSync(process.execPath, ['--import', pretend, LAUNCHER, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
}

describe('the swarm-send launcher', () => {
  it.each(['20.19.0', '22.12.0'])(
    'on Node %s says the command line needs Node 24 and exits 2, before loading anything',
    (version) => {
      const run = runAs(version, ['status', '--queue-url', 'http://127.0.0.1:9/000000000000/q']);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `swarm-send: the command line needs Node.js 24 or later; this is Node.js ${version}. Install Node 24 (e.g. \`nvm install 24\`) and run it again. (The CDK construct, the package @swarm-send/cdk, works on Node 20 and later.)\n`,
      );
    },
  );

  it('runs on Node 24 and later', () => {
    for (const version of [process.versions.node, '26.0.0']) {
      const run = runAs(version, ['--version']);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('swarm-send 0.1.0\n');
      expect(run.status).toBe(0);
    }
  });
});
