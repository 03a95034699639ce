import { UsageError } from '../../../cli/command.js';
import { simulateCommand } from '../../../cli/simulate.js';
import { captureIo } from '../../helpers/command-io.js';
import { basicHeader, RawConnection, request } from '../../helpers/raw-client.js';

const SECRET = 'cli-test-secret-9931';

const fakeIo = () => captureIo({ SWARM_PASSWORD: SECRET });

async function until(check: () => boolean): Promise<void> {
  // Up to 10 s: a busy 2-core machine can take seconds to start a simulator.
  const end = Date.now() + 10_000;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe('swarm-send simulate', () => {
  it('prints one JSON line, serves SENDs with the SWARM_PASSWORD admin, and stops on abort', async () => {
    const { io, out, err, abort } = fakeIo();
    const running = simulateCommand.run({ json: true, 'source-nodes': '3', 'seed-objects': '2' }, [], io);
    await until(() => out().includes('\n'));
    const info = JSON.parse(out().trim()) as {
      clusters: { role: string; name: string; nodes: string[] }[];
      seeded: string[];
      example: string;
    };
    const [source, dr] = info.clusters;
    expect(source).toMatchObject({ role: 'source', name: 'baker' });
    expect(source?.nodes).toHaveLength(3);
    expect(dr).toMatchObject({ role: 'dr', name: 'dr' });
    expect(info.seeded).toHaveLength(2);
    expect(info.example).toContain(`--target ${dr?.nodes[0] ?? ''}`);

    const node = source?.nodes[0] ?? '';
    const conn = await RawConnection.open(node);
    const res = await conn.exchange(
      request('SEND', `/${info.seeded[0] ?? ''}?alias&admin`, node, {
        'Castor-System-Cluster': 'dr',
        'Castor-System-Target': dr?.nodes[0] ?? '',
        Authorization: basicHeader('admin', SECRET),
      }),
    );
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    conn.close();

    abort();
    await expect(running).resolves.toBe(0);
    expect(out() + err()).not.toContain(SECRET);
  });

  it('prints the addresses and a ready-to-paste send command without the password', async () => {
    const { io, out, abort } = fakeIo();
    const running = simulateCommand.run({ 'source-name': 'primary', 'dr-name': 'backup', password: SECRET }, [], io);
    await until(() => out().includes('swarm-send send'));
    abort();
    await expect(running).resolves.toBe(0);
    const text = out();
    expect(text).toMatch(/source cluster "primary": 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/);
    expect(text).toMatch(/DR cluster "backup": 127\.0\.0\.1:\d+/);
    expect(text).toMatch(
      /swarm-send send [0-9a-f]{32} --alias --source 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+ --cluster backup --target 127\.0\.0\.1:\d+/,
    );
    expect(text).toContain('SWARM_PASSWORD');
    expect(text).not.toContain(SECRET);
  });

  it('with the default password, the Try line carries it, so it pastes and runs as printed', async () => {
    const { io, out, abort } = fakeIo();
    const running = simulateCommand.run({}, [], { ...io, env: {} });
    await until(() => out().includes('swarm-send send'));
    abort();
    await expect(running).resolves.toBe(0);
    expect(out()).toMatch(/Try:\n {2}SWARM_PASSWORD=ourpwdofchoicehere swarm-send send [0-9a-f]{32} --alias /);
  });

  it('rejects bad flags with a UsageError', async () => {
    const { io } = fakeIo();
    await expect(simulateCommand.run({ 'source-port': 'abc' }, [], io)).rejects.toBeInstanceOf(UsageError);
    await expect(simulateCommand.run({ 'source-name': 'x', 'dr-name': 'x' }, [], io)).rejects.toThrow(/must differ/);
  });

  it('documents its flags', () => {
    expect(simulateCommand.name).toBe('simulate');
    for (const flag of Object.keys(simulateCommand.options)) expect(simulateCommand.help).toContain(`--${flag}`);
  });
});
