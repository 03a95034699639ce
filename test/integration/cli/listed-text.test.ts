import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../cli/main.js';
import type { SwarmSimulator } from '../../../simulator/index.js';
import { runCli } from '../../helpers/cli.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { putPair, RECONCILE_ENV as ENV, startReconcilePair } from '../../helpers/reconcile-cli.js';

// Names a listing carries (and text a node sends) with control and format
// characters never reach the operator's terminal as they are: escaped in the summary, the
// progress line, `check` and error messages; exact (JSON-escaped) in --json and --report.

/** A bucket name that retitles the terminal, starts a C1 CSI, reverses the text after it, hides a space. */
const BUCKET = 'b\u001b]0;pwned\u0007\u009b2J\u202eevil\u200b\u007f';
const BUCKET_SHOWN = 'b\\x1b]0;pwned\\x07\\x9b2J\\u{202e}evil\\u{200b}\\x7f';
/** An object name that clears the screen and prints a fake summary line. */
const NAME = 'o\u001b[2J\n  in-sync     all clusters in sync\u2067';

/** Control, format and separator characters; a newline is checked apart. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\u2028\u2029]/u;

let sim: SwarmSimulator;
let dir: string;
let registry: string;
beforeEach(async () => {
  ({ sim, dir, registry } = await startReconcilePair('listed-text-'));
});
afterEach(async () => {
  await sim.close();
});

describe('swarm-send reconcile prints listed names escaped', () => {
  it('in the summary, where a failed scope is named (exit 1)', async () => {
    for (const n of ['o0', 'o1']) putPair(sim, BUCKET, n);
    // The source's second page is broken: the scope fails, and the summary names it.
    sim.faults.add({
      match: { cluster: 'baker', listing: true, marker: 'o0' },
      kind: { type: 'bad-listing', body: 'not-array' },
    });
    const r = await runCli(['reconcile', '--registry', registry, '--page-size', '1'], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`1 failed: named:baker/${BUCKET_SHOWN} (source bad-page`);
    expect(r.stdout + r.stderr).not.toMatch(UNSAFE);
  }, 60_000);

  it('in --json and the --report file: exact once parsed, no raw control or format character in the bytes (exit 3)', async () => {
    putPair(sim, BUCKET, NAME, { missing: true });
    const report = join(dir, 'report.jsonl');
    const r = await runCli(['reconcile', '--registry', registry, '--json', '--report', report], { env: ENV });
    expect(r.code).toBe(3);
    expect(r.stdout.trimEnd()).not.toContain('\n');
    expect(r.stdout).not.toMatch(UNSAFE);
    expect(JSON.parse(r.stdout).scopes[0].scope).toBe(`named:baker/${BUCKET}`);
    const text = readFileSync(report, 'utf8');
    expect(text).not.toMatch(UNSAFE);
    // One JSON line per finding and one per scope: a name's newline never splits a line.
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(['object', 'scope']);
    expect(lines[1]).toMatchObject({ scope: `named:baker/${BUCKET}` });
    expect(lines[0]).toMatchObject({
      scope: `named:baker/${BUCKET}`,
      object: { bucket: BUCKET, name: NAME },
      category: 'missing-on-dr',
    });
  }, 60_000);

  it('in the progress line on a terminal', async () => {
    putPair(sim, BUCKET, NAME, { missing: true });
    const out = new PassThrough();
    const err = Object.assign(new PassThrough(), { isTTY: true });
    let stderr = '';
    err.on('data', (d) => (stderr += d));
    out.resume();
    const code = await main(['reconcile', '--registry', registry], {
      stdout: out,
      stderr: err,
      env: ENV,
      signal: new AbortController().signal,
    });
    expect(code).toBe(3);
    // The drawer's own carriage return and erase-line are the only control characters.
    const drawn = stderr.replaceAll('\r\u001b[2K', '');
    expect(drawn).toContain(`scope 1 named:baker/${BUCKET_SHOWN}`.slice(0, 40));
    expect(drawn).not.toMatch(UNSAFE);
    expect(drawn).not.toContain('\n');
  }, 60_000);
});

describe('swarm-send reconcile prints a checkpoint it continues from escaped', () => {
  it('the run id, on continuing and in the summary', async () => {
    putPair(sim, 'b', 'o0');
    const checkpoint = join(dir, 'cp.json');
    const runId = 'run\u001b]0;pwned\u0007\u202e';
    writeFileSync(checkpoint, JSON.stringify({ version: 1, runId, from: 'primary', to: 'dr', scopes: {} }));
    const r = await runCli(['reconcile', '--registry', registry, '--checkpoint', checkpoint], { env: ENV });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('continuing run run\\x1b]0;pwned\\x07\\u{202e} from');
    expect(r.stdout).toContain('run run\\x1b]0;pwned\\x07\\u{202e}');
    expect(r.stdout + r.stderr).not.toMatch(UNSAFE);
  }, 60_000);
});

describe('swarm-send check prints node text and arguments escaped', () => {
  const nodes: RawNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('an ETag with C1 control characters (Latin-1 header bytes), in the text and in --json (exit 3, different)', async () => {
    const head = (etag: string) => (_head: string, socket: import('node:net').Socket) =>
      socket.write(
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 200 OK\r\ncontent-length: 5\r\nlast-modified: Mon, 01 Jan 2024 00:00:00 GMT\r\netag: "',
          ),
          Buffer.from(etag, 'latin1'),
          Buffer.from('"\r\n\r\n'),
        ]),
      );
    const src = await startRawNode(head('aa\u009b2J\u0085bb'));
    const dr = await startRawNode(head('cc'));
    nodes.push(src, dr);
    const rawRegistry = join(dir, 'raw-registry.json');
    writeFileSync(
      rawRegistry,
      JSON.stringify({
        clusters: {
          primary: { name: 'baker', nodes: [src.address], credentials: 'env:SWARM_TEST_ADMIN' },
          dr: { name: 'dr', target: dr.address, nodes: [dr.address], credentials: 'env:SWARM_TEST_ADMIN' },
        },
        defaultRoute: { from: 'primary', to: 'dr' },
      }),
    );
    const text = await runCli(['check', 'b/o', '--registry', rawRegistry], { env: ENV });
    expect(text.code).toBe(3);
    // Same size, other ETags, no Content-MD5: different by the default unprovenIdentity ("fail").
    expect(text.stdout).toMatch(/^different: identity unproven/);
    expect(text.stdout).toContain('etag aa\\x9b2j\\x85bb  version');
    expect(text.stdout + text.stderr).not.toMatch(UNSAFE);
    const json = await runCli(['check', 'b/o', '--registry', rawRegistry, '--json'], { env: ENV });
    expect(json.code).toBe(3);
    expect(json.stdout).not.toMatch(UNSAFE);
    expect(JSON.parse(json.stdout).source.etag).toBe('aa\u009b2j\u0085bb');
  }, 60_000);

  it('an argument echoed in an error message (exit 2)', async () => {
    const r = await runCli(['check', 'b\u001b]0;pwned\u0007', '--registry', registry], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"b\\x1b]0;pwned\\x07" is neither a 32-hex UUID nor bucket/name');
    expect(r.stderr).not.toMatch(UNSAFE);
  }, 60_000);
});
