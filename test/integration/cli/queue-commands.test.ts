import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BIN, runCli } from '../../helpers/cli.js';
import { startProcess } from '../../helpers/processes.js';
import { eventually } from '../../helpers/worker.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { type Fauxqs, localSqsForTests, receiveAll } from '../../helpers/sqs.js';
import { scratchDir } from '../../helpers/scratch.js';
import { writeSimulatorRegistry } from '../../helpers/swarm.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

describe('queue commands as subprocesses against fauxqs', () => {
  // Each test runs the CLI as one or more Node subprocesses: on a busy 2-core machine one start-up
  // alone can take seconds, so these get 30 s instead of Jest's default 5 s.
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  const local = localSqsForTests();
  let n = 0;
  const dir = scratchDir('swarm-send-cli-');
  beforeAll(() => ({ fauxqs, sqs } = local));
  const queues = () => {
    n += 1;
    const dlq = fauxqs.createQueue(`dlq-${n}`);
    const queue = fauxqs.createQueue(`q-${n}`, { attributes: { VisibilityTimeout: '30' } });
    return { queue: queue.queueUrl, dlq: dlq.queueUrl };
  };
  const depth = async (url: string) => {
    const a =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  };
  const bodies = async (url: string) =>
    (await receiveAll(sqs, url)).map((m) => `${m.Body}|${m.MessageAttributes?.origin?.StringValue ?? ''}`).sort();
  const endpoint = () => ['--sqs-endpoint', fauxqs.address];

  it('enqueue: sends every valid line, reports invalid ones by line number, and the count matches the queue', async () => {
    const { queue } = queues();
    const uuids = Array.from({ length: 23 }, (_, i) => i.toString(16).padStart(32, 'a'));
    const lines = [
      '# comment lines and blank lines are skipped',
      ...uuids.slice(0, 20),
      '',
      ...uuids.slice(20).map((u) => JSON.stringify({ object: { uuid: u }, correlationId: u })),
      JSON.stringify({ object: { domain: 'acme.example', bucket: 'b', name: 'x/y ü' } }),
      '{"object": {"uuid": "short"}}',
    ];
    const file = join(dir, 'sends.jsonl');
    writeFileSync(file, lines.join('\n'));
    const r = await runCli(['enqueue', '--queue-url', queue, '--file', file, '--from', 'primary', ...endpoint()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('enqueued 24 messages, 1 invalid line skipped');
    expect(r.stderr).toContain('line 27: object');
    expect(await depth(queue)).toBe(24);
  }, 30_000);

  it('enqueue: reads standard input and prints JSON', async () => {
    const { queue } = queues();
    const r = await runCli(['enqueue', '--queue-url', queue, '--json', ...endpoint()], {
      input: `${'b'.repeat(32)}\n${'c'.repeat(32)}\n`,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({ enqueued: 2, rejected: [], failed: [] });
    expect(await depth(queue)).toBe(2);
  }, 30_000);

  it('enqueue --delete: bare UUIDs become delete messages; a JSON line keeps its own op; a bad op is an invalid line', async () => {
    const { queue } = queues();
    const lines = [
      'd'.repeat(32),
      JSON.stringify({ object: { uuid: 'e'.repeat(32) }, op: 'send' }),
      JSON.stringify({ object: { uuid: 'f'.repeat(32) }, op: 'remove' }),
    ];
    const r = await runCli(['enqueue', '--queue-url', queue, '--delete', '--json', ...endpoint()], {
      input: `${lines.join('\n')}\n`,
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ enqueued: 2, rejected: [{ line: 3 }] });
    expect(await bodies(queue)).toStrictEqual(
      [
        `${JSON.stringify({ object: { uuid: 'd'.repeat(32) }, op: 'delete' })}|`,
        `${JSON.stringify({ object: { uuid: 'e'.repeat(32) }, op: 'send' })}|`,
      ].sort(),
    );
  }, 30_000);

  it('enqueue --to KEY,KEY: a bare UUID, and a JSON line whose `to` is a list, become one message per destination', async () => {
    const { queue } = queues();
    const lines = ['1'.repeat(32), JSON.stringify({ object: { uuid: '2'.repeat(32) }, to: ['dr', 'dr2', 'dr3'] })];
    const r = await runCli(['enqueue', '--queue-url', queue, '--to', 'dr,dr2', '--json', ...endpoint()], {
      input: `${lines.join('\n')}\n`,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({ enqueued: 5, rejected: [], failed: [] });
    expect(await bodies(queue)).toStrictEqual(
      [
        ...['dr', 'dr2'].map((to) => `${JSON.stringify({ object: { uuid: '1'.repeat(32) }, to })}|`),
        ...['dr', 'dr2', 'dr3'].map((to) => `${JSON.stringify({ object: { uuid: '2'.repeat(32) }, to })}|`),
      ].sort(),
    );
  }, 30_000);

  it('redrive: a dry run counts by reason; a filtered run moves exactly those; the rest follow; nothing lost or doubled', async () => {
    const { queue, dlq } = queues();
    const put = (body: string, reason: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: body,
          MessageAttributes: {
            'swarm-send.reason': { DataType: 'String', StringValue: reason },
            'swarm-send.outcome': { DataType: 'String', StringValue: '{}' },
            origin: { DataType: 'String', StringValue: 'app-1' },
          },
        }),
      );
    for (let i = 0; i < 4; i++) await put(`{"object":{"uuid":"${String(i).repeat(32)}"}}`, 'remote-unavailable');
    for (let i = 4; i < 7; i++) await put(`{"object":{"uuid":"${String(i).repeat(32)}"}}`, 'not-found-at-source');

    const dry = await runCli(['redrive', '--dlq-url', dlq, '--queue-url', queue, '--dry-run', '--json', ...endpoint()]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      matched: 7,
      moved: 0,
      byReason: { 'remote-unavailable': 4, 'not-found-at-source': 3 },
    });
    expect(await depth(queue)).toBe(0);
    expect(await depth(dlq)).toBe(7);

    const some = await runCli([
      'redrive',
      '--dlq-url',
      dlq,
      '--queue-url',
      queue,
      '--reason',
      'remote-unavailable',
      ...endpoint(),
    ]);
    expect(some.code).toBe(0);
    expect(some.stdout).toContain('moved 4 message(s) (remote-unavailable: 4)');
    expect(await depth(queue)).toBe(4);
    expect(await depth(dlq)).toBe(3);

    const rest = await runCli(['redrive', '--dlq-url', dlq, '--queue-url', queue, '--json', ...endpoint()]);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ moved: 3, failed: 0, method: 'receive-send-delete' });
    expect(await depth(dlq)).toBe(0);
    // The original bodies and the original attributes, without swarm-send's own, each exactly once.
    const moved = await bodies(queue);
    expect(moved).toStrictEqual(
      Array.from({ length: 7 }, (_, i) => `{"object":{"uuid":"${String(i).repeat(32)}"}}|app-1`).sort(),
    );
    // Three CLI subprocesses: jest's 5 s default is too short on a loaded 2-core machine.
  }, 30_000);

  it('status: depths and DLQ reasons, and the DLQ messages stay visible afterwards', async () => {
    const { queue, dlq } = queues();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'x' }));
    for (const reason of ['auth-rejected', 'auth-rejected', 'invalid-message']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq,
          MessageBody: 'y',
          MessageAttributes: { 'swarm-send.reason': { DataType: 'String', StringValue: reason } },
        }),
      );
    }
    const r = await runCli(['status', '--queue-url', queue, '--dlq-url', dlq, '--json', ...endpoint()]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      queue: { visible: 1, inFlight: 0, oldestAgeSeconds: null },
      dlq: { byReason: { 'auth-rejected': 2, 'invalid-message': 1 }, peeked: 3 },
    });
    const text = await runCli(['status', '--queue-url', queue, '--dlq-url', dlq, ...endpoint()]);
    expect(text.stdout).toMatch(/dlq\s+dlq-\d+: 3 message\(s\)/);
    expect(text.stdout).toMatch(/2 {2}auth-rejected/);
    expect(
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    ).toBe('3');
  }, 30_000);

  it('explains an unreachable endpoint and a bad flag', async () => {
    const r = await runCli([
      'status',
      '--queue-url',
      'http://127.0.0.1:1/000000000000/q',
      '--sqs-endpoint',
      'http://127.0.0.1:1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('connection refused');
    const bad = await runCli(['redrive', '--dlq-url', 'not-a-url', '--queue-url', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dlq-url "not-a-url" is not a queue URL');
  }, 30_000);

  describe('dev', () => {
    let sim: SwarmSimulator;
    afterEach(async () => {
      await sim?.close();
    });

    it('attaches the real handler to a queue and replicates what is on it, then exits when idle', async () => {
      sim = await startSimulatorPair();
      const { queue, dlq } = queues();
      const objs = Array.from({ length: 15 }, () => sim.cluster('baker').put({ body: 'x' }));
      for (const o of objs)
        await sqs.send(
          new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
        );
      await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: 'garbage' }));
      const registry = writeSimulatorRegistry(join(dir, `registry-${n}.json`), sim, 'env:SWARM_ADMIN');
      const r = await runCli(
        [
          'dev',
          '--queue-url',
          queue,
          '--dlq-url',
          dlq,
          '--registry',
          registry,
          '--until-idle',
          '--json',
          ...endpoint(),
        ],
        { env: { SWARM_ADMIN: '{"username":"admin","password":"ourpwdofchoicehere"}' } },
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        records: 16,
        replicated: 15,
        deadLettered: { 'invalid-message': 1 },
      });
      expect(objs.every((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toBe(true);
      expect(await depth(queue)).toBe(0);
      expect(await depth(dlq)).toBe(1);
    }, 30_000);

    it('Ctrl-C drains in-flight SENDs before exiting: nothing is left invisible on the queue', async () => {
      sim = await startSimulator({
        clusters: [
          { name: 'baker', nodes: 1 },
          { name: 'dr', nodes: 1 },
        ],
      });
      const { queue, dlq } = queues();
      const objs = Array.from({ length: 5 }, () => sim.cluster('baker').put({ body: 'x' }));
      // Each SEND takes about 1.5 s (slow keep-alives), so the interrupt lands mid-SEND.
      sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'slow-keepalive', count: 5, intervalMs: 300 } });
      for (const o of objs)
        await sqs.send(
          new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify({ object: { uuid: o.uuid } }) }),
        );
      const registry = writeSimulatorRegistry(join(dir, `registry-int-${n}.json`), sim, 'env:SWARM_ADMIN');
      const dev = startProcess(
        process.execPath,
        [BIN, 'dev', '--queue-url', queue, '--dlq-url', dlq, '--registry', registry, '--json', ...endpoint()],
        {
          env: { PATH: process.env.PATH ?? '', SWARM_ADMIN: '{"username":"admin","password":"ourpwdofchoicehere"}' },
        },
      );
      // The first SEND reaching the simulator: how long the CLI takes to start depends on the
      // machine's load, so the bound is generous; the child is killed whatever happens.
      await eventually(() => sim.counters().sends > 0 || dev.child.exitCode !== null, 90_000, 'the first SEND');
      expect(sim.counters().sends).toBeGreaterThan(0);
      dev.child.kill('SIGINT');
      expect(await dev.exited).toBe(0);
      const stdout = dev.stdout();
      const summary = JSON.parse(stdout) as { records: number; replicated: number };
      expect(summary.records).toBeGreaterThan(0);
      expect(summary.replicated).toBe(summary.records);
      // Every received message finished and was deleted; the rest are still waiting, visible.
      const a =
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['All'] }))).Attributes ?? {};
      expect(Number(a.ApproximateNumberOfMessagesNotVisible)).toBe(0);
      expect(Number(a.ApproximateNumberOfMessages)).toBe(objs.length - summary.records);
      expect(objs.filter((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toHaveLength(summary.records);
    }, 120_000);

    it('rejects a registry with problems, listing them, exit 2', async () => {
      const { queue, dlq } = queues();
      const registry = join(dir, 'bad-registry.json');
      writeFileSync(
        registry,
        JSON.stringify({ clusters: { p: { name: 'p', credentials: 'x' } }, defaultRoute: { from: 'p', to: 'q' } }),
      );
      const r = await runCli(['dev', '--queue-url', queue, '--dlq-url', dlq, '--registry', registry, ...endpoint()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('defaultRoute.to: no cluster "q"');
    }, 30_000);
  });
});

describe('npm start (swarm-send dev, the embedded demo)', () => {
  it('finishes on its own with a correct summary and exit 0, faults included', async () => {
    const r = await runCli(['dev', '--objects', '60'], { timeoutMs: 90_000 });
    expect(r.code).toBe(0);
    // After the first run one object is overwritten at the source and one deleted there: DR
    // follows both (the worker's copy; the proven delete), and the closing reconcile finds no
    // divergence they left.
    expect(r.stdout).toMatch(/overwrite\s+\S.*: DR's older copy replaced by the worker's copy \(stale-replaced\)\n/);
    expect(r.stdout).toMatch(/delete\s+\S.*: deleted on DR after the source proved it gone \(deleted\)\n/);
    // 57 replicated by the pipeline (58, less the one deleted) plus 3 written with no event,
    // repaired by the closing reconcile.
    expect(r.stdout).toMatch(
      /reconcile\s+60 compared, 4 missing on DR: 3 written with no event, 1 DR copy deleted\n\s+4 repaired by SEND \(8 HEADs, \d+ ms\); other divergence 0\n/,
    );
    // The first five objects go to both DR clusters: object 3, gone at the source, is dead-lettered
    // once per destination.
    expect(r.stdout).toMatch(/DR check\s+60\/60 objects present in dr, 4\/4 in dr2; DLQ holds 4 \(expected 4\)/);
    expect(r.stdout).toMatch(/per destination\s+dr: [^\n]*2 failed · dr2: [^\n]*1 failed\n/);
    expect(r.stdout).toMatch(/result\s+OK/);
    expect(r.stdout).toMatch(/not-found-at-source\s+3/);
    expect(r.stdout).toMatch(/invalid-message\s+1/);
  }, 120_000);
});
