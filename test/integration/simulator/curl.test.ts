import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

// The curl command of the SCSP contract (docs/swarm-scsp.md, section A), run with the real curl
// against the in-process simulator (execFile, not execSync: the server shares this event loop).
const CURL = '/usr/bin/curl';
const run = promisify(execFile);
// curl is a requirement of this suite, not an option: without it the suite fails (it never
// skips), and .ci/run installs it.
it("has /usr/bin/curl to run the contract's curl command (apt-get install curl)", () => {
  expect(existsSync(CURL)).toBe(true);
});

async function curlSend(source: string, uuid: string, target: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run(
    CURL,
    [
      '-i',
      '-s',
      '-X',
      'SEND',
      '--location-trusted',
      '--anyauth',
      '-u',
      'admin:ourpwdofchoicehere',
      '-H',
      'Castor-System-Cluster: dr',
      '-H',
      `Castor-System-Target: ${target}`,
      ...extra,
      `http://${source}/${uuid}?alias&admin`,
    ],
    { timeout: 10_000 },
  );
  return stdout;
}

describe('curl --anyauth --location-trusted against the simulator', () => {
  let sim: SwarmSimulator;

  afterEach(() => sim.close());

  it('shows the documented exchange: 401 with both challenges, then 200 OK and "Remote cluster returned: 201"', async () => {
    sim = await startSimulatorPair();
    const obj = sim.cluster('baker').put({ alias: true, body: 'hello', contentType: 'text/xml' });

    const out = await curlSend(sim.cluster('baker').addresses[0] ?? '', obj.uuid, sim.cluster('dr').addresses[0] ?? '');

    const blocks = out.split('\r\n\r\n');
    expect(blocks[0]).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(blocks[0]).toMatch(
      /\r\nWWW-Authenticate: Digest realm="CAStor administrator", nonce="[0-9a-f]{32}", opaque="[0-9a-f]{32}", stale=false, qop="auth", algorithm=MD5\r\nWWW-Authenticate: Basic realm="CAStor administrator"\r\n/,
    );
    expect(blocks[0]).toContain('\r\nAllow: HEAD, HOLD, GET, SEND, PUT, RELEASE, POST, COPY, GEN, APPEND, DELETE');
    expect(blocks[1]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(blocks[1]).toContain(`\r\nCastor-System-Alias: ${obj.uuid}\r\nCastor-System-Cluster: baker\r\n`);
    expect(blocks[1]).toContain('\r\ntransfer-encoding: chunked\r\n');
    expect(blocks[2]).toBe('\n\nRemote cluster returned: 201\n');
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(sim.counters()).toMatchObject({ sends: 1, challenges: 1, authRejected: 0 });
  });

  it('follows a PAN redirect to the SAN with the auth= ticket and authenticates again there', async () => {
    sim = await startSimulator({
      redirectRate: 1,
      seed: 1,
      clusters: [
        { name: 'baker', nodes: 2 },
        { name: 'dr', nodes: 1 },
      ],
    });
    const obj = sim.cluster('baker').put({ alias: true, body: 'hello' });

    const out = await curlSend(sim.cluster('baker').addresses[0] ?? '', obj.uuid, sim.cluster('dr').addresses[0] ?? '');

    const san = sim.cluster('baker').addresses[1] ?? '';
    expect(out).toMatch(
      new RegExp(
        `HTTP/1\\.1 30[17] [A-Za-z ]+\\r\\nLocation: http://${san}/${obj.uuid}\\?alias&admin&auth=[0-9a-f]{32}\\r\\n`,
      ),
    );
    expect(out).toMatch(/HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\n\nRemote cluster returned: 201\n$/);
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(sim.counters().redirects).toBe(1);
    expect(sim.cluster('baker').nodes[1]?.counters().sends).toBe(1);
  });

  it('follows a redirect fault with --location-trusted too', async () => {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 3 },
        { name: 'dr', nodes: 1 },
      ],
    });
    const obj = sim.cluster('baker').put({ alias: true, body: 'hello' });
    const [pan = '', , third = ''] = sim.cluster('baker').addresses;
    sim.faults.add({
      match: { node: pan, method: 'SEND' },
      times: 1,
      kind: { type: 'redirect', status: 307, to: third },
    });

    const out = await curlSend(pan, obj.uuid, sim.cluster('dr').addresses[0] ?? '');

    expect(out).toContain(`HTTP/1.1 307 Temporary Redirect\r\nLocation: http://${third}/${obj.uuid}?alias&admin&auth=`);
    expect(out).toMatch(/Remote cluster returned: 201\n$/);
    expect(sim.cluster('baker').nodes[2]?.counters().sends).toBe(1);
  });
});
