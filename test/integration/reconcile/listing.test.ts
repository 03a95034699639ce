import { request } from 'undici';
import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { ListingError, type ListingRow } from '../../../functions/core/listing/listing.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { parseRegistry, type ClusterConfig } from '../../../functions/core/registry/registry.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { ADMIN } from '../../helpers/swarm.js';

let sim: SwarmSimulator;
let transport: ClusterTransport;
let baker: ClusterConfig;
const fast = { sleep: async () => undefined };

beforeEach(async () => {
  sim = await startSimulator({
    clusters: [{ name: 'baker', nodes: 2, protectedContexts: { 'vault/locked': { alice: 'secret' } } }],
  });
  const registry = parseRegistry({
    clusters: { baker: { name: 'baker', nodes: [...sim.cluster('baker').addresses], credentials: 'test' } },
  });
  baker = registry.clusters.baker!;
  transport = new ClusterTransport();
});

afterEach(async () => {
  await transport.close();
  await sim.close();
});

async function all(
  client: ListingClient,
  scope: Parameters<ListingClient['pages']>[0],
): Promise<{ rows: ListingRow[]; pages: number }> {
  const rows: ListingRow[] = [];
  let pages = 0;
  for await (const page of client.pages(scope)) {
    pages++;
    rows.push(...page);
  }
  return { rows, pages };
}

async function raw(path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await request(`http://${sim.cluster('baker').addresses[0]}${path}`);
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

const HARD_NAMES = [
  'a&b',
  'a+b',
  'a#b',
  '100%',
  'with space',
  'line\nbreak',
  'Grüße/ñ',
  '日本語',
  '😀 emoji',
  '\uffef-bmp-high',
  'z?x=1',
  'slash/in/name',
  'tab\there',
];

describe('simulator listing and the listing client', () => {
  test('names with &, +, #, %, spaces, newlines and any UTF-8 survive as markers: every row once, in byte order', async () => {
    const c = sim.cluster('baker');
    for (const name of HARD_NAMES) c.put({ domain: 'example.com', bucket: 'photos', name, body: name });
    const client = new ListingClient(transport, baker, ADMIN, { pageSize: 2 });
    const { rows, pages } = await all(client, { kind: 'named', domain: 'example.com', bucket: 'photos' });
    const expected = [...HARD_NAMES].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(rows.map((r) => r.key)).toEqual(expected);
    expect(pages).toBe(Math.ceil(HARD_NAMES.length / 2));
    expect(rows.find((r) => r.key === '日本語')).toMatchObject({
      bytes: Buffer.byteLength('日本語'),
      hash: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  }, 60_000);

  test('rows carry the renamed fields, hash is the ETag, and the last page is []', async () => {
    const obj = sim.cluster('baker').put({ domain: 'example.com', bucket: 'b', name: 'x', body: 'hello' });
    const page = await raw('/b?format=json&domain=example.com&fields=name,content-length,tmBorn,hash');
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(page.body)).toEqual([
      { name: 'x', bytes: 5, last_modified: obj.created.toISOString(), hash: obj.etag.replace(/"/g, '') },
    ]);
    expect((await raw('/b?format=json&domain=example.com&marker=x')).body).toBe('[]');
  }, 60_000);

  test('buckets, domains (admin), unnamed objects keyed by uuid, and du with Castor-System-Bytes-Used', async () => {
    const c = sim.cluster('baker');
    c.put({ domain: 'example.com', bucket: 'b1', name: 'n', body: '12345' });
    c.put({ domain: 'example.com', bucket: 'b2', name: 'n', body: '1' });
    const u1 = c.put({ domain: 'example.com', body: 'u', alias: true });
    const u2 = c.put({ body: 'untenanted' });
    const client = new ListingClient(transport, baker, ADMIN, { pageSize: 1 });
    expect((await all(client, { kind: 'buckets', domain: 'example.com' })).rows.map((r) => r.key)).toEqual([
      'b1',
      'b2',
    ]);
    expect((await all(client, { kind: 'domains' })).rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['baker', 'example.com']),
    );
    expect((await all(client, { kind: 'unnamed', domain: 'example.com' })).rows).toEqual([
      expect.objectContaining({ key: u1.uuid, alias: true }),
    ]);
    expect((await all(client, { kind: 'unnamed', domain: '' })).rows.map((r) => r.key)).toEqual([u2.uuid]);
    expect(await client.usage({ domain: 'example.com', bucket: 'b1' })).toBe(5);
    expect((await raw('/?format=json&domains')).status).toBe(401);
  }, 60_000);

  test('malformed queries get 400; a listing with search off gets 503 and ends the walk as an error', async () => {
    for (const q of [
      'format=json&size=-1',
      'format=json&size=10001',
      'format=json&stype=bogus',
      'format=json&fields=nope',
      'format=yaml',
      'format=json&du=withoutreps',
    ]) {
      expect((await raw(`/?${q}&domain=baker`)).status).toBe(400);
    }
    sim.cluster('baker').put({ bucket: 'b', name: 'n', body: 'x' });
    sim.cluster('baker').searchEnabled = false;
    const client = new ListingClient(transport, baker, ADMIN, fast);
    await expect(all(client, { kind: 'named', domain: 'baker', bucket: 'b' })).rejects.toMatchObject({
      code: 'unavailable',
      status: 503,
    });
  }, 60_000);

  test('a protected context needs its realm or the admin override', async () => {
    sim.cluster('baker').put({ domain: 'vault', bucket: 'locked', name: 'n', body: 'x' });
    expect((await raw('/locked?format=json&domain=vault')).status).toBe(401);
    const asAlice = new ListingClient(transport, baker, { username: 'alice', password: 'secret' });
    const admin = new ListingClient(transport, baker, ADMIN);
    expect((await all(admin, { kind: 'named', domain: 'vault', bucket: 'locked' })).rows).toHaveLength(1);
    // alice is no admin: the admin override refuses her, and that is an error, not an empty bucket.
    await expect(all(asAlice, { kind: 'named', domain: 'vault', bucket: 'locked' })).rejects.toMatchObject({
      code: 'auth-rejected',
    });
  }, 60_000);

  test.each([
    ['a 503 on one page', { type: 'status', status: 503 } as const],
    ['a truncated JSON page', { type: 'bad-listing', body: 'truncated' } as const],
    ['a page that is a JSON object', { type: 'bad-listing', body: 'not-array' } as const],
    ['an html page', { type: 'bad-listing', body: 'html' } as const],
    ['a reset mid-page', { type: 'reset-mid-body' } as const],
    ['a connection closed mid-page', { type: 'truncate' } as const],
  ])(
    '%s once is tried again without skipping or repeating rows',
    async (_name, kind) => {
      const c = sim.cluster('baker');
      const names = Array.from({ length: 9 }, (_, i) => `obj-${i}`);
      for (const name of names) c.put({ bucket: 'b', name, body: name });
      sim.faults.add({ match: { listing: true, marker: 'obj-2' }, times: 2, kind });
      const client = new ListingClient(transport, baker, ADMIN, { pageSize: 3, ...fast });
      const { rows } = await all(client, { kind: 'named', domain: 'baker', bucket: 'b' });
      expect(rows.map((r) => r.key)).toEqual(names);
    },
    60_000,
  );

  test.each([
    ['a 503 that persists', { type: 'status', status: 503 } as const, 'unavailable'],
    ['pages that are never JSON arrays', { type: 'bad-listing', body: 'not-array' } as const, 'bad-page'],
    ['resets that persist', { type: 'reset-mid-body' } as const, 'network'],
    ['a 401', { type: 'status', status: 401 } as const, 'auth-rejected'],
  ])(
    '%s ends the walk with an error, never as the end of the listing',
    async (_name, kind, code) => {
      const c = sim.cluster('baker');
      for (let i = 0; i < 9; i++) c.put({ bucket: 'b', name: `obj-${i}`, body: 'x' });
      sim.faults.add({ match: { listing: true, marker: 'obj-2' }, kind });
      const client = new ListingClient(transport, baker, ADMIN, { pageSize: 3, ...fast });
      const seen: string[] = [];
      const walk = (async () => {
        for await (const page of client.pages({ kind: 'named', domain: 'baker', bucket: 'b' }))
          seen.push(...page.map((r) => r.key));
      })();
      await expect(walk).rejects.toBeInstanceOf(ListingError);
      await expect(walk).rejects.toMatchObject({ code });
      expect(seen).toEqual(['obj-0', 'obj-1', 'obj-2']);
    },
    60_000,
  );

  test('listings follow redirects inside the cluster and fail over from a dead node, like SEND', async () => {
    await sim.close();
    sim = await startSimulator({ redirectRate: 1, seed: 7, clusters: [{ name: 'baker', nodes: 3 }] });
    const c = sim.cluster('baker');
    baker = parseRegistry({ clusters: { baker: { name: 'baker', nodes: [...c.addresses], credentials: 'test' } } })
      .clusters.baker!;
    for (let i = 0; i < 7; i++) c.put({ bucket: 'b', name: `n${i}`, body: 'x' });
    await c.nodes[0]!.stop();
    const client = new ListingClient(transport, baker, ADMIN, { pageSize: 3, ...fast });
    const { rows } = await all(client, { kind: 'named', domain: 'baker', bucket: 'b' });
    expect(rows.map((r) => r.key)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(sim.counters().redirects).toBeGreaterThan(0);
  }, 60_000);

  test('index lag: new objects and deletes show up in listings only after it', async () => {
    const c = sim.cluster('baker');
    c.put({ bucket: 'b', name: 'old', body: 'x', indexLagMs: 0 });
    c.indexLagMs = 60_000;
    c.put({ bucket: 'b', name: 'new', body: 'x' });
    c.delete({ bucket: 'b', name: 'old' });
    const client = new ListingClient(transport, baker, ADMIN);
    expect((await all(client, { kind: 'named', domain: 'baker', bucket: 'b' })).rows.map((r) => r.key)).toEqual([
      'old',
    ]);
    c.put({ bucket: 'b', name: 'quick', body: 'x', indexLagMs: 0 });
    expect((await all(client, { kind: 'named', domain: 'baker', bucket: 'b' })).rows.map((r) => r.key)).toEqual([
      'old',
      'quick',
    ]);
  }, 60_000);
});
