import { createHash } from 'node:crypto';
import { startSimulator, type SimCluster, type SwarmSimulator } from '../../../simulator/index.js';
import { RawConnection, request } from '../../helpers/raw-client.js';
import { startSwarmPair } from '../../helpers/swarm.js';

// The simulator's side of objects that change (simulator/README.md, "Objects that change"):
// Content-MD5 and metadata kept by a write and returned on reads, overwrites as new versions,
// and the re-encode fault.

const md5b64 = (text: string): string => createHash('md5').update(text).digest('base64');

describe('simulator: objects that change', () => {
  let sim: SwarmSimulator;
  let cluster: SimCluster;
  let a: string;
  let conn: RawConnection;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, clusters: [{ name: 'baker', nodes: 1 }] });
    cluster = sim.cluster('baker');
    a = cluster.addresses[0]!;
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    conn = await RawConnection.open(a);
  });
  afterEach(() => conn.close());

  it('stores a client Content-MD5 and the metadata headers of a write, and returns them on HEAD', async () => {
    const put = await conn.exchange(
      request(
        'PUT',
        '/b/meta.txt',
        a,
        {
          'Content-MD5': md5b64('body'),
          'Content-Disposition': 'inline',
          'X-Color-Meta-Shade': 'blue',
          'Castor-Owner': 'team-a',
          'Castor-System-Name': 'ignored',
          Lifepoint: '[] reps=2',
        },
        'body',
      ),
    );
    expect(put.status).toBe(201);
    const head = await conn.exchange(request('HEAD', '/b/meta.txt', a), { head: true });
    expect(head.header('Content-MD5')).toBe(md5b64('body'));
    expect(head.header('Content-Disposition')).toBe('inline');
    expect(head.header('X-Color-Meta-Shade')).toBe('blue');
    expect(head.header('Castor-Owner')).toBe('team-a');
    expect(head.header('Lifepoint')).toBe('[] reps=2');
    expect(head.header('Castor-System-Name')).toBe('meta.txt');
  });

  it('refuses a Content-MD5 that does not match the body (400); computes one with gencontentmd5; stores none otherwise', async () => {
    const bad = await conn.exchange(request('PUT', '/b/bad.txt', a, { 'Content-MD5': md5b64('other') }, 'body'));
    expect(bad.status).toBe(400);
    expect(cluster.has({ bucket: 'b', name: 'bad.txt' })).toBe(false);
    await conn.exchange(request('PUT', '/b/gen.txt?gencontentmd5', a, {}, 'body'));
    expect(cluster.get({ bucket: 'b', name: 'gen.txt' })?.contentMd5).toBe(md5b64('body'));
    await conn.exchange(request('PUT', '/b/none.txt', a, {}, 'body'));
    const head = await conn.exchange(request('HEAD', '/b/none.txt', a), { head: true });
    expect(head.header('Content-MD5')).toBeUndefined();
  });

  it('an overwrite is a new version: new ETag and a later Castor-System-Version, even in the same millisecond', () => {
    const first = cluster.put({ bucket: 'b', name: 'v.txt', body: 'one' });
    const second = cluster.put({ bucket: 'b', name: 'v.txt', body: 'two' });
    expect(second.etag).not.toBe(first.etag);
    expect(second.created.getTime()).toBeGreaterThan(first.created.getTime());
    expect(Number(second.version)).toBeGreaterThan(Number(first.version));
  });

  it('the re-encode fault: a new ETag and later version, the same bytes, Content-MD5 and metadata', () => {
    const ref = { bucket: 'b', name: 'r.txt' };
    const before = cluster.put({ ...ref, body: 'same', contentMd5: true, meta: [['X-A-Meta-B', 'c']] });
    const after = cluster.reencode(ref)!;
    expect(after.etag).not.toBe(before.etag);
    expect(after.created.getTime()).toBeGreaterThan(before.created.getTime());
    expect(Buffer.from(after.body).toString()).toBe('same');
    expect(after.contentMd5).toBe(before.contentMd5);
    expect(after.meta).toStrictEqual(before.meta);
    expect(cluster.get(ref)).toBe(after);
    expect(cluster.reencode({ bucket: 'b', name: 'absent' })).toBeUndefined();
  });
});

describe('simulator: legacy SEND when DR holds an older version (olderAtDestination)', () => {
  it.each([
    ['conflict', 409, 'one'],
    ['replace', 201, 'two'],
  ] as const)('%s: the second SEND answers %i and DR holds %s', async (choice, status, held) => {
    const pair = await startSwarmPair({ sim: { olderAtDestination: choice } });
    try {
      const ref = { domain: 'baker', bucket: 'b', name: 'o.txt' };
      pair.sim.cluster('baker').put({ ...ref, body: 'one' });
      expect((await pair.send(ref)).observation.remoteStatus).toBe(201);
      pair.sim.cluster('baker').put({ ...ref, body: 'two' });
      expect((await pair.send(ref)).observation.remoteStatus).toBe(status);
      expect(Buffer.from(pair.sim.cluster('dr').get(ref)!.body).toString()).toBe(held);
      // A DR copy that is not older is never replaced.
      expect((await pair.send(ref)).observation.remoteStatus).toBe(409);
    } finally {
      await pair.close();
    }
  });
});
