import { createHash } from 'node:crypto';
import { startSimulator, type SimCluster, type SwarmSimulator } from '../../../simulator/index.js';
import { RawConnection, request } from '../../helpers/raw-client.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

describe('simulator object store over SCSP', () => {
  let sim: SwarmSimulator;
  let cluster: SimCluster;
  let a: string;
  let b: string;
  let conn: RawConnection;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, clusters: [{ name: 'baker', nodes: 3 }] });
    cluster = sim.cluster('baker');
    [a = '', b = ''] = cluster.addresses;
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    conn = await RawConnection.open(a);
  });
  afterEach(() => conn.close());

  it('writes an unnamed object: 201, Content-UUID, two Locations with the receiving node last', async () => {
    const res = await conn.exchange(request('POST', '/', a, { 'Content-Type': 'text/plain' }, 'hello'));
    expect(res.status).toBe(201);
    const uuid = res.header('Content-UUID') ?? '';
    expect(uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headerAll('Location')).toEqual([`http://${b}/${uuid}`, `http://${a}/${uuid}`]);
    expect(res.header('Manifest')).toBeUndefined();
    expect(res.header('Content-Type')).toBe('text/html');

    const got = await conn.exchange(request('GET', `/${uuid}`, a));
    expect(got.body).toBe('hello');
    expect(got.header('Etag')).toBe(`"${md5('hello')}"`);
    expect(got.header('Content-Type')).toBe('text/plain');
    expect(got.header('Castor-System-Cluster')).toBe('baker');
    expect(got.header('Last-Modified')).toBe(got.header('Castor-System-Created'));
    expect(got.header('Castor-System-Alias')).toBeUndefined();
    expect(cluster.get({ uuid: uuid.toUpperCase() })?.contentType).toBe('text/plain');
  });

  it('writes an erasure-coded object: Manifest: ec, receiving node first', async () => {
    const res = await conn.exchange(request('POST', '/?encoding=4:2', a, {}, 'ec-data'));
    const uuid = res.header('Content-UUID') ?? '';
    expect(res.header('Manifest')).toBe('ec');
    expect(res.headerAll('Location')[0]).toBe(`http://${a}/${uuid}`);
    expect(res.headerAll('Location')).toHaveLength(3);
    expect((await conn.exchange(request('HEAD', `/${uuid}`, a), { head: true })).header('Manifest')).toBe('ec');
  });

  it('creates an alias, replaces its content with PUT, and refuses to replace an immutable object', async () => {
    const created = await conn.exchange(request('POST', '/?alias=yes', a, {}, 'v1'));
    const uuid = created.header('Content-UUID') ?? '';
    const head = await conn.exchange(request('HEAD', `/${uuid}?alias`, a), { head: true });
    expect(head.header('Castor-System-Alias')).toBe(uuid);
    expect(head.header('Content-Length')).toBe('2');
    const updated = await conn.exchange(request('PUT', `/${uuid}?alias=yes`, a, {}, 'version 2'));
    expect(updated.status).toBe(201);
    expect((await conn.exchange(request('GET', `/${uuid}`, a))).body).toBe('version 2');

    const immutable = cluster.put({ body: 'fixed' });
    expect((await conn.exchange(request('PUT', `/${immutable.uuid}`, a, {}, 'new'))).status).toBe(409);
    expect((await conn.exchange(request('PUT', `/${'f'.repeat(32)}`, a, {}, 'new'))).status).toBe(404);
  });

  it('stores named objects with UTF-8 names, literal and encoded "/" alike', async () => {
    const name = 'año/中文/file name.txt';
    const literal = `/photos/${encodeURIComponent('año')}/${encodeURIComponent('中文')}/file%20name.txt`;
    const res = await conn.exchange(request('PUT', literal, a, { 'Content-Type': 'text/plain' }, 'named'));
    expect(res.status).toBe(201);
    expect(res.header('Content-UUID')).toBeUndefined();
    expect(res.headerAll('Location').at(-1)).toBe(`http://${a}/photos/a%C3%B1o/%E4%B8%AD%E6%96%87/file%20name.txt`);
    expect(cluster.get({ bucket: 'photos', name })?.bucket).toBe('photos');

    const encoded = `/photos/${encodeURIComponent(name)}`;
    const got = await conn.exchange(request('GET', encoded, a));
    expect(got.body).toBe('named');
    expect(got.header('Castor-System-Name')).toBe('a%C3%B1o/%E4%B8%AD%E6%96%87/file%20name.txt');
    expect(got.header('Castor-System-Path')).toBe('/baker/photos/a%C3%B1o/%E4%B8%AD%E6%96%87/file%20name.txt');
  });

  it('takes the domain from ?domain= (which wins) or from a Host that is not an IP', async () => {
    await conn.exchange(request('PUT', '/docs/a.txt', 'Acme.Example:8080', {}, 'from host'));
    await conn.exchange(request('PUT', '/docs/a.txt?domain=other.example', 'acme.example', {}, 'from query'));
    expect(
      Buffer.from(cluster.get({ domain: 'acme.example', bucket: 'docs', name: 'a.txt' })?.body ?? []).toString(),
    ).toBe('from host');
    expect(
      Buffer.from(cluster.get({ domain: 'other.example', bucket: 'docs', name: 'a.txt' })?.body ?? []).toString(),
    ).toBe('from query');
    expect((await conn.exchange(request('GET', '/docs/a.txt', a))).status).toBe(412);
    expect((await conn.exchange(request('GET', '/docs/a.txt?domain=acme.example', a))).body).toBe('from host');
  });

  it('answers 412 with the error cascade for a missing bucket, 404 for a missing object', async () => {
    cluster.put({ bucket: 'present', name: 'x', body: '' });
    const noBucket = await conn.exchange(request('GET', '/absent/x', a));
    expect(noBucket.status).toBe(412);
    expect(noBucket.headerAll('Castor-System-Error-Code')).toEqual(['404', '412']);
    expect(noBucket.headerAll('Castor-System-Error-Token')).toEqual(['SecurityRealmFailure', 'RequiresContext2']);
    expect((await conn.exchange(request('GET', '/present/y', a))).status).toBe(404);
    expect((await conn.exchange(request('HEAD', '/present', a), { head: true })).status).toBe(200);
    expect((await conn.exchange(request('GET', `/${'0'.repeat(32)}`, a))).status).toBe(404);
  });

  it('deletes: 200 with the object headers, then 404', async () => {
    const obj = cluster.put({ body: 'bye' });
    const del = await conn.exchange(request('DELETE', `/${obj.uuid}`, a));
    expect(del.status).toBe(200);
    expect(del.header('Etag')).toBe(obj.etag);
    expect(del.header('Content-Length')).toBe('0');
    expect(cluster.has({ uuid: obj.uuid })).toBe(false);
    expect((await conn.exchange(request('DELETE', `/${obj.uuid}`, a))).status).toBe(404);
  });

  it('deletes a named object: 200, then HEAD and GET answer 404 on every node', async () => {
    cluster.put({ bucket: 'b', name: 'gone soon', body: 'x' });
    expect((await conn.exchange(request('DELETE', '/b/gone%20soon', a))).status).toBe(200);
    expect((await conn.exchange(request('HEAD', '/b/gone%20soon', a), { head: true })).status).toBe(404);
    const other = await RawConnection.open(b);
    expect((await other.exchange(request('GET', '/b/gone%20soon', b))).status).toBe(404);
    other.close();
  });

  it('keeps the Lifepoint headers of a write, returns them on HEAD, and refuses a DELETE while deletable=no is in force (403)', async () => {
    const lifepoint = '[Wed, 12 Dec 2040 15:59:02 GMT] reps=3, deletable=no';
    const put = await conn.exchange(
      request('PUT', '/locks/held', a, { Lifepoint: lifepoint, 'Content-Type': 'text/plain' }, 'locked'),
    );
    expect(put.status).toBe(201);
    const head = await conn.exchange(request('HEAD', '/locks/held', a), { head: true });
    expect(head.headerAll('Lifepoint')).toEqual([lifepoint]);
    const refused = await conn.exchange(request('DELETE', '/locks/held', a));
    expect(refused.status).toBe(403);
    expect(refused.header('Castor-System-Error-Text')).toBe('The requested resource cannot be deleted at this time.');
    expect(refused.body).toContain('cannot be deleted at this time');
    expect(cluster.has({ bucket: 'locks', name: 'held' })).toBe(true);
    // Its copies keep the lifepoint: the record a SEND copies is the stored one.
    expect(cluster.get({ bucket: 'locks', name: 'held' })?.lifepoints).toEqual([lifepoint]);
    // An object without one is deletable as before, and has no Lifepoint header.
    cluster.put({ bucket: 'locks', name: 'free', body: 'x' });
    expect(
      (await conn.exchange(request('HEAD', '/locks/free', a), { head: true })).header('Lifepoint'),
    ).toBeUndefined();
    expect((await conn.exchange(request('DELETE', '/locks/free', a))).status).toBe(200);
  });

  it('shares one store between the nodes of a cluster', async () => {
    const res = await conn.exchange(request('POST', '/', a, {}, 'shared'));
    const other = await RawConnection.open(b);
    expect((await other.exchange(request('GET', `/${res.header('Content-UUID') ?? ''}`, b))).body).toBe('shared');
    other.close();
  });

  it('validates direct puts', () => {
    expect(() => cluster.put({ uuid: 'nothex', body: '' })).toThrow(/32-hex/);
    expect(() => cluster.put({ bucket: 'b', body: '' })).toThrow(/bucket and name/);
    const named = cluster.put({ bucket: 'b', name: 'n', body: new Uint8Array([1, 2]) });
    expect(named).toMatchObject({ domain: 'baker', alias: false, ec: false, contentType: 'application/octet-stream' });
    expect(named.version).toMatch(/^\d+\.\d{3}$/);
    expect(cluster.delete({ bucket: 'b', name: 'n' })).toBe(true);
  });
});
