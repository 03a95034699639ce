import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request } from '../../helpers/raw-client.js';

/** A legacy SEND with Basic credentials (auth itself is covered elsewhere). */
async function send(pair: Pair, target: string, headers: Record<string, string>, auth = basicHeader('admin', PW)) {
  const conn = await RawConnection.open(pair.src);
  try {
    return await conn.exchange(request('SEND', target, pair.src, { ...headers, Authorization: auth }));
  } finally {
    conn.close();
  }
}

/** A target no simulated node has (the simulator resolves targets itself; nothing connects). */
const UNKNOWN_TARGET = '192.0.2.1:80';

describe('legacy SEND', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it.each([
    ['Castor-System-Cluster', { 'Castor-System-Target': 'X' }],
    ['Castor-System-Target', { 'Castor-System-Cluster': 'dr' }],
  ])('answers 400 with error headers when %s is missing', async (missing, headers) => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const res = await send(pair, `/${obj.uuid}?admin`, headers);
    expect(res.status).toBe(400);
    expect(res.header('Castor-System-Error-Code')).toBe('400');
    expect(res.header('Castor-System-Error-Text')).toBe(`SEND requires the ${missing} header`);
    expect(res.header('Castor-System-Error-Token')).toBe('MissingHeader');
    expect(res.header('Content-Type')).toBe('text/html');
  });

  it('answers 400 when Castor-System-Cluster does not name the cluster at the target', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const res = await send(pair, `/${obj.uuid}?admin`, {
      'Castor-System-Cluster': 'elsewhere',
      'Castor-System-Target': pair.drNode,
    });
    expect(res.status).toBe(400);
    expect(res.header('Castor-System-Error-Text')).toMatch(/does not match/);
  });

  it.each(['dr-node', '10.0.0.1', 'http://10.0.0.1:80', '10.0.0.1:80/x', '[::g]:80'])(
    'answers 400 InvalidTarget when Castor-System-Target %j is not IP:port',
    async (target) => {
      pair = await startPair();
      const obj = pair.source.put({ body: 'x' });
      const res = await send(pair, `/${obj.uuid}?admin`, {
        'Castor-System-Cluster': 'dr',
        'Castor-System-Target': target,
      });
      expect(res.status).toBe(400);
      expect(res.header('Castor-System-Error-Token')).toBe('InvalidTarget');
      expect(res.header('Castor-System-Error-Text')).toBe(`Castor-System-Target must be IP:port, got "${target}"`);
      expect(pair.dr.objectCount).toBe(0);
    },
  );

  it('answers 404 with error headers when the object is not on the source', async () => {
    pair = await startPair();
    const res = await send(pair, `/${'ab'.repeat(16)}?admin`, pair.legacy);
    expect(res.status).toBe(404);
    expect(res.header('Castor-System-Error-Token')).toBe('ObjectNotFound');
  });

  it('reports "Remote cluster returned: 503" when the target is unknown or its node is stopped', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const unknown = await send(pair, `/${obj.uuid}?admin`, {
      'Castor-System-Cluster': 'dr',
      'Castor-System-Target': UNKNOWN_TARGET,
    });
    expect(unknown.status).toBe(200);
    expect(unknown.chunks.at(-1)).toBe('Remote cluster returned: 503\n');

    await pair.dr.nodes[0]?.stop();
    const stopped = await send(pair, `/${obj.uuid}?admin`, pair.legacy);
    expect(stopped.chunks).toEqual(['\n', '\n', 'Remote cluster returned: 503\n']);
    expect(pair.dr.objectCount).toBe(0);
  });

  it("checks the remote credentials: Castor-System-Auth when given, else the caller's own", async () => {
    pair = await startPair({}, {}, { admins: { dradmin: 'drpw' } });
    const obj = pair.source.put({ body: 'x' });
    const own = await send(pair, `/${obj.uuid}?admin`, pair.legacy);
    expect(own.chunks.at(-1)).toBe('Remote cluster returned: 401\n');
    const wrong = await send(pair, `/${obj.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': 'dradmin:bad' });
    expect(wrong.chunks.at(-1)).toBe('Remote cluster returned: 401\n');
    const noColon = await send(pair, `/${obj.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': 'dradmin' });
    expect(noColon.chunks.at(-1)).toBe('Remote cluster returned: 401\n');
    expect(pair.dr.objectCount).toBe(0);
    const right = await send(pair, `/${obj.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': 'dradmin:drpw' });
    expect(right.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it.each(['LocalHost', '[::1]'])(
    "reads a Castor-System-Target of %s:<port> as the node on the simulator's host",
    async (host) => {
      pair = await startPair();
      const obj = pair.source.put({ body: 'x' });
      const port = pair.drNode.split(':').at(-1) ?? '';
      const res = await send(pair, `/${obj.uuid}?admin`, { ...pair.legacy, 'Castor-System-Target': `${host}:${port}` });
      expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
      expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
    },
  );

  it('refuses a Castor-System-Auth without a colon, even one that reads as a user and password run together', async () => {
    pair = await startPair({}, {}, { admins: { dradmin: 'dradmin!' } });
    const obj = pair.source.put({ body: 'x' });
    const res = await send(pair, `/${obj.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': 'dradmin!' });
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 401\n');
    expect(pair.dr.objectCount).toBe(0);
  });

  it('splits Castor-System-Auth at its first colon: the user name may be empty, the password may hold colons', async () => {
    pair = await startPair({}, {}, { admins: { '': 'drpw', dradmin: 'a:b' } });
    const first = pair.source.put({ body: 'x' });
    const second = pair.source.put({ body: 'y' });
    const wrong = await send(pair, `/${first.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': ':bad' });
    expect(wrong.chunks.at(-1)).toBe('Remote cluster returned: 401\n');
    const emptyUser = await send(pair, `/${first.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': ':drpw' });
    expect(emptyUser.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    const colons = await send(pair, `/${second.uuid}?admin`, { ...pair.legacy, 'Castor-System-Auth': 'dradmin:a:b' });
    expect(colons.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    expect(pair.dr.objectCount).toBe(2);
  });

  it('copies a named object with a UTF-8 name containing "/" with all its metadata', async () => {
    pair = await startPair();
    const name = 'Grüße/2024/日本 report%.txt';
    const obj = pair.source.put({
      domain: 'acme.example',
      bucket: 'docs',
      name,
      body: 'named',
      contentType: 'text/plain',
    });
    const target = `/docs/${encodeURIComponent(name)}?admin&domain=acme.example`;
    const res = await send(pair, target, pair.legacy);
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    expect(res.header('Castor-System-Name')).toBe(encodeURIComponent(name).replace(/%2F/g, '/'));
    expect(pair.dr.get({ domain: 'acme.example', bucket: 'docs', name })).toEqual(obj);
    const again = await send(pair, target, pair.legacy);
    expect(again.chunks.at(-1)).toBe('Remote cluster returned: 409\n');
  });

  it('keeps the domain of a copy: the source default domain becomes a domain of that name at DR', async () => {
    pair = await startPair();
    pair.source.put({ bucket: 'b', name: 'n', body: 'x' });
    const res = await send(pair, '/b/n?admin', pair.legacy);
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    expect(pair.dr.has({ domain: 'baker', bucket: 'b', name: 'n' })).toBe(true);
    expect(pair.dr.has({ bucket: 'b', name: 'n' })).toBe(false);
  });

  it('answers 412 for a named object whose bucket does not exist on the source', async () => {
    pair = await startPair();
    const res = await send(pair, '/nobucket/some%20name?admin', pair.legacy);
    expect(res.status).toBe(412);
    expect(res.headerAll('Castor-System-Error-Token')).toEqual(['SecurityRealmFailure', 'RequiresContext2']);
  });

  it('streams keep-alives spaced by keepalive.intervalMs before the result', async () => {
    pair = await startPair({ keepalive: { count: 3, intervalMs: 30 } });
    const obj = pair.source.put({ body: 'x' });
    const started = Date.now();
    const res = await send(pair, `/${obj.uuid}?admin`, pair.legacy);
    expect(Date.now() - started).toBeGreaterThanOrEqual(85);
    expect(res.chunks).toEqual(['\n', '\n', '\n', 'Remote cluster returned: 201\n']);
  });

  it('sends no keep-alives in zero-latency mode', async () => {
    pair = await startPair({ zeroLatency: true, keepalive: { count: 5, intervalMs: 1000 } });
    const obj = pair.source.put({ body: 'x' });
    const res = await send(pair, `/${obj.uuid}?admin`, pair.legacy);
    expect(res.chunks).toEqual(['Remote cluster returned: 201\n']);
  });
});
