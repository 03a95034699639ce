import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import '../helpers/cli.js'; // dist/ is built before it is packed
import { scratchDir } from '../helpers/scratch.js';
import { startLocalSqs, type LocalSqs } from '../helpers/sqs.js';
import { pairRegistryDocument } from '../../local/pair-registry.js';
import { startSimulator, type SwarmSimulator } from '../../simulator/index.js';
import { ROOT, installedVersion, npmInstall, pack } from './helpers.js';

// The runtime package as an operator installs it on a worker host: `npm pack`, then
// `npm install --omit=dev` of the tarball in an empty directory (dependencies from the registry),
// and its `swarm-send worker` drains a queue: fauxqs and the Swarm simulator run in this process.

const PASSWORD = 'Package-Worker-Pa55';
const OBJECTS = 5;

describe('the packed runtime package, installed with production dependencies only in an empty directory', () => {
  const dir = scratchDir('swarm-send-runtime-install-');
  const host = join(dir, 'host');
  let local: LocalSqs;
  let sim: SwarmSimulator;
  let warnings = '';
  /** The simulated pair as the installed commands read it (written once the simulator runs). */
  const registry = join(dir, 'registry.json');

  beforeAll(async () => {
    const tarball = pack(ROOT, dir);
    mkdirSync(host);
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'worker-host', private: true }));
    warnings = npmInstall(['--omit=dev', '--prefer-offline', tarball], host);
    local = await startLocalSqs();
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 2, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
    const document = pairRegistryDocument({
      source: sim.cluster('baker').addresses,
      dr: sim.cluster('dr').addresses,
      credentials: 'env:SWARM_ADMIN',
    });
    writeFileSync(registry, JSON.stringify(document));
  }, 300_000);

  afterAll(async () => {
    await sim?.close();
    await local?.close();
  });

  it('holds the runtime dependencies and none of the build, test or CDK tools', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(installedVersion(host, 'swarm-send')).toBe(version);
    for (const present of ['undici', 'fauxqs', 'zod', '@middy/core', '@aws-sdk/client-sqs', 'prom-client'])
      expect(existsSync(join(host, 'node_modules', present))).toBe(true);
    for (const absent of ['esbuild', 'typescript', 'tsx', 'jest', 'aws-cdk-lib', 'constructs', 'cdk-nag', 'node'])
      expect(existsSync(join(host, 'node_modules', absent))).toBe(false);
    expect(warnings).not.toContain('EBADENGINE');
  });

  it("drains a queue with the installed package's swarm-send worker", async () => {
    const { fauxqs, sqs } = local;
    const queue = fauxqs.createQueue('package-send', { attributes: { VisibilityTimeout: '30' } }).queueUrl;
    const dlq = fauxqs.createQueue('package-dlq').queueUrl;
    const objects = Array.from({ length: OBJECTS }, (_, i) => sim.cluster('baker').put({ body: `object ${i}` }));
    for (const o of objects)
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
      );

    const bin = join(host, 'node_modules', '.bin', 'swarm-send');
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      // The timeout kills the worker should it never go idle: no process outlives the test.
      execFile(
        process.execPath,
        [bin, 'worker', '--sqs-endpoint', fauxqs.address, '--queue-url', queue, '--dlq-url', dlq].concat([
          '--registry',
          registry,
          '--until-idle',
          '--idle-seconds',
          '1',
          '--timeout',
          '40',
        ]),
        {
          cwd: host,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/tmp',
            SWARM_ADMIN: JSON.stringify({ username: 'admin', password: PASSWORD }),
          },
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
      );
    });

    expect(run.output).not.toContain(PASSWORD);
    expect({ code: run.code, output: run.code === 0 ? '' : run.output }).toStrictEqual({ code: 0, output: '' });
    for (const o of objects) expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    const depth = async (url: string) => {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
      return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
    };
    expect(await depth(queue)).toBe(0);
    expect(await depth(dlq)).toBe(0);
  }, 180_000);

  it("answers check, send and reconcile with the installed package's swarm-send", async () => {
    const o = sim
      .cluster('baker')
      .put({ body: 'checked, sent, reconciled', created: new Date(Date.now() - 3_600_000) });
    // Asynchronous: the simulator answering these commands runs in this process.
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(host, 'node_modules', '.bin', 'swarm-send'), ...args],
          {
            cwd: host,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? '/tmp',
              SWARM_ADMIN: JSON.stringify({ username: 'admin', password: PASSWORD }),
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) => {
            expect(stdout + stderr).not.toContain(PASSWORD);
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout });
          },
        );
      });
    const before = await cli('check', o.uuid, '--registry', registry, '--json');
    expect({ code: before.code, category: (JSON.parse(before.stdout) as { category: string }).category }).toEqual({
      code: 3,
      category: 'missing-on-dr',
    });
    const sent = await cli('send', o.uuid, '--registry', registry);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: 'replicated' });
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    const after = await cli('check', o.uuid, '--registry', registry, '--json');
    expect({ code: after.code, category: (JSON.parse(after.stdout) as { category: string }).category }).toEqual({
      code: 0,
      category: 'in-sync',
    });
    const reconciled = await cli('reconcile', '--registry', registry, '--unnamed', '--json');
    const summary = JSON.parse(reconciled.stdout) as { complete: boolean };
    expect({ code: reconciled.code, complete: summary.complete }).toEqual({ code: 0, complete: true });
  }, 180_000);

  it('names a dependency missing from a damaged install and how to reinstall, instead of a stack trace', () => {
    const undici = join(host, 'node_modules', 'undici');
    renameSync(undici, `${undici}.away`);
    try {
      const r = spawnSync(process.execPath, [join(host, 'node_modules', '.bin', 'swarm-send'), 'worker', '--help'], {
        cwd: host,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
        timeout: 60_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        'swarm-send: this command needs the package "undici", a dependency of swarm-send that is not installed. ' +
          'Reinstall swarm-send (`npm install swarm-send`; in a checkout, `npm ci --omit=dev`), or `npm install undici`.\n',
      );
    } finally {
      renameSync(`${undici}.away`, undici);
    }
  });
});
