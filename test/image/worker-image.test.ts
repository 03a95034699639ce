import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startSimulator, type SwarmSimulator } from '../../simulator/index.js';
import { receiveAll, startLocalSqs, type Fauxqs, type LocalSqs } from '../helpers/sqs.js';
import { eventually, jsonLines } from '../helpers/worker.js';

/**
 * The container image of deploy/Dockerfile, built and run as a user would (docs/container-image.md).
 *
 * The official Node image cannot be pulled here, so the base is built from Debian packages
 * (scripts/image/debian-node-base.sh: debootstrap from the mirror apt uses, plus Node 24 from the
 * npm registry) and handed to the Dockerfile as BASE_IMAGE; scripts/image/build-worker-image.sh
 * builds the image with podman, passing npm's configuration through as build secrets.
 *
 * The image runs with `buildah run --isolation chroot` in the host's network namespace, so the
 * worker reaches fauxqs and the simulator on loopback. Not with `podman run`: the OCI runtime
 * (crun) cannot set rlimits on these machines (`setrlimit RLIMIT_NOFILE: Operation not
 * permitted`; with the rlimits lowered by --ulimit it stops at "cgroups in hybrid mode not
 * supported"). buildah run starts the image's ENTRYPOINT (read from the image's configuration)
 * with the image's USER and WORKDIR, as a container engine does.
 *
 * Building is slow the first time (debootstrap, two `npm ci`): the base image is kept in
 * podman's storage under a hash of its recipe, and podman caches the build's layers. A machine
 * that has neither builds everything. In `npm test` the build starts with Jest
 * (build-in-background.mjs) and this test runs last (last.mjs), so the build overlaps the other
 * suites. A missing tool fails the test; it never skips.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const PASSWORD = 'Image-Test-Pa55';
const ADMIN = JSON.stringify({ username: 'admin', password: PASSWORD });
const CONTAINER = `swarm-send-image-test-${process.pid}`;
const BUILD_TIMEOUT_MS = 9 * 60_000;

function requireTools(): void {
  const missing = ['podman', 'buildah', 'debootstrap', 'flock'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0)
    throw new Error(
      `the image test needs ${missing.join(', ')}: apt-get install podman buildah debootstrap uidmap (.ci/run does)`,
    );
  if (process.getuid?.() !== 0)
    throw new Error('the image test builds a Debian root with debootstrap and images with podman: run it as root');
}

/**
 * The image's name once built: by the build that test/image/build-in-background.mjs started
 * when Jest started (SWARM_SEND_IMAGE_BUILD names its directory), or else here and now.
 */
async function buildImage(): Promise<string> {
  const dir = process.env.SWARM_SEND_IMAGE_BUILD;
  if (dir === undefined) {
    const name = `localhost/swarm-send-worker:test-${process.pid}`;
    const build = await run('scripts/image/build-worker-image.sh', [name], {
      cwd: ROOT,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((e: Error) => {
      // The message holds the build's output: its end says what failed.
      throw new Error(`building the image failed: ...${e.message.slice(-6000)}`);
    });
    return build.stdout.trim();
  }
  const until = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(join(dir, 'status'))) {
    if (Date.now() > until) throw new Error(`the image build in ${dir} did not end in time`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const status = readFileSync(join(dir, 'status'), 'utf8').trim();
  if (status !== '0')
    throw new Error(
      `building the image failed (exit ${status}): ...${readFileSync(join(dir, 'stderr'), 'utf8').slice(-6000)}`,
    );
  return readFileSync(join(dir, 'stdout'), 'utf8').trim();
}

/** A process started by this test and all its descendants (one process group). */
function killGroup(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The processes of a process group whose command line runs `script` with node, and their user IDs (from /proc). */
function workerProcesses(pgid: number, script: string): { pid: number; uid: number }[] {
  const found: { pid: number; uid: number }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so read the fields after its ')'.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (pgrp !== pgid || !/(^|\/)node$/.test(argv[0] ?? '') || argv[1] !== script) continue;
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (uid !== undefined) found.push({ pid: Number(pid), uid: Number(uid) });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

describe('the container image (deploy/Dockerfile on a Debian-built Node 24 base, run with buildah)', () => {
  let local: LocalSqs;
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  let sim: SwarmSimulator;
  let config: { User: string; Entrypoint: string[]; WorkingDir: string; StopSignal: string };
  let worker: ChildProcess | undefined;
  let tag = '';
  let built = false;
  let containerMade = false;

  beforeAll(async () => {
    requireTools();
    tag = await buildImage();
    built = true;
    config = JSON.parse(
      execFileSync('podman', ['image', 'inspect', tag, '--format', '{{json .Config}}'], { encoding: 'utf8' }),
    ) as typeof config;
    execFileSync('buildah', ['from', '--pull=never', '--name', CONTAINER, tag], { stdio: 'ignore' });
    containerMade = true;
    local = await startLocalSqs();
    ({ fauxqs, sqs } = local);
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 2, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
  }, BUILD_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    killGroup(worker);
    const quietly = (command: string, args: string[]) => {
      try {
        execFileSync(command, args, { stdio: 'ignore' });
      } catch {
        // already gone: the servers below are stopped all the same
      }
    };
    if (containerMade) quietly('buildah', ['rm', CONTAINER]);
    if (built) quietly('podman', ['untag', tag]);
    await sim?.close();
    await local?.close();
  });

  it('runs as a numeric non-root user, from the worker entry point', () => {
    expect(config.User).toBe('1000:1000');
    expect(config.Entrypoint).toEqual(['node', 'bin/swarm-send.js', 'worker']);
    expect(config.WorkingDir).toBe('/opt/swarm-send');
  });

  it('holds the production dependencies and none of the packages the lock file marks as dev-only', () => {
    const root = execFileSync('buildah', ['mount', CONTAINER], { encoding: 'utf8' }).trim();
    try {
      const app = join(root, 'opt/swarm-send');
      const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const devOnly = Object.entries(lock.packages).filter(([path, p]) => path !== '' && p.dev === true);
      expect(devOnly.length).toBeGreaterThan(0);
      expect(devOnly.map(([path]) => path).filter((path) => existsSync(join(app, path)))).toEqual([]);
      const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      expect(Object.keys(pkg.dependencies).filter((name) => !existsSync(join(app, 'node_modules', name)))).toEqual([]);
      expect(existsSync(join(app, 'dist/cli.js'))).toBe(true);
    } finally {
      execFileSync('buildah', ['umount', CONTAINER], { stdio: 'ignore' });
    }
  });

  it('its worker, configured by SWARM_SEND_* variables, drains a queue against fauxqs and the simulator (objects on DR, outcomes recorded, the bad message dead-lettered) and stops on SIGTERM with exit 0', async () => {
    const queue = fauxqs.createQueue('image-q', { attributes: { VisibilityTimeout: '30' } }).queueUrl;
    const dlq = fauxqs.createQueue('image-dlq').queueUrl;
    const outcomes = fauxqs.createQueue('image-outcomes').queueUrl;
    const objects = Array.from({ length: 6 }, (_, i) => sim.cluster('baker').put({ body: `image object ${i}` }));
    for (const o of objects)
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
      );
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'not json' }));
    const registry = JSON.stringify({
      clusters: {
        primary: { name: 'baker', nodes: sim.cluster('baker').addresses, credentials: 'env:SWARM_ADMIN' },
        dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'env:SWARM_ADMIN' },
      },
      defaultRoute: { from: 'primary', to: 'dr' },
    });

    // Configured as a user configures the image: SWARM_SEND_* variables (docs/container-image.md).
    // The flags replace the image's CMD to take a free port (the host's network is shared) and
    // name fauxqs: with AWS_ENDPOINT_URL_SQS alone the SDK sends to the host of fauxqs's queue
    // URLs (sqs.<region>.localhost), which does not resolve.
    const env = Object.entries({
      SWARM_SEND_QUEUE_URL: queue,
      SWARM_SEND_DLQ_URL: dlq,
      SWARM_SEND_OUTCOMES_QUEUE_URL: outcomes,
      SWARM_SEND_REGISTRY: registry,
      SWARM_ADMIN: ADMIN,
    }).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
    const args = ['--sqs-endpoint', fauxqs.address, '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--json'];
    worker = spawn(
      'buildah',
      ['run', '--isolation', 'chroot', '--network', 'host', ...env, CONTAINER, '--', ...config.Entrypoint, ...args],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    worker.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => worker?.on('exit', (code) => resolve(code)));
    const running = () => worker?.exitCode === null;

    // Started: the worker process, seen from the host, runs under the image's user.
    await eventually(
      () => !running() || jsonLines(output).some((l) => l.message === 'swarm-send worker started'),
      120_000,
      'the worker to start',
    );
    const processes = workerProcesses(worker.pid ?? -1, config.Entrypoint[1] ?? '');
    // (the output says why when it is not running)
    expect({ running: running() || output, uids: processes.map((p) => p.uid) }).toEqual({
      running: true,
      uids: [1000],
    });

    // Every message settled; then the image's stop signal: the worker drains and exits 0.
    const settled = () =>
      jsonLines(output).filter((l) => typeof l.outcome === 'string' && typeof l.reason === 'string');
    await eventually(() => !running() || settled().length >= objects.length + 1, 120_000, 'seven outcomes');
    expect(config.StopSignal).toBe('SIGTERM');
    const pid = processes[0]?.pid;
    if (pid === undefined) throw new Error('the worker process is gone');
    process.kill(pid, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toContain(PASSWORD);
    for (const o of objects) expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    expect(jsonLines(output).find((l) => 'stopped' in l)).toMatchObject({
      replicated: objects.length,
      deadLettered: { 'invalid-message': 1 },
    });

    const records = (await receiveAll(sqs, outcomes)).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
    expect(
      records
        .filter((r) => r.outcome === 'replicated')
        .map((r) => (r.object as { uuid: string }).uuid)
        .sort(),
    ).toEqual(objects.map((o) => o.uuid).sort());
    const dead = await receiveAll(sqs, dlq);
    expect(dead.map((m) => [m.Body, m.MessageAttributes?.['swarm-send.reason']?.StringValue])).toEqual([
      ['not json', 'invalid-message'],
    ]);
  }, 300_000);
});
