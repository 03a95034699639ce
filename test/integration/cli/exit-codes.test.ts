import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../cli/main.js';
import type { SwarmSimulator } from '../../../simulator/index.js';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/worker.js';
import { HOUR_AGO, putPair, RECONCILE_ENV, startReconcilePair } from '../../helpers/reconcile-cli.js';

// Every verdict and error path of `swarm-send check` and `swarm-send reconcile`, through the real
// CLI against the simulator, with the exit code it earns (the table in docs/reconcile.md, "Exit
// codes of check and reconcile"). Ctrl-C runs the command in this process, to press it.

const ENV = {
  ...RECONCILE_ENV,
  SWARM_WRONG_ADMIN: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
};

/** A loopback port nothing listens on: a DR cluster that is down. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** A DR copy of `name` that differs from the source's (other bytes, an older version). */
function differentOnDr(sim: SwarmSimulator, name: string): void {
  const src = sim.cluster('baker').put({ bucket: 'b', name, body: 'new body', created: HOUR_AGO() });
  const created = new Date(src.created.getTime() - 5000);
  sim.cluster('dr').put({ domain: 'baker', bucket: 'b', name, body: 'old', created });
}

let sim: SwarmSimulator;
let dir: string;
let registry: string;
afterEach(async () => {
  await sim?.close();
});

async function pair(o: Parameters<typeof startReconcilePair>[1] = {}): Promise<void> {
  ({ sim, dir, registry } = await startReconcilePair('exit-codes-', o));
}

describe('swarm-send check: one exit code per verdict', () => {
  it.each([
    ['in-sync', 0, () => putPair(sim, 'b', 'x')],
    ['missing-on-dr', 3, () => putPair(sim, 'b', 'x', { missing: true })],
    ['different', 3, () => differentOnDr(sim, 'x')],
    ['extra-on-dr', 3, () => void sim.cluster('dr').put({ domain: 'baker', bucket: 'b', name: 'x', body: 'dr only' })],
    ['too-new', 75, () => putPair(sim, 'b', 'x', { created: new Date() })],
    ['gone-from-source', 1, () => undefined],
  ])(
    '%s exits %i',
    async (category, code, setup) => {
      await pair();
      setup();
      const r = await runCli(['check', 'b/x', '--registry', registry, '--json'], { env: ENV });
      expect(JSON.parse(r.stdout).category).toBe(category);
      expect(r.code).toBe(code);
    },
    60_000,
  );

  it('unconfirmed (DR down: its HEAD gets no answer) exits 75, try again later', async () => {
    await pair({ drNodes: [await closedPort()] });
    putPair(sim, 'b', 'x', { missing: true });
    const r = await runCli(['check', 'b/x', '--registry', registry, '--json'], { env: ENV });
    expect(JSON.parse(r.stdout)).toMatchObject({ category: 'unconfirmed', dr: { status: null } });
    expect(r.code).toBe(75);
  }, 60_000);

  it('usage and configuration errors exit 2', async () => {
    await pair();
    expect((await runCli(['check', 'b/x', 'b/y', '--registry', registry], { env: ENV })).code).toBe(2);
    expect((await runCli(['check', 'b/x', '--registry', join(dir, 'none.json')], { env: ENV })).code).toBe(2);
  }, 60_000);
});

describe('swarm-send reconcile: one exit code per verdict and per way a run ends', () => {
  const reconcile = async (...extra: string[]) => {
    const r = await runCli(['reconcile', '--registry', registry, '--json', ...extra], { env: ENV });
    return { code: r.code, stderr: r.stderr, summary: r.stdout ? JSON.parse(r.stdout) : null };
  };

  it.each([
    ['in-sync', 'in-sync', 0, [], () => putPair(sim, 'b', 'x')],
    ['missing-on-dr (dry run)', 'missing-on-dr', 3, [], () => putPair(sim, 'b', 'x', { missing: true })],
    [
      'missing-on-dr, repaired by --send',
      'missing-on-dr',
      0,
      ['--send'],
      () => putPair(sim, 'b', 'x', { missing: true }),
    ],
    ['different, not repairable without a feed', 'different', 3, ['--send'], () => differentOnDr(sim, 'x')],
    [
      'missing-on-dr, its repair SEND refused (403)',
      'missing-on-dr',
      3,
      ['--send'],
      () => {
        putPair(sim, 'b', 'x', { missing: true });
        sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'status', status: 403 } });
      },
    ],
    [
      'extra-on-dr',
      'extra-on-dr',
      3,
      [],
      () => {
        putPair(sim, 'b', 'y');
        sim.cluster('dr').put({ domain: 'baker', bucket: 'b', name: 'x', body: 'dr only', created: HOUR_AGO() });
      },
    ],
    [
      'too-new (and nothing divergent)',
      'too-new',
      0,
      [],
      () => putPair(sim, 'b', 'x', { missing: true, created: new Date() }),
    ],
    [
      'unconfirmed (DR answers its HEAD 503): no proof either way, try again later',
      'unconfirmed',
      75,
      [],
      () => {
        putPair(sim, 'b', 'x', { missing: true });
        sim.faults.add({ match: { cluster: 'dr', method: 'HEAD' }, kind: { type: 'status', status: 503 } });
      },
    ],
    [
      'gone-from-source (deleted after the listing saw it)',
      'gone-from-source',
      0,
      [],
      () => {
        putPair(sim, 'b', 'x', { missing: true });
        putPair(sim, 'b', 'y');
        sim.cluster('baker').indexLagMs = 3600_000;
        sim.cluster('baker').delete({ domain: 'baker', bucket: 'b', name: 'x' });
      },
    ],
  ])(
    '%s (%s) exits %i',
    async (_what, category, code, flags, setup) => {
      await pair();
      setup();
      const { code: got, summary } = await reconcile(...flags);
      expect(summary.totals.counts[category]).toBe(1);
      expect(got).toBe(code);
    },
    60_000,
  );

  it.each([
    [
      'for good (a source page that is not a listing): exit 1',
      { side: 'source', code: 'bad-page', transient: false },
      1,
      () => {
        putPair(sim, 'b', 'o1');
        sim.faults.add({
          match: { cluster: 'baker', listing: true, marker: 'o0' },
          kind: { type: 'bad-listing', body: 'not-array' },
        });
      },
    ],
    [
      'for now (DR search off: 503): exit 75',
      { side: 'dr', code: 'unavailable', transient: true },
      75,
      () => void (sim.cluster('dr').searchEnabled = false),
    ],
  ])(
    'a scope that fails %s',
    async (_what, error, code, setup) => {
      await pair();
      putPair(sim, 'b', 'o0');
      setup();
      const r = await reconcile('--bucket', 'b', '--page-size', '1');
      expect(r.summary.scopes[0].error).toMatchObject(error);
      expect(r.code).toBe(code);
    },
    60_000,
  );

  it.each([
    ['for now (DR search off: 503): exit 75', {}, 75, (): void => void (sim.cluster('dr').searchEnabled = false)],
    [
      'for good (DR refuses the credentials: 401): exit 1',
      { drCredentials: 'env:SWARM_WRONG_ADMIN' },
      1,
      (): void => undefined,
    ],
  ])(
    'bucket discovery that fails %s: a summary that names the domain and claims nothing complete',
    async (_what, options, code, setup) => {
      await pair(options);
      putPair(sim, 'b', 'x');
      setup();
      const r = await reconcile();
      expect(r.stderr).toContain('bucket discoveries failed; the run is not complete');
      expect(r.summary.complete).toBe(false);
      expect(r.summary.discovery).toEqual([
        expect.objectContaining({ kind: 'discovery-failed', domain: 'baker', side: 'dr', transient: code === 75 }),
      ]);
      expect(r.code).toBe(code);
    },
    60_000,
  );

  it('usage and configuration errors exit 2', async () => {
    await pair();
    expect((await reconcile('--send', '--enqueue')).code).toBe(2);
    expect((await runCli(['reconcile', '--registry', join(dir, 'none.json')], { env: ENV })).code).toBe(2);
  }, 60_000);
});

describe('swarm-send reconcile stopped by Ctrl-C', () => {
  it('in the middle of a scope, while a repair SEND is in flight (no scope error), exits 75, try again later', async () => {
    await pair();
    // x0 is missing; the walk confirms it when the next page comes, and its SEND stalls.
    putPair(sim, 'b', 'x0', { missing: true });
    for (const n of ['x1', 'x2']) putPair(sim, 'b', n);
    sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'stall', ms: 30_000 } });
    const ctrlC = new AbortController();
    const out = new PassThrough();
    let stdout = '';
    out.on('data', (d) => (stdout += d));
    const run = main(['reconcile', '--registry', registry, '--send', '--json', '--page-size', '1'], {
      stdout: out,
      stderr: new PassThrough().resume(),
      env: ENV,
      signal: ctrlC.signal,
    });
    await eventually(() => sim.counters().sends >= 1, 30_000, 'the repair SEND');
    ctrlC.abort();
    const code = await run;
    expect(JSON.parse(stdout)).toMatchObject({ interrupted: true, scopes: [{ error: null }] });
    expect(code).toBe(75);
  }, 60_000);
});
