import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { parseRegistry, type Registry } from '../../../functions/core/registry/registry.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { ADMIN } from '../../helpers/swarm.js';
import { scratchDir } from '../../helpers/scratch.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// https:// nodes with a private CA: a TLS front (a node behind TLS, as a site with HTTPS on its
// storage nodes has) terminates TLS and forwards to a simulator node.

// openssl makes the certificates. It is a requirement of this suite, not an option: without it
// the suite fails (it never skips), and .ci/run installs it.
const haveOpenssl = existsSync('/usr/bin/openssl');
it('has /usr/bin/openssl to make the test certificates (apt-get install openssl)', () => {
  expect(haveOpenssl).toBe(true);
});

function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=swarm-send test CA',
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'node.key',
    '-out',
    'node.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'node.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), key: read('node.key'), cert: read('node.pem') };
}

describe('https:// source nodes', () => {
  let sim: SwarmSimulator;
  let front: Server;
  let port: number;
  let certs: { ca: string; key: string; cert: string };
  /** The simulator node the TLS front forwards new connections to. */
  let behind: string;
  beforeAll(async () => {
    certs = makeCertificates(scratchDir('swarm-send-tls-'));
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
        { name: 'basic', nodes: 1, challenge: 'basic' },
      ],
    });
    behind = sim.cluster('baker').addresses[0]!;
    front = createServer({ key: certs.key, cert: certs.cert }, (tls) => {
      const [host, p] = behind.split(':');
      const plain = connect(Number(p), host);
      tls.pipe(plain).pipe(tls);
      tls.on('error', () => plain.destroy());
      plain.on('error', () => tls.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    port = (front.address() as { port: number }).port;
  });
  afterAll(async () => {
    front.close();
    await sim.close();
  });

  const registry = (ca?: string) =>
    parseRegistry({
      clusters: {
        primary: { name: 'baker', nodes: [`https://127.0.0.1:${port}`], credentials: 'x', ...(ca && { ca }) },
        dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'x' },
      },
    });

  /** SENDs `uuid` from the registry's `primary` to its `dr` as ADMIN, on a client of its own. */
  const sendAlong = async (reg: Registry, uuid: string) => {
    const client = new SendClient();
    try {
      return await sendWithDecision(client, {
        source: reg.clusters.primary!,
        destination: reg.clusters.dr!,
        credentials: ADMIN,
        object: { uuid },
      });
    } finally {
      await client.close();
    }
  };

  it('replicates through a node whose certificate the given CA bundle signed', async () => {
    const reg = registry(certs.ca);
    const obj = sim.cluster('baker').put({ body: 'tls' });
    const r = await sendAlong(reg, obj.uuid);
    expect(r).toMatchObject({ outcome: 'replicated', node: `127.0.0.1:${port}` });
    expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  });

  it('copies (replaceStale) from a source node behind the CA bundle the registry gives', async () => {
    const reg = registry(certs.ca);
    const ref = { domain: 'baker', bucket: 'b', name: 'tls-copy' };
    sim.cluster('baker').put({ ...ref, body: 'over tls' });
    const client = new SendClient();
    try {
      const r = await client.copy({
        source: reg.clusters.primary!,
        destination: reg.clusters.dr!,
        sourceCredentials: ADMIN,
        destinationCredentials: ADMIN,
        object: ref,
      });
      expect(r).toMatchObject({ kind: 'copied', bytes: 8 });
      expect(Buffer.from(sim.cluster('dr').get(ref)!.body).toString()).toBe('over tls');
      const bare = registry();
      const untrusted = await client.copy({
        source: bare.clusters.primary!,
        destination: bare.clusters.dr!,
        sourceCredentials: ADMIN,
        destinationCredentials: ADMIN,
        object: ref,
      });
      expect(untrusted).toMatchObject({ kind: 'failed', detail: expect.stringContaining('tls-rejected') });
    } finally {
      await client.close();
    }
  });

  it('refuses a redirect from https down to plain http, even inside the networks', async () => {
    const reg = parseRegistry({
      clusters: {
        primary: {
          name: 'baker',
          nodes: [`https://127.0.0.1:${port}`],
          networks: ['127.0.0.0/8'],
          credentials: 'x',
          ca: certs.ca,
        },
        dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'x' },
      },
    });
    const obj = sim.cluster('baker').put({ body: 'tls' });
    sim.faults.add({
      match: { object: obj.uuid },
      kind: { type: 'redirect', status: 307, to: sim.cluster('baker').addresses[0] },
    });
    try {
      const r = await sendAlong(reg, obj.uuid);
      expect(r).toMatchObject({ outcome: 'failed', reason: 'redirect-refused', observation: { httpStatus: 307 } });
    } finally {
      sim.faults.clear();
    }
  });

  it('refuses a certificate it cannot verify: failed (tls-rejected), no credentials sent', async () => {
    const reg = registry();
    const obj = sim.cluster('baker').put({ body: 'tls' });
    sim.resetCounters();
    const r = await sendAlong(reg, obj.uuid);
    expect(r).toMatchObject({ outcome: 'failed', reason: 'tls-rejected', observation: { httpStatus: null } });
    expect(sim.counters().requests).toBe(0);
  });

  it('answers a Basic-only node over https only where the registry allows Basic', async () => {
    behind = sim.cluster('basic').addresses[0]!;
    const obj = sim.cluster('basic').put({ body: 'tls' });
    const cluster = (allowBasic: boolean) =>
      parseRegistry({
        clusters: {
          primary: { name: 'basic', nodes: [`https://127.0.0.1:${port}`], credentials: 'x', ca: certs.ca, allowBasic },
          dr: { name: 'dr', target: sim.cluster('dr').addresses[0], credentials: 'x' },
        },
      }).clusters;
    const client = new SendClient();
    try {
      const refused = await sendWithDecision(client, {
        source: cluster(false).primary!,
        destination: cluster(false).dr!,
        credentials: ADMIN,
        object: { uuid: obj.uuid },
      });
      expect(refused).toMatchObject({ outcome: 'failed', reason: 'auth-rejected', requests: 1 });
      const allowed = await sendWithDecision(client, {
        source: cluster(true).primary!,
        destination: cluster(true).dr!,
        credentials: ADMIN,
        object: { uuid: obj.uuid },
      });
      expect(allowed).toMatchObject({ outcome: 'replicated', requests: 2 });
    } finally {
      await client.close();
      behind = sim.cluster('baker').addresses[0]!;
    }
  });
});
