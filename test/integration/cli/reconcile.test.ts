import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { main } from '../../../cli/main.js';
import { parseSendMessage } from '../../../functions/core/message/message.js';
import { SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../../simulator/index.js';
import { runCli } from '../../helpers/cli.js';
import { scratchDir } from '../../helpers/scratch.js';
import { writeSimulatorRegistry } from '../../helpers/swarm.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

const ENV = {
  SWARM_TEST_ADMIN: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }),
};
const HOUR_AGO = () => new Date(Date.now() - 3600_000);
let sim: SwarmSimulator;
let dir: string;
let registry: string;

beforeEach(async () => {
  sim = await startSimulatorPair();
  dir = scratchDir('reconcile-cli-');
  registry = writeSimulatorRegistry(join(dir, 'registry.json'), sim, 'env:SWARM_TEST_ADMIN');
});

afterEach(async () => {
  await sim.close();
});

/** Source objects o00..o(n-1) in bucket b, copied to DR except the `missing` indexes. */
function objects(n: number, missing: number[]): void {
  for (let i = 0; i < n; i++) {
    const o = sim
      .cluster('baker')
      .put({ bucket: 'b', name: `o${String(i).padStart(2, '0')}`, body: `body ${i}`, created: HOUR_AGO() });
    if (!missing.includes(i))
      sim.cluster('dr').put({ ...o, domain: 'baker', bucket: 'b', name: o.name!, created: o.created });
  }
}

/** Runs the command in this process (so the test can press Ctrl-C through the signal). */
async function inProcess(
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, { stdout: out, stderr: err, env: ENV, signal: signal ?? new AbortController().signal });
  return { code, stdout, stderr };
}

describe('swarm-send reconcile', () => {
  test('a dry run reports the missing objects (exit 3), --send repairs them (exit 0), and a rerun finds the clusters in sync', async () => {
    objects(6, [1, 4]);
    const report = join(dir, 'report.jsonl');
    const dry = await runCli(['reconcile', '--registry', registry, '--report', report], { env: ENV });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(3);
    expect(dry.stdout).toMatch(/missing-on-dr\s+2\n/);
    // What the run saw: rows and pages per side, and whether every listing ended.
    expect(dry.stdout).toContain(
      '  listed            source 6 rows in 1 pages, 1 of 1 listings ended · DR 4 rows in 1 pages, 1 of 1 listings ended\n',
    );
    expect(dry.stdout).toContain(
      '  complete          yes: every listing on both clusters ended as the protocol ends one\n',
    );
    const lines = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'scope')).toMatchObject({
      scope: 'named:baker/b',
      complete: true,
      listing: { source: { rows: 6, ended: 'empty-page', objectCount: 6 }, dr: { rows: 4, objectCount: 4 } },
    });
    const found = lines.filter((l) => l.type === 'object');
    expect(found.map((l) => [l.type, l.object.name, l.category, l.head.dr.status])).toEqual([
      ['object', 'o01', 'missing-on-dr', 404],
      ['object', 'o04', 'missing-on-dr', 404],
    ]);
    expect(sim.cluster('dr').objectCount).toBe(4);

    const send = await runCli(['reconcile', '--registry', registry, '--send', '--json'], { env: ENV });
    expect(send.code).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({
      mode: 'send',
      complete: true,
      discovery: [],
      scopes: [
        {
          scope: 'named:baker/b',
          complete: true,
          listing: {
            source: { rows: 6, pages: 1, ended: 'empty-page', objectCount: 6 },
            dr: { rows: 4, pages: 1, ended: 'empty-page', objectCount: 6 },
          },
          warnings: [],
        },
      ],
      repairs: { sent: 2 },
      totals: { compared: 6 },
    });
    expect(sim.cluster('dr').objectCount).toBe(6);

    const again = await runCli(['reconcile', '--registry', registry, '--json'], { env: ENV });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).totals.counts).toMatchObject({ 'in-sync': 6, 'missing-on-dr': 0 });
  }, 60_000);

  test('a listing that fails for the walk (search off on DR) ends as try-again-later (75) with the scope error in the report', async () => {
    objects(3, []);
    sim.cluster('dr').searchEnabled = false;
    const report = join(dir, 'report.jsonl');
    const r = await runCli(['reconcile', '--registry', registry, '--bucket', 'b', '--report', report], {
      env: ENV,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(75);
    expect(r.stdout).toMatch(/1 failed: named:baker\/b \(dr unavailable/);
    expect(r.stdout).toMatch(/complete {10}NO: 1 scope\(s\) or domain\(s\) not read to their end/);
    expect(r.stderr).toContain('error: 1 scope(s) or bucket discoveries failed; the run is not complete');
    const lines = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'scope-error')).toMatchObject({
      type: 'scope-error',
      scope: 'named:baker/b',
      side: 'dr',
      code: 'unavailable',
    });
  }, 60_000);

  test('a listed name no request can carry is a finding of its own: counted, reported, never HEADed; the run keeps its summary and a resume from that row goes on', async () => {
    const bad = 'b-\ud800-lone surrogate';
    for (const [name, onDr] of [
      ['a-missing', false],
      [bad, false],
      ['c-same', true],
    ] as const) {
      const o = sim.cluster('baker').put({ bucket: 'b', name, body: 'x', created: HOUR_AGO() });
      if (onDr) sim.cluster('dr').put({ ...o, domain: 'baker', bucket: 'b', name, created: o.created });
    }
    const report = join(dir, 'report.jsonl');
    const r = await runCli(['reconcile', '--registry', registry, '--bucket', 'b', '--report', report, '--json'], {
      env: ENV,
    });
    expect(r.code).toBe(3);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ complete: true, totals: { compared: 3 } });
    expect(summary.totals.counts).toMatchObject({ 'missing-on-dr': 1, unnameable: 1, 'in-sync': 1 });
    const lines = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // (The unnameable row is reported at once; the missing one once its HEADs are back.)
    const found = lines.filter((l) => l.type === 'object').map((l) => [l.object.name, l.category]);
    expect(found.sort()).toStrictEqual([
      ['a-missing', 'missing-on-dr'],
      [bad, 'unnameable'],
    ]);
    expect(lines.find((l) => l.category === 'unnameable')).toMatchObject({
      reasons: ['its name holds a lone UTF-16 surrogate, which no UTF-8 request can carry'],
      head: { source: null, dr: null },
      repair: null,
    });
    // The HEADs of the batch it sat in are kept: a-missing's two; none for the unnameable row.
    expect(sim.counters().byMethod.HEAD).toBe(2);

    // A checkpoint whose marker is that row (a run stopped right after it): the resume goes on.
    const checkpoint = join(dir, 'cp.json');
    const scopes = { 'named:baker/b': { marker: bad, done: false } };
    writeFileSync(checkpoint, JSON.stringify({ version: 1, runId: 'resumed', from: 'primary', to: 'dr', scopes }));
    const resumed = await runCli(
      ['reconcile', '--registry', registry, '--bucket', 'b', '--checkpoint', checkpoint, '--json'],
      {
        env: ENV,
      },
    );
    expect(resumed.stderr).toContain('continuing run resumed');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: 'resumed', complete: true, totals: { compared: 1 } });
    expect(existsSync(checkpoint)).toBe(false);
  }, 60_000);

  test('--delete-extra with --send deletes what is only on DR (the source HEAD answering 404), counts it per scope, and exits 0; a dry run refuses the flag', async () => {
    objects(2, []);
    sim.cluster('dr').put({ domain: 'baker', bucket: 'b', name: 'only-on-dr', body: 'x', created: HOUR_AGO() });
    const dry = await runCli(['reconcile', '--registry', registry, '--delete-extra'], { env: ENV });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain('--delete-extra deletes: it goes with --enqueue or --send');
    expect(sim.cluster('dr').has({ domain: 'baker', bucket: 'b', name: 'only-on-dr' })).toBe(true);
    const r = await inProcess(['reconcile', '--registry', registry, '--send', '--delete-extra', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      repairs: { deleted: 1, sent: 0 },
      totals: { counts: { 'in-sync': 2, 'extra-on-dr': 1 } },
      scopes: [{ scope: 'named:baker/b', repairs: { deleted: 1 } }],
    });
    expect(sim.cluster('dr').has({ domain: 'baker', bucket: 'b', name: 'only-on-dr' })).toBe(false);
    const table = await inProcess(['reconcile', '--registry', registry]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('deleted 0');
  }, 60_000);

  test('usage errors exit 2', async () => {
    expect((await runCli(['reconcile', '--registry', registry, '--send', '--enqueue'], { env: ENV })).code).toBe(2);
    expect((await runCli(['reconcile', '--registry', registry, '--grace', 'soon'], { env: ENV })).code).toBe(2);
    expect((await runCli(['reconcile', '--registry', join(dir, 'nope.json')], { env: ENV })).code).toBe(2);
  }, 60_000);

  test('Ctrl-C saves the checkpoint (exit 75) and the rerun continues from it to the end', async () => {
    objects(8, [0, 7]);
    const checkpoint = join(dir, 'cp.json');
    // The same command line both times: the second run continues from the checkpoint.
    const run = ['reconcile', '--registry', registry, '--bucket', 'b', '--page-size', '2'];
    run.push('--checkpoint', checkpoint, '--send', '--json');
    // The third page pair stalls; Ctrl-C arrives while it waits.
    sim.faults.add({
      match: { cluster: 'baker', listing: true, marker: 'o03' },
      times: 1,
      kind: { type: 'stall', ms: 10_000 },
    });
    const ctrlC = new AbortController();
    // Ctrl-C once the first repair (o00) went out and the walk waits on the stalled page.
    const watch = setInterval(() => {
      if (sim.counters().sends >= 1) setTimeout(() => ctrlC.abort(), 300);
      if (sim.counters().sends >= 1) clearInterval(watch);
    }, 10);
    const first = await inProcess(run, ctrlC.signal);
    clearInterval(watch);
    expect(first.code).toBe(75);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    expect(saved.scopes['named:baker/b']).toEqual({ marker: 'o03', done: false, listed: { source: 4, dr: 3 } });
    const s1 = JSON.parse(first.stdout);
    expect(s1).toMatchObject({ interrupted: true, repairs: { sent: 1 } });

    const second = await inProcess(run);
    expect(second.stderr).toContain(`continuing run ${s1.runId}`);
    expect(second.code).toBe(0);
    const s2 = JSON.parse(second.stdout);
    expect(s2.runId).toBe(s1.runId);
    expect(s1.totals.compared + s2.totals.compared).toBe(8);
    expect(s2.repairs.sent).toBe(1);
    expect(existsSync(checkpoint)).toBe(false);
    expect(sim.cluster('dr').objectCount).toBe(8);
  }, 60_000);
});

describe('swarm-send reconcile --enqueue', () => {
  test('enqueues ordinary SEND messages named by the run; different objects get feed force where the route has a replication feed', async () => {
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    const sqs = new SQSClient({
      endpoint: fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const queue = fauxqs.createQueue('sends');
      objects(3, [2]);
      const changed = sim.cluster('baker').put({ bucket: 'b', name: 'changed', body: 'new', created: HOUR_AGO() });
      sim.cluster('dr').put({
        domain: 'baker',
        bucket: 'b',
        name: 'changed',
        body: 'older',
        created: new Date(changed.created.getTime() - 5000),
      });
      const r = await runCli(
        [
          'reconcile',
          '--registry',
          registry,
          '--enqueue',
          '--queue-url',
          queue.queueUrl,
          '--sqs-endpoint',
          fauxqs.address,
          '--feed-id',
          '1',
          '--json',
        ],
        { env: ENV },
      );
      expect(r.stderr).toBe('');
      const summary = JSON.parse(r.stdout);
      expect(r.code).toBe(3); // enqueued is not yet repaired
      expect(summary.repairs).toMatchObject({ enqueued: 2, sent: 0 });
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const messages = (got.Messages ?? [])
        .map((m) => parseSendMessage(m.Body!))
        .sort((a, b) => JSON.stringify(a.object).localeCompare(JSON.stringify(b.object)));
      expect(messages).toEqual([
        {
          object: { domain: 'baker', bucket: 'b', name: 'changed' },
          from: 'primary',
          to: 'dr',
          correlationId: summary.runId,
          feeds: { ids: [1], force: true, timeout: 60 },
        },
        {
          object: { domain: 'baker', bucket: 'b', name: 'o02' },
          from: 'primary',
          to: 'dr',
          correlationId: summary.runId,
        },
      ]);
      expect(sim.counters().sends).toBe(0);
    } finally {
      sqs.destroy();
      await fauxqs.stop();
    }
  }, 60_000);
});

describe('swarm-send check', () => {
  test('answers in-sync (0), missing-on-dr (3) and different (3) with the evidence of both HEADs', async () => {
    objects(2, [1]);
    const changed = sim.cluster('baker').put({ bucket: 'b', name: 'changed', body: 'new', created: HOUR_AGO() });
    sim.cluster('dr').put({
      domain: 'baker',
      bucket: 'b',
      name: 'changed',
      body: 'older',
      created: new Date(changed.created.getTime() - 5000),
    });
    const ok = await runCli(['check', 'b/o00', '--registry', registry], { env: ENV });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^in-sync\n {2}primary +HEAD 200 {2}6 bytes/);
    const missing = await runCli(['check', 'b/o01', '--registry', registry, '--json'], { env: ENV });
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      category: 'missing-on-dr',
      source: { status: 200, bytes: 6 },
      dr: { status: 404 },
    });
    const diff = await runCli(['check', 'b/changed', '--registry', registry, '--json'], { env: ENV });
    expect(diff.code).toBe(3);
    expect(JSON.parse(diff.stdout)).toMatchObject({
      category: 'different',
      reasons: expect.arrayContaining([expect.stringMatching(/^bytes 3 != 5/)]),
    });
  }, 60_000);
});
