// Jest globalSetup of the `image` project (it runs only when a test of that project is selected):
// starts building the worker image at once, so that the build (debootstrap, two `npm ci`, mostly
// waiting on the network and the disk) overlaps the other suites; test/image/last.mjs runs the
// image test last, and it waits for this build. Output and exit status go to files in a scratch
// directory named by SWARM_SEND_IMAGE_BUILD (the test workers inherit the variable).
// The build is its own process group: test/image/stop-build.mjs kills it if it still runs.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function startImageBuild() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'swarm-send-image-build-'));
  const tag = `localhost/swarm-send-worker:test-${process.pid}`;
  const child = spawn(
    'sh',
    ['-c', 'scripts/image/build-worker-image.sh "$1" >"$2/stdout" 2>"$2/stderr"; echo $? >"$2/status"', 'sh', tag, dir],
    { cwd: root, detached: true, stdio: 'ignore' },
  );
  child.unref();
  globalThis.swarmSendImageBuild = { pid: child.pid, dir, tag };
  process.env.SWARM_SEND_IMAGE_BUILD = dir;
  process.env.SWARM_SEND_IMAGE_TAG = tag;
}
