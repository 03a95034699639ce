import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { HOUR_AGO, RECONCILE_ENV } from '../../helpers/reconcile-cli.js';
import { scratchDir } from '../../helpers/scratch.js';
import { captureIo } from '../../helpers/command-io.js';

// `check` and `reconcile` against two DR clusters (docs/fan-out.md): a default route with two
// targets, on three simulated clusters. Each DR cluster is reported on its own.

let sim: SwarmSimulator;
let dir: string;
let registry: string;

beforeEach(async () => {
  sim = await startSimulator({
    clusters: [
      { name: 'baker', nodes: 1 },
      { name: 'dr', nodes: 1 },
      { name: 'dr2', nodes: 1 },
    ],
  });
  dir = scratchDir('fan-out-cli-');
  registry = join(dir, 'registry.json');
  const dr = (name: string) => ({
    name,
    target: sim.cluster(name).addresses[0],
    nodes: [...sim.cluster(name).addresses],
    credentials: 'env:SWARM_TEST_ADMIN',
  });
  writeFileSync(
    registry,
    JSON.stringify({
      clusters: {
        primary: { name: 'baker', nodes: [...sim.cluster('baker').addresses], credentials: 'env:SWARM_TEST_ADMIN' },
        dr: dr('dr'),
        dr2: dr('dr2'),
      },
      defaultRoute: { from: 'primary', to: ['dr', 'dr2'] },
    }),
  );
});

afterEach(async () => {
  await sim.close();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = captureIo(RECONCILE_ENV);
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
}

/** A named object on the source, copied to the DR clusters listed in `on`. */
function put(name: string, on: readonly string[]): void {
  const o = sim.cluster('baker').put({ bucket: 'b', name, body: `body of ${name}`, created: HOUR_AGO() });
  for (const c of on) sim.cluster(c).put({ ...o, domain: 'baker', bucket: 'b', name, created: o.created });
}

describe('check and reconcile with several DR clusters', () => {
  test('check HEADs the source once and reports each DR cluster; the exit code is the most urgent verdict', async () => {
    put('only-on-dr', ['dr']);
    const both = await cli(['check', 'b/only-on-dr', '--registry', registry, '--json']);
    expect(both.stderr).toBe('');
    const lines = both.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; category: string });
    expect(lines.map((l) => [l.to, l.category])).toEqual([
      ['dr', 'in-sync'],
      ['dr2', 'missing-on-dr'],
    ]);
    expect(both.code).toBe(3);
    // One DR cluster named with --to: the single-destination output, as before.
    const one = await cli(['check', 'b/only-on-dr', '--registry', registry, '--to', 'dr']);
    expect(one.code).toBe(0);
    expect(one.stdout.split('\n')[0]).toBe('in-sync');
    const bad = await cli(['check', 'b/only-on-dr', '--registry', registry, '--to', 'dr,dr']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--to: a DR cluster is named twice');
  });

  test('reconcile walks each DR cluster in turn with its own summary and checkpoint; --send repairs only the one that lacks objects', async () => {
    put('o1', ['dr', 'dr2']);
    put('o2', ['dr']);
    put('o3', []);
    const dry = await cli(['reconcile', '--registry', registry, '--to', 'dr,dr2', '--json']);
    expect(dry.code).toBe(3);
    const summaries = dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; totals: { counts: Record<string, number> } });
    expect(summaries.map((s) => [s.to, s.totals.counts['missing-on-dr']])).toEqual([
      ['dr', 1],
      ['dr2', 2],
    ]);

    const sendsBefore = sim.counters().sends;
    const checkpoint = join(dir, 'cp.json');
    const repaired = await cli(['reconcile', '--registry', registry, '--send', '--checkpoint', checkpoint]);
    expect(repaired.code).toBe(0);
    expect(sim.counters().sends - sendsBefore).toBe(3);
    expect(sim.cluster('dr').has({ domain: 'baker', bucket: 'b', name: 'o3' })).toBe(true);
    expect(sim.cluster('dr2').has({ domain: 'baker', bucket: 'b', name: 'o2' })).toBe(true);
    // Every scope done: each DR cluster's checkpoint (FILE.<key>) is removed.
    expect([existsSync(`${checkpoint}.dr`), existsSync(`${checkpoint}.dr2`)]).toEqual([false, false]);
    const after = await cli(['reconcile', '--registry', registry]);
    expect(after.code).toBe(0);
  });
});
