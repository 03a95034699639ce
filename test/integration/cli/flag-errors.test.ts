import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../cli/main.js';
import { captureIo } from '../../helpers/command-io.js';
import { scratchDir } from '../../helpers/scratch.js';

// Every command through main, in-process: a bad number, an unknown flag and a configuration
// error each end the same way for every command (exit 2, one message on stderr naming the
// flag or the problem, nothing on stdout). None of these runs reaches the network: the flags
// are checked before anything starts.

const QUEUE = 'http://127.0.0.1:9/000000000000/q';
const DLQ = 'http://127.0.0.1:9/000000000000/dlq';
const OBJECT = 'a'.repeat(32);
const SEND = ['--source', '127.0.0.1:1', '--cluster', 'dr', '--target', '127.0.0.1:2'];

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIo(env);
  const code = await main(args, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

describe('bad numbers: exit 2 with the flag, the rule and the value; never read as 0 or a default', () => {
  it.each([
    [
      'status',
      ['status', '--queue-url', QUEUE, '--peek', 'abc'],
      '--peek must be a whole number, at least 0 (got "abc")',
    ],
    ['status', ['status', '--queue-url', QUEUE, '--peek=-1'], '--peek must be a whole number, at least 0 (got "-1")'],
    [
      'redrive',
      ['redrive', '--dlq-url', DLQ, '--queue-url', QUEUE, '--max', 'lots'],
      '--max must be a positive number (got "lots")',
    ],
    ['send', ['send', OBJECT, ...SEND, '--timeout', 'abc'], '--timeout must be a positive number (got "abc")'],
    ['send', ['send', OBJECT, ...SEND, '--replication-feed', '1e3'], '--replication-feed "1e3" is not a feed id'],
    ['reconcile', ['reconcile', '--concurrency', '0'], '--concurrency must be an integer from 1 to 10000 (got "0")'],
    ['reconcile', ['reconcile', '--page-size', '10.5'], '--page-size must be an integer from 1 to 10000 (got "10.5")'],
    ['check', ['check', 'b/o', '--grace', 'soon'], '--grace "soon" is not a duration (e.g. 10m, 30s, 1h, 0)'],
    ['simulate', ['simulate', '--source-port', 'abc'], '--source-port must be an integer from 0 to 65535 (got "abc")'],
    [
      'worker',
      ['worker', '--queue-url', QUEUE, '--batch-size', 'ten'],
      '--batch-size must be an integer from 1 to 10000 (got "ten")',
    ],
    [
      'worker',
      ['worker', '--queue-url', QUEUE, '--metrics-port', '70000'],
      '--metrics-port must be an integer from 0 to 65535 (got "70000")',
    ],
    [
      'worker',
      ['worker', '--queue-url', QUEUE, '--drain-seconds', ''],
      '--drain-seconds must be a whole number, at least 0 (got "")',
    ],
    ['dev (demo)', ['dev', '--objects', '0x10'], '--objects must be a whole number, at least 1 (got "0x10")'],
    [
      'dev (queue)',
      ['dev', '--queue-url', QUEUE, '--idle-seconds', '0'],
      '--idle-seconds must be a whole number, at least 1 (got "0")',
    ],
  ])('%s: %j', async (_name, args, message) => {
    const r = await run(args, { SWARM_PASSWORD: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`swarm-send ${args[0]}: ${message}\nRun "swarm-send ${args[0]} --help" for usage.\n`);
    expect(r.stdout).toBe('');
  });
});

describe('unknown flags: exit 2 for every command', () => {
  it.each(['send', 'enqueue', 'redrive', 'status', 'reconcile', 'check', 'simulate', 'worker', 'dev'])(
    '%s --bogus',
    async (command) => {
      const r = await run([command, '--bogus']);
      expect(r.code).toBe(2);
      expect(r.stderr.startsWith(`swarm-send ${command}: unknown flag --bogus\n`)).toBe(true);
      expect(r.stderr.endsWith(`\nRun "swarm-send ${command} --help" for usage.\n`)).toBe(true);
      expect(r.stdout).toBe('');
    },
  );

  it('a flag given without its value is a usage error too', async () => {
    const r = await run(['status', '--queue-url']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--queue-url needs a value');
  });
});

describe('configuration errors end the same way for every command', () => {
  const dir = scratchDir('swarm-send-flag-errors-');
  const registry = join(dir, 'registry.json');
  writeFileSync(
    registry,
    JSON.stringify({ clusters: { p: { name: 'p', credentials: 'x' } }, defaultRoute: { from: 'p', to: 'q' } }),
  );

  it.each([
    ['reconcile', ['reconcile', '--registry', registry]],
    ['check', ['check', 'b/o', '--registry', registry]],
    [
      'worker',
      [
        'worker',
        '--queue-url',
        QUEUE,
        '--dlq-url',
        DLQ,
        '--registry',
        registry,
        '--sqs-endpoint',
        'http://127.0.0.1:9',
      ],
    ],
    [
      'dev',
      ['dev', '--queue-url', QUEUE, '--dlq-url', DLQ, '--registry', registry, '--sqs-endpoint', 'http://127.0.0.1:9'],
    ],
  ])('%s: a registry with problems exits 2 and lists each problem once', async (command, args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`swarm-send ${command}: invalid `)).toBe(true);
    expect(r.stderr.split('defaultRoute.to: no cluster "q"')).toHaveLength(2);
    expect(r.stdout).toBe('');
  });
});

describe('a command that cannot finish: one line from main, exit 1', () => {
  // Port 1 on loopback refuses connections at once.
  const down = ['--sqs-endpoint', 'http://127.0.0.1:1'];
  const queue = 'http://127.0.0.1:1/000000000000/q';
  const dir = scratchDir('swarm-send-failures-');
  const registry = join(dir, 'registry.json');
  writeFileSync(
    registry,
    JSON.stringify({
      clusters: {
        p: { name: 'p', nodes: ['127.0.0.1:2'], credentials: 'env:X' },
        q: { name: 'q', target: '127.0.0.1:3', credentials: 'env:X' },
      },
      defaultRoute: { from: 'p', to: 'q' },
    }),
  );

  it.each([
    ['status', ['status', '--queue-url', queue, ...down], 'SQS: connection refused (is the endpoint running?)'],
    [
      'redrive',
      ['redrive', '--dlq-url', queue, '--queue-url', queue, '--reason', 'x', ...down],
      'SQS: connection refused (is the endpoint running?)',
    ],
    [
      'worker',
      ['worker', '--queue-url', queue, '--dlq-url', queue, '--registry', registry, ...down],
      `${queue}: connection refused (is the endpoint running?)`,
    ],
  ])(
    '%s',
    async (command, args, message) => {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`swarm-send ${command}: ${message}\n`);
      expect(r.stdout).toBe('');
    },
    30_000,
  );

  it('enqueue: a queue that refuses every message is reported per message, exit 1, nothing counted as sent', async () => {
    const c = captureIo();
    const code = await main(['enqueue', '--queue-url', queue, ...down], {
      ...c.io,
      stdin: Readable.from([`${'b'.repeat(32)}\n`]),
    });
    expect(code).toBe(1);
    expect(c.err()).toMatch(/^message 1: not enqueued: .*ECONNREFUSED/);
    expect(c.out()).toBe('enqueued 0 messages, 1 failed\n');
  }, 30_000);
});
