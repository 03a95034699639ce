import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BIN } from '../../helpers/cli.js';
import { scratchDir } from '../../helpers/scratch.js';
import { eventually, jsonLines } from '../../helpers/worker.js';

// The worker in two commands on the embedded default (docs/on-premises.md): `swarm-send
// simulate --with-queues` in one terminal, then the worker command line it prints in a second,
// then the enqueue command line it prints. Each line runs in bash exactly as printed, with a
// `swarm-send` on PATH that is this checkout's launcher, as `npm install -g` would give.

interface Running {
  readonly child: ChildProcess;
  out(): string;
  readonly exited: Promise<number | null>;
}

const dir = scratchDir('swarm-send-simulate-queues-');
const shim = join(dir, 'bin');
const running: Running[] = [];

function bash(line: string, onPath = true): Running {
  // The printed lines name Node and the launcher by absolute path: they run with no `swarm-send`
  // on PATH (as after a local `npm install`), so they get none.
  const child = spawn('bash', ['-c', `exec ${line}`], {
    env: { PATH: onPath ? `${shim}:${process.env.PATH ?? ''}` : '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const r = { child, out: () => out, exited };
  running.push(r);
  return r;
}

beforeAll(() => {
  mkdirSync(shim);
  writeFileSync(join(shim, 'swarm-send'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
});
afterEach(async () => {
  // A failed assertion leaves no simulator, worker or enqueue behind.
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await r.exited;
  }
});

/** The line after the one that starts with `heading`, trimmed: a printed command line. */
function lineAfter(text: string, heading: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(heading));
  return i >= 0 ? (lines[i + 1] ?? '').trim() : '';
}

describe('swarm-send simulate --with-queues, then the worker and enqueue lines it prints', () => {
  it('drains the seeded objects through the worker into the DR cluster; Ctrl-C stops everything and removes the registry', async () => {
    const sim = bash('swarm-send simulate --with-queues');
    await eventually(() => sim.out().includes(' enqueue --queue-url'), 30_000, 'the printed command lines');
    const text = sim.out();
    const workerLine = lineAfter(text, 'Run the worker in a second terminal');
    const enqueueLine = lineAfter(text, 'Then give it the seeded objects');
    expect(workerLine).toMatch(
      /^\/\S+\/node \/\S+ worker --queue-url http:\/\/\S+ --dlq-url \S+ --registry \S+ --sqs-endpoint http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(enqueueLine).toMatch(/^\/\S+\/node \/\S+ enqueue --queue-url \S+ --alias --file \S+ --sqs-endpoint \S+$/);
    // No secret on either line: the registry names a credentials file only its owner can read.
    expect(`${workerLine} ${enqueueLine}`).not.toMatch(/password|ourpwdofchoicehere|SWARM_/i);
    const registry = /--registry (\S+)/.exec(workerLine)![1]!;
    expect(statSync(join(registry, '..', 'admin.json')).mode & 0o777).toBe(0o600);
    const seeded = /seeded alias objects: (.*)/.exec(text)![1]!.split(' ');
    expect(seeded).toHaveLength(3);

    const worker = bash(workerLine, false);
    await eventually(
      () => jsonLines(worker.out()).some((l) => l.message === 'swarm-send worker started'),
      30_000,
      'the worker to start',
    );
    const enqueue = bash(enqueueLine, false);
    expect(await enqueue.exited).toBe(0);
    expect(enqueue.out()).toContain('enqueued 3 messages');

    // Each seeded object's SEND ends replicated (the simulator's DR answered 201), and the queue empties.
    const replicated = () =>
      jsonLines(worker.out())
        .filter((l) => l.outcome === 'replicated')
        .map((l) => (l.object as { uuid: string }).uuid);
    await eventually(() => replicated().length === 3, 60_000, 'three replicated outcomes');
    expect(replicated().sort()).toEqual([...seeded].sort());
    const queueUrl = /--queue-url (\S+)/.exec(workerLine)![1]!;
    const endpoint = /--sqs-endpoint (\S+)/.exec(workerLine)![1]!;
    const sqs = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      await eventually(
        async () => {
          const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] })))
            .Attributes!;
          return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0';
        },
        30_000,
        'the queue to empty',
      );
    } finally {
      sqs.destroy();
    }

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    expect(existsSync(registry)).toBe(false);
  }, 120_000);
});
