import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { scratchDir } from '../../helpers/scratch.js';
import { writeSimulatorRegistry } from '../../helpers/swarm.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';

const PASSWORD = 'cli-test-Secret-42';
const dir = scratchDir('swarm-send-send-');

describe('swarm-send send (subprocess)', () => {
  let sim: SwarmSimulator;
  let flags: string[];
  beforeAll(async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 2, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
    flags = [
      '--source',
      sim.cluster('baker').addresses.join(','),
      '--cluster',
      'dr',
      '--target',
      sim.cluster('dr').addresses[0]!,
    ];
  });
  afterAll(async () => {
    await sim.close();
  });
  const env = { SWARM_PASSWORD: PASSWORD };

  it('prints replicated (exit 0), then already-present (exit 0), as one JSON line each', async () => {
    const obj = sim.cluster('baker').put({ body: 'cli', alias: true });
    const first = await runCli(['send', obj.uuid, '--alias', ...flags], { env });
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(first.stdout)).toMatchObject({
      outcome: 'replicated',
      reason: 'created',
      remoteStatus: 201,
      httpStatus: 200,
      object: { uuid: obj.uuid, alias: true },
      to: 'dr',
    });
    const second = await runCli(['send', obj.uuid, '--alias', ...flags], { env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ outcome: 'already-present', remoteStatus: 409 });
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  });

  it('sends a named object given as bucket/name with --domain', async () => {
    sim.cluster('baker').put({ domain: 'baker', bucket: 'b1', name: 'dir/file ü.txt', body: 'x' });
    const r = await runCli(['send', 'b1/dir/file ü.txt', '--domain', 'baker', ...flags], { env });
    expect(r.code).toBe(0);
    expect(sim.cluster('dr').has({ domain: 'baker', bucket: 'b1', name: 'dir/file ü.txt' })).toBe(true);
  });

  it('exits 75 on a transient failure (retry)', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    sim.faults.add({ match: { object: obj.uuid }, kind: { type: 'remote-status', status: 503 } });
    const r = await runCli(['send', obj.uuid, ...flags], { env });
    expect(r.code).toBe(75);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'retry', reason: 'remote-unavailable', remoteStatus: 503 });
  });

  it('exits 1 on rejected credentials, and no output names the password', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    const wrong = 'Wrong-Pass-99';
    const r = await runCli(['send', obj.uuid, ...flags, '--remote-auth', `admin:${PASSWORD}`], {
      env: { SWARM_PASSWORD: wrong },
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'failed', reason: 'auth-rejected', httpStatus: 401 });
    for (const secret of [wrong, PASSWORD]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it.each([
    [['send'], 'give exactly one object'],
    [
      ['send', 'nope', '--source', '127.0.0.1:1', '--cluster', 'dr', '--target', '127.0.0.1:2'],
      'neither a 32-hex UUID nor bucket/name',
    ],
    [['send', 'a'.repeat(32), '--cluster', 'dr', '--target', '127.0.0.1:2'], '--source is required'],
    [
      [
        'send',
        'a'.repeat(32),
        '--source',
        '127.0.0.1:1',
        '--cluster',
        'dr',
        '--target',
        '127.0.0.1:2',
        '--feed-id',
        'x',
      ],
      '--feed-id "x"',
    ],
    [['send', '--bogus'], 'unknown flag --bogus'],
    [
      [
        'send',
        'a'.repeat(32),
        '--source',
        '127.0.0.1:1',
        '--cluster',
        'dr',
        '--target',
        '127.0.0.1:2',
        '--feed-type',
        'all',
      ],
      'names no replicationFeeds',
    ],
    [
      [
        'send',
        'a'.repeat(32),
        '--source',
        '127.0.0.1:1',
        '--cluster',
        'dr',
        '--target',
        '127.0.0.1:2',
        '--feed-type',
        'search',
        '--replication-feed',
        '2',
      ],
      'includes none of route',
    ],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('exits 2 when no password is configured', async () => {
    const r = await runCli(['send', 'a'.repeat(32), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWARM_PASSWORD');
  });

  it('has --help on the command and the command list', async () => {
    const help = await runCli(['send', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 replicated or already-present, 75 retry');
    const list = await runCli(['--help']);
    for (const c of ['send', 'enqueue', 'redrive', 'status', 'simulate', 'dev'])
      expect(list.stdout).toContain(`  ${c} `);
  });

  describe('with --registry', () => {
    let registry: string;
    beforeAll(() => {
      registry = writeSimulatorRegistry(join(dir, 'registry.json'), sim, 'env:SWARM_ADMIN');
    });
    const registryEnv = { SWARM_ADMIN: JSON.stringify({ username: 'admin', password: PASSWORD }) };

    it('SENDs along the registry route, with its nodes, target and credentials (exit 0)', async () => {
      const obj = sim.cluster('baker').put({ body: 'via the registry' });
      const r = await runCli(['send', obj.uuid, '--registry', registry], { env: registryEnv });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        outcome: 'replicated',
        remoteStatus: 201,
        from: 'primary',
        to: 'dr',
      });
      expect(r.stdout).not.toContain(PASSWORD);
      expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });

    it('takes the registry from SWARM_SEND_REGISTRY_FILE too, and --from/--to name its route', async () => {
      const obj = sim.cluster('baker').put({ body: 'via the variable' });
      const r = await runCli(['send', obj.uuid, '--from', 'primary', '--to', 'dr'], {
        env: { ...registryEnv, SWARM_SEND_REGISTRY_FILE: registry },
      });
      expect([r.code, r.stderr]).toStrictEqual([0, '']);
      expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });

    it('refuses a route the registry does not configure, and flags that contradict the registry (exit 2)', async () => {
      const reverse = await runCli(
        ['send', 'a'.repeat(32), '--registry', registry, '--from', 'dr', '--to', 'primary'],
        { env: registryEnv },
      );
      expect(reverse.code).toBe(2);
      expect(reverse.stderr).toContain('no configured route from "dr" to "primary" (configured: primary->dr)');
      const both = await runCli(['send', 'a'.repeat(32), '--registry', registry, '--target', '127.0.0.1:1'], {
        env: registryEnv,
      });
      expect([both.code, both.stderr]).toStrictEqual([
        2,
        'swarm-send send: --target: with a registry, the route comes from it (give one or the other)\n' +
          'Run "swarm-send send --help" for usage.\n',
      ]);
    }, 90_000);
  });
});
