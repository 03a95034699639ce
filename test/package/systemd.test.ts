import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import '../helpers/cli.js'; // dist/ is built (and current) before the checkout is packed
import { scratchDir } from '../helpers/scratch.js';
import { startLocalSqs, type LocalSqs } from '../helpers/sqs.js';
import { startSimulator, type SwarmSimulator } from '../../simulator/index.js';
import { pairRegistryDocument } from '../../local/pair-registry.js';

// The systemd install as docs/on-premises.md gives it, from nothing: deploy/systemd/install.sh
// run into an empty directory (--root: no user, no systemctl, nothing outside it), then the
// unit it wrote checked by systemd's own tools, and the worker it installed (production
// dependencies only, the Node.js the unit names) run to drain a queue under strace, so that
// every system call and socket family it used is one the unit's sandbox allows.
// systemd-analyze is Debian's systemd package, strace Debian's strace; npm talks to the registry
// (its cache makes later runs faster). A missing tool fails the test.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'deploy/systemd/install.sh');
/** The most `systemd-analyze security` may score the unit (0 = fully sandboxed, 10 = not at all). */
const MAX_EXPOSURE = 2.5;
const PASSWORD = 'Systemd-Unit-Pa55';

const dir = scratchDir('swarm-send-systemd-');
const root = join(dir, 'root');
const unitPath = join(root, 'etc/systemd/system/swarm-send-worker.service');
const prefix = join(root, 'opt/swarm-send');
/** What a system install writes: none of it may appear when the script runs with --root. */
const SYSTEM_PATHS = ['/opt/swarm-send', '/etc/swarm-send', '/etc/systemd/system/swarm-send-worker.service'];

/** The values of one directive in the unit (every line that sets it). */
function directive(unit: string, name: string): string[] {
  return [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
}

/** A systemd syscall group (or one call) expanded to call names, as `systemd-analyze syscall-filter` lists them. */
function syscallSet(name: string, seen = new Set<string>()): Set<string> {
  if (!name.startsWith('@')) return new Set([name]);
  const out = new Set<string>();
  if (seen.has(name)) return out;
  seen.add(name);
  const listing = execFileSync('systemd-analyze', ['syscall-filter', name], { encoding: 'utf8' });
  for (const line of listing.split('\n').slice(1)) {
    const entry = line.trim();
    if (!entry || entry.startsWith('#')) continue;
    for (const call of syscallSet(entry, seen)) out.add(call);
  }
  return out;
}

/** What a unit's SystemCallFilter= lines allow: the allow-list, less every `~` deny-list. */
function allowedSyscalls(unit: string): Set<string> {
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const value of directive(unit, 'SystemCallFilter')) {
    const deny = value.startsWith('~');
    for (const group of value.replace(/^~/, '').split(/\s+/))
      for (const call of syscallSet(group)) (deny ? denied : allowed).add(call);
  }
  for (const call of denied) allowed.delete(call);
  return allowed;
}

const existedBefore = SYSTEM_PATHS.filter((p) => existsSync(p));
let installLog = '';
beforeAll(() => {
  installLog = execFileSync('bash', [SCRIPT, '--root', root, '--no-build'], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      // The Node.js 24 running this test comes first on PATH: the script takes it for the unit.
      PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 240_000);

describe('deploy/systemd/install.sh --root into an empty directory', () => {
  it('installs the package with production dependencies only, and writes the unit and the settings under the root alone', () => {
    expect(installLog).toContain(`unit:      ${unitPath}`);
    expect(existsSync(join(prefix, 'node_modules/swarm-send/bin/swarm-send.js'))).toBe(true);
    expect(existsSync(join(prefix, 'node_modules/swarm-send/dist/cli.js'))).toBe(true);
    for (const dev of ['esbuild', 'jest', 'typescript', 'aws-cdk-lib'])
      expect(existsSync(join(prefix, 'node_modules', dev))).toBe(false);
    expect(readFileSync(join(root, 'etc/swarm-send/worker.env'), 'utf8')).toContain('SWARM_SEND_QUEUE_URL=');
    for (const p of SYSTEM_PATHS.filter((q) => !existedBefore.includes(q))) expect(existsSync(p)).toBe(false);
    expect(() => execFileSync('id', ['swarm-send'], { stdio: 'ignore' })).toThrow();
  });

  it('runs the worker with the Node.js 24 it was given, from the install', () => {
    const unit = readFileSync(unitPath, 'utf8');
    expect(unit).not.toMatch(/@[A-Z]+@/);
    const [exec] = directive(unit, 'ExecStart');
    expect(exec).toBe(
      `${process.execPath} ${prefix}/node_modules/swarm-send/bin/swarm-send.js worker --metrics-port 9464`,
    );
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(directive(unit, 'Environment')).toContain('SWARM_SEND_METRICS_HOST=127.0.0.1');
  });

  it('refuses a Node.js that is not 24, before installing anything', () => {
    const other = join(dir, 'not-24');
    writeFileSync(other, '#!/bin/sh\necho 20\n', { mode: 0o755 });
    let failure: { status: number; stderr: string } | null = null;
    try {
      execFileSync('bash', [SCRIPT, '--root', join(dir, 'refused'), '--no-build', '--node', other], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      failure = err as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr).toContain('is Node.js 20, not 24');
    expect(existsSync(join(dir, 'refused/opt/swarm-send'))).toBe(false);
  });

  it('systemd-analyze verify passes on the unit', () => {
    // Exit 0 and nothing said about the unit (verify warns on stderr without failing for some problems).
    const out = execFileSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8', stdio: 'pipe' });
    expect(out).toBe('');
  });

  it(`systemd-analyze security --offline=yes scores it at most ${MAX_EXPOSURE}`, () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', unitPath], { encoding: 'utf8' });
    const score = Number(/Overall exposure level for swarm-send-worker\.service: (\d+\.\d)/.exec(out)?.[1]);
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(MAX_EXPOSURE);
  });
});

describe('the installed worker inside the unit sandbox', () => {
  let local: LocalSqs;
  let sim: SwarmSimulator;
  beforeAll(async () => {
    local = await startLocalSqs();
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
  });
  let child: ChildProcess | null = null;
  afterEach(() => {
    // A failed assertion or a timeout leaves no traced worker behind: strace and the worker it
    // traces share a process group of their own (killing strace alone would detach the worker).
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null)
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
  });
  afterAll(async () => {
    await sim?.close();
    await local?.close();
  });

  it('drains a queue under strace using only the system calls and socket families the unit allows', async () => {
    const unit = readFileSync(unitPath, 'utf8');
    // By name, as a real queue is: the worker resolves it (getaddrinfo) inside the sandbox too.
    const byName = (url: string) => url.replace('127.0.0.1', 'localhost');
    const queue = byName(local.fauxqs.createQueue('systemd-q').queueUrl);
    const dlq = byName(local.fauxqs.createQueue('systemd-dlq').queueUrl);
    const registry = join(dir, 'registry.json');
    writeFileSync(
      registry,
      JSON.stringify(
        pairRegistryDocument({
          source: sim.cluster('baker').addresses,
          dr: sim.cluster('dr').addresses,
          credentials: 'env:SWARM_ADMIN',
        }),
      ),
    );
    const objs = Array.from({ length: 5 }, (_, i) => sim.cluster('baker').put({ body: `systemd ${i}` }));
    for (const o of objs)
      await local.sqs.send(
        new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
      );
    const trace = join(dir, 'strace.out');
    const [exec] = directive(unit, 'ExecStart');
    const argv = [
      ...exec!.split(' '),
      '--metrics-port',
      '0',
      '--queue-url',
      queue,
      '--dlq-url',
      dlq,
      '--registry',
      registry,
      '--sqs-endpoint',
      byName(local.fauxqs.address),
      '--until-idle',
      '--idle-seconds',
      '1',
      '--timeout',
      '120',
      '--json',
    ];
    // The unit's environment: its Environment= lines, then the settings a worker.env would give.
    const env = Object.fromEntries(directive(unit, 'Environment').map((e) => e.split('=', 2) as [string, string]));
    const traced = spawn('strace', ['-f', '-qq', '-o', trace, ...argv], {
      env: { ...env, PATH: '/usr/bin:/bin', SWARM_ADMIN: JSON.stringify({ username: 'admin', password: PASSWORD }) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = traced;
    let stdout = '';
    let stderr = '';
    traced.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    traced.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => traced.on('exit', (c) => resolve(c)));
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ records: 5, replicated: 5 });
    expect(objs.every((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toBe(true);
    const attrs = await local.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.replace('localhost', '127.0.0.1'), AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');

    const lines = readFileSync(trace, 'utf8').split('\n');
    const used = new Set(lines.map((l) => /^\d+\s+([a-z0-9_]+)\(/.exec(l)?.[1]).filter((c) => c !== undefined));
    const allowed = allowedSyscalls(unit);
    expect([...used].filter((c) => !allowed.has(c)).sort()).toEqual([]);
    const families = new Set(
      lines.map((l) => /^\d+\s+socket\((AF_[A-Z0-9]+)/.exec(l)?.[1]).filter((f) => f !== undefined),
    );
    const permitted = directive(unit, 'RestrictAddressFamilies').flatMap((v) => v.split(/\s+/));
    expect([...families].filter((f) => !permitted.includes(f))).toEqual([]);
    expect(families.has('AF_INET')).toBe(true);
  }, 180_000);
});
