import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SwarmSimulator } from '../../../simulator/index.js';
import { runCli } from '../../helpers/cli.js';
import { putPair, RECONCILE_ENV as ENV, startReconcilePair } from '../../helpers/reconcile-cli.js';

// The files `swarm-send reconcile` writes are never written through a
// symbolic link someone planted: the checkpoint goes through a new temp file of a random name
// (created exclusively, mode 0600) and a rename; --report and --checkpoint refuse a link.

const VICTIM_TEXT = 'precious: must not change\n';
let sim: SwarmSimulator;
let dir: string;
let registry: string;
let victim: string;
beforeEach(async () => {
  ({ sim, dir, registry } = await startReconcilePair('report-files-'));
  victim = join(dir, 'victim.txt');
  writeFileSync(victim, VICTIM_TEXT);
  for (const n of ['o0', 'o1']) putPair(sim, 'b', n);
});
afterEach(async () => {
  await sim.close();
});

const mode = (file: string) => statSync(file).mode & 0o777;

describe('swarm-send reconcile --checkpoint', () => {
  it('never writes through a link planted at FILE.tmp; the checkpoint it keeps is a regular file of mode 0600', async () => {
    const checkpoint = join(dir, 'cp.json');
    symlinkSync(victim, `${checkpoint}.tmp`);
    // DR's listing fails: the scope ends in an error and the checkpoint stays.
    sim.cluster('dr').searchEnabled = false;
    const r = await runCli(['reconcile', '--registry', registry, '--bucket', 'b', '--checkpoint', checkpoint], {
      env: ENV,
    });
    expect(r.code).toBe(75);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(readlinkSync(`${checkpoint}.tmp`)).toBe(victim);
    expect(lstatSync(checkpoint).isFile()).toBe(true);
    expect(mode(checkpoint)).toBe(0o600);
    expect(JSON.parse(readFileSync(checkpoint, 'utf8')).scopes['named:baker/b']).toEqual({
      marker: null,
      done: false,
      listed: { source: 0, dr: 0 },
    });
    // No temp file is left behind.
    expect(readdirSync(dir).sort()).toEqual(['cp.json', 'cp.json.tmp', 'registry.json', 'victim.txt']);
  }, 60_000);

  it('refuses a checkpoint path that is a symbolic link, even a dangling one (exit 2), and writes nothing', async () => {
    const checkpoint = join(dir, 'cp.json');
    const elsewhere = join(dir, 'elsewhere.json');
    symlinkSync(elsewhere, checkpoint);
    const r = await runCli(['reconcile', '--registry', registry, '--checkpoint', checkpoint], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--checkpoint ${checkpoint} is a symbolic link`);
    expect(existsSync(elsewhere)).toBe(false);
    expect(lstatSync(checkpoint).isSymbolicLink()).toBe(true);
  }, 60_000);
});

describe('swarm-send reconcile --report', () => {
  it('refuses a report path that is a symbolic link (exit 2), and the file it points to is left alone', async () => {
    const report = join(dir, 'report.jsonl');
    symlinkSync(victim, report);
    putPair(sim, 'b', 'o2', { missing: true });
    const r = await runCli(['reconcile', '--registry', registry, '--report', report], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--report ${report} is a symbolic link`);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(sim.counters().sends).toBe(0);
  }, 60_000);

  it('creates a new report with mode 0600 and appends to an existing one', async () => {
    const report = join(dir, 'report.jsonl');
    putPair(sim, 'b', 'o2', { missing: true });
    expect((await runCli(['reconcile', '--registry', registry, '--report', report], { env: ENV })).code).toBe(3);
    expect(mode(report)).toBe(0o600);
    expect((await runCli(['reconcile', '--registry', registry, '--report', report], { env: ENV })).code).toBe(3);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    const findings = lines.map((l) => JSON.parse(l) as { type: string; object?: { name: string } });
    expect(findings.filter((l) => l.type === 'object').map((l) => l.object?.name)).toEqual(['o2', 'o2']);
    expect(findings.filter((l) => l.type === 'scope')).toHaveLength(2);
  }, 60_000);
});
