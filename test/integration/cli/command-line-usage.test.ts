import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.js';
import { startProcess } from '../../helpers/processes.js';
import { scratchDir } from '../../helpers/scratch.js';

// What the built binary tells a user who gets something wrong, each through the real binary as
// a subprocess: one wording of a command-line mistake for every command, a registry that is not
// JSON or names no cluster, help that says what each command reads, the worker's missing DLQ
// named by its flag, and the exit code of a missing dependency. (`send --registry` is in send.test.ts.)
// A test that starts the CLI more than once gets 90 s: on a busy 2-core machine one start can take seconds.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QUEUE = 'http://127.0.0.1:9/000000000000/q';
const DLQ = 'http://127.0.0.1:9/000000000000/dlq';
const OBJECT = 'a'.repeat(32);
const COMMANDS = ['send', 'enqueue', 'redrive', 'status', 'reconcile', 'check', 'simulate', 'worker', 'dev'];
const usage = (command: string, message: string) =>
  `swarm-send ${command}: ${message}\nRun "swarm-send ${command} --help" for usage.\n`;
const dir = scratchDir('swarm-send-usage-');
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('one wording for a command-line mistake, whatever the command', () => {
  it.each(COMMANDS)('%s --bogus: "unknown flag --bogus", exit 2', async (command) => {
    const r = await runCli([command, '--bogus']);
    expect([r.code, r.stdout, r.stderr]).toStrictEqual([2, '', usage(command, 'unknown flag --bogus')]);
  });

  it.each([
    [['status', '--queue-url'], 'status', '--queue-url needs a value'],
    [
      ['status', '--queue-url', '--json'],
      'status',
      '--queue-url needs a value, not the flag "--json" (write --queue-url=--json if that is the value)',
    ],
    [['send', OBJECT, '--alias=yes'], 'send', '--alias takes no value'],
    [['status', 'extra'], 'status', 'unexpected argument "extra": this command takes flags only'],
    [['send', OBJECT, '-x'], 'send', 'unknown flag -x'],
  ])('%j', async (args, command, message) => {
    const r = await runCli(args);
    expect([r.code, r.stdout, r.stderr]).toStrictEqual([2, '', usage(command, message)]);
  });
});

describe('a registry that is not JSON, or names no cluster, says so', () => {
  // Not JSON, with where; the file's text (here a would-be secret) stays out of the error.
  const notJson = file('not-json.json', '{"clusters": {\n  "p": {"name": "p" "x": 1}}}');
  const secretish = file('secretish.json', 'hunter2-secret-value');

  it.each([
    ['check', ['check', 'b/o', '--registry', notJson]],
    ['reconcile', ['reconcile', '--registry', notJson]],
    ['send', ['send', OBJECT, '--registry', notJson]],
  ])('%s: "not JSON" with the line and column, not "cannot read", exit 2', async (command, args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `swarm-send ${command}: invalid cluster registry ${notJson} (--registry):\n` +
        "  - registry: not JSON: Expected ',' or '}' after property value at line 2, column 21\n",
    );
  });

  it('the worker says the same of its registry', async () => {
    const r = await runCli(['worker', '--queue-url', QUEUE, '--dlq-url', DLQ, '--registry', notJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("registry: not JSON: Expected ',' or '}' after property value at line 2, column 21");
  });

  it('never quotes the file: a file that is not a registry keeps its content out of the error', async () => {
    for (const args of [
      ['check', 'b/o', '--registry', secretish],
      ['worker', '--queue-url', QUEUE, '--dlq-url', DLQ, '--registry', secretish],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("registry: not JSON: Unexpected token 'h'");
      expect(r.stderr).not.toContain('hunter2');
    }
  }, 90_000);

  it('{"clusters":{}} lists what the route lacks, from --registry or SWARM_SEND_REGISTRY', async () => {
    const empty = file('empty.json', '{"clusters":{}}');
    const expected = (origin: string, command: string) =>
      `swarm-send ${command}: invalid cluster registry ${origin}:\n` +
      '  - clusters: none (a route needs a source and a DR cluster)\n' +
      '  - no source cluster: give --from KEY, or a defaultRoute in the registry\n' +
      '  - no DR cluster: give --to KEY, or a defaultRoute in the registry\n';
    const check = await runCli(['check', 'b/o', '--registry', empty]);
    expect([check.code, check.stderr]).toStrictEqual([2, expected(`${empty} (--registry)`, 'check')]);
    const inline = await runCli(['reconcile'], { env: { SWARM_SEND_REGISTRY: '{"clusters":{}}' } });
    expect([inline.code, inline.stderr]).toStrictEqual([2, expected('inline JSON (SWARM_SEND_REGISTRY)', 'reconcile')]);
  }, 90_000);

  it('a --from naming no cluster says which clusters there are', async () => {
    const registry = file(
      'two.json',
      JSON.stringify({
        clusters: {
          p: { name: 'p', nodes: ['127.0.0.1:2'], credentials: 'env:X' },
          q: { name: 'q', nodes: ['127.0.0.1:3'], credentials: 'env:X' },
        },
      }),
    );
    const r = await runCli(['check', 'b/o', '--registry', registry, '--from', 'x', '--to', 'p']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  - --from: no cluster "x" (the registry has "p", "q")\n');
  });
});

describe('help that says what each command reads', () => {
  it.each(['check', 'reconcile', 'worker', 'send'])(
    '%s --help names the registry flag and all three registry variables',
    async (command) => {
      const r = await runCli([command, '--help']);
      expect(r.code).toBe(0);
      for (const name of [
        '--registry FILE',
        'SWARM_SEND_REGISTRY,',
        'SWARM_SEND_REGISTRY_FILE',
        'SWARM_SEND_REGISTRY_PARAMETER',
      ])
        expect([command, r.stdout.includes(name)]).toStrictEqual([command, true]);
    },
  );

  it('enqueue --help promises no registry default it cannot read', async () => {
    const r = await runCli(['enqueue', '--help']);
    expect(r.stdout).not.toContain("default: the registry's default route");
    expect(r.stdout).toContain('enqueue\n                           reads no registry');
  });
});

describe('exit codes the command line documents (docs/cli.md)', () => {
  it('a worker started with flags and no DLQ names --dlq-url, not only SWARM_SEND_DLQ_URL (exit 2)', async () => {
    const registry = file(
      'worker.json',
      JSON.stringify({
        clusters: {
          p: { name: 'p', nodes: ['127.0.0.1:2'], credentials: 'env:X' },
          q: { name: 'q', target: '127.0.0.1:3', credentials: 'env:X' },
        },
        defaultRoute: { from: 'p', to: 'q' },
      }),
    );
    const r = await runCli([
      'worker',
      '--queue-url',
      QUEUE,
      '--registry',
      registry,
      '--sqs-endpoint',
      'http://127.0.0.1:9',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '  - --dlq-url (or SWARM_SEND_DLQ_URL) must be the dead-letter queue URL (got nothing)\n',
    );
  });

  it('a missing dependency exits 2, as a configuration error does, and names the package', async () => {
    // The launcher and the bundle alone, with no node_modules anywhere above them.
    const install = join(scratchDir('swarm-send-nodeps-'), 'swarm-send');
    mkdirSync(install);
    cpSync(join(ROOT, 'bin'), join(install, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true });
    writeFileSync(join(install, 'package.json'), JSON.stringify({ name: 'swarm-send', type: 'module' }));
    const p = startProcess(process.execPath, [join(install, 'bin', 'swarm-send.js'), 'status', '--queue-url', QUEUE], {
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/^swarm-send: this command needs the package "[^"]+"/);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });
});
