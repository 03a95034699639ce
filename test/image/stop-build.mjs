// Jest globalTeardown of the `image` project: stops the build that build-in-background.mjs
// started if it still runs (a failed or interrupted run), removes the image's test tag and the
// scratch directory. The test itself removes its working container.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export default function stopImageBuild() {
  const build = globalThis.swarmSendImageBuild;
  if (!build) return;
  if (build.pid !== undefined && !existsSync(join(build.dir, 'status'))) {
    try {
      process.kill(-build.pid, 'SIGTERM');
    } catch {
      // already ended
    }
  }
  try {
    execFileSync('podman', ['untag', build.tag], { stdio: 'ignore' });
  } catch {
    // never tagged, or already untagged by the test
  }
  rmSync(build.dir, { recursive: true, force: true });
}
