import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request, sendWithDigest } from '../../helpers/raw-client.js';

const AUTH = { Authorization: basicHeader('admin', PW) };

describe('simulator faults', () => {
  let pair: Pair;
  let conn: RawConnection;
  afterEach(async () => {
    conn.close();
    await pair.sim.close();
  });

  async function setup(options: Parameters<typeof startPair>[0] = {}): Promise<string> {
    pair = await startPair(options);
    conn = await RawConnection.open(pair.src);
    return pair.source.put({ body: 'payload' }).uuid;
  }

  const sendReq = (uuid: string, extra: Record<string, string> = {}): string =>
    request('SEND', `/${uuid}?admin`, pair.src, { ...pair.legacy, ...AUTH, ...extra });

  it('status 503 fires before authentication, with error headers and Connection: close', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'status', status: 503 } });
    const res = await conn.exchange(request('SEND', `/${uuid}?admin`, pair.src, pair.legacy));
    expect(res.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(res.header('Connection')).toBe('close');
    expect(res.header('Castor-System-Error-Code')).toBe('503');
    expect(res.header('Castor-System-Error-Token')).toBe('ServiceUnavailable');
    expect(res.header('Content-Type')).toBe('text/html');
    expect(await conn.drain()).toEqual({ text: '' });
    expect(pair.sim.counters()).toMatchObject({ challenges: 0, sends: 0 });
  });

  it('other status faults fire only after authentication: the 401 round trip does not use them up', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'status', status: 412 } });
    const { res } = await sendWithDigest(conn, { target: `/${uuid}?admin`, host: pair.src, headers: pair.legacy });
    expect(res.status).toBe(412);
    expect(res.header('Castor-System-Error-Code')).toBe('412');
    expect(res.header('Connection')).toBeUndefined();
    const next = await conn.exchange(sendReq(uuid));
    expect(next.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
  });

  it('remote-status reports the remote status in the body and copies nothing', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ match: { object: uuid }, times: 1, kind: { type: 'remote-status', status: 507 } });
    const res = await conn.exchange(sendReq(uuid));
    expect(res.status).toBe(200);
    expect(res.chunks).toEqual(['\n', '\n', 'Remote cluster returned: 507\n']);
    expect(pair.dr.objectCount).toBe(0);
  });

  it('remote-unreachable: early is an outer 503, late a 200 ending in "Remote cluster returned: 503"', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'remote-unreachable', variant: 'early' } });
    pair.sim.faults.add({ times: 1, kind: { type: 'remote-unreachable', variant: 'late' } });
    const early = await conn.exchange(sendReq(uuid));
    expect(early.status).toBe(503);
    expect(early.header('Castor-System-Error-Token')).toBe('RemoteUnreachable');
    expect(early.header('Castor-System-Error-Text')).toBe(`Remote cluster at ${pair.drNode} is unreachable`);
    conn = await RawConnection.open(pair.src);
    const late = await conn.exchange(sendReq(uuid));
    expect(late.status).toBe(200);
    expect(late.chunks.at(-1)).toBe('Remote cluster returned: 503\n');
    expect(pair.dr.objectCount).toBe(0);
  });

  it.each([
    [{ type: 'reset-mid-body' as const }, 0],
    [{ type: 'reset-mid-body' as const, copied: false }, 0],
    [{ type: 'reset-mid-body' as const, copied: true }, 1],
  ])('reset-mid-body sends 200, headers and one keep-alive, then resets (%j)', async (kind, count) => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind });
    conn.write(sendReq(uuid));
    const { text, error } = await conn.drain();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\ntransfer-encoding: chunked\r\n[^]*\r\n\r\n1\r\n\n\r\n$/);
    expect(error).toBe('ECONNRESET');
    expect(pair.sim.counters().resets).toBe(1);
    expect(pair.dr.objectCount).toBe(count);
  });

  it.each([
    [{ type: 'truncate' as const }, 0],
    [{ type: 'truncate' as const, copied: true }, 1],
  ])(
    'truncate closes cleanly after the keep-alives, without the result line or the zero chunk (%j)',
    async (kind, count) => {
      const uuid = await setup();
      pair.sim.faults.add({ times: 1, kind });
      conn.write(sendReq(uuid));
      const { text, error } = await conn.drain();
      expect(error).toBeUndefined();
      expect(text).toMatch(/\r\n\r\n1\r\n\n\r\n1\r\n\n\r\n$/);
      expect(pair.dr.objectCount).toBe(count);
    },
  );

  it('stall sends the headers, then nothing for the given time, then the normal answer', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'stall', ms: 120 } });
    const started = Date.now();
    const res = await conn.exchange(sendReq(uuid));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
  });

  it('stall still completes the copy when the client gives up first', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'stall', ms: 5_000 } });
    conn.write(sendReq(uuid));
    await new Promise((r) => setTimeout(r, 50));
    conn.close();
    await conn.closed;
    // The copy finishes on the server's own time: wait for it (up to 10 s on a busy machine).
    for (let i = 0; i < 200 && !pair.dr.has({ uuid }); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pair.dr.has({ uuid })).toBe(true);
  });

  it('slow-keepalive sends many keep-alives spaced in time, then the result', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'slow-keepalive', count: 5, intervalMs: 10 } });
    const res = await conn.exchange(sendReq(uuid));
    expect(res.chunks).toEqual(['\n', '\n', '\n', '\n', '\n', 'Remote cluster returned: 201\n']);
  });

  it('close-before-response reads the request and closes without a byte', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'close-before-response' } });
    conn.write(sendReq(uuid));
    expect((await conn.drain()).text).toBe('');
    expect(pair.sim.counters()).toMatchObject({ resets: 1, sends: 1 });
  });

  it('redirect sends the client to another node of the cluster with an auth= ticket', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'redirect' } });
    const res = await conn.exchange(sendReq(uuid));
    expect(res.statusLine).toBe('HTTP/1.1 301 Moved Permanently');
    expect(res.header('Location')).toMatch(
      new RegExp(`^http://${pair.source.addresses[1] ?? ''}/${uuid}\\?admin&auth=[0-9a-f]{32}$`),
    );
    expect(res.header('Content-Length')).toBe('0');
  });

  it('redirect to an outside host:port keeps the path and query', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'redirect', status: 302, to: '10.9.9.9:80', close: true } });
    const res = await conn.exchange(sendReq(uuid));
    expect(res.status).toBe(302);
    expect(res.header('Location')).toMatch(new RegExp(`^http://10\\.9\\.9\\.9:80/${uuid}\\?admin&auth=[0-9a-f]{32}$`));
    expect(res.header('Connection')).toBe('close');
  });

  it('not-found-then-found answers 404 for the first n SENDs, then works', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ match: { object: uuid.toUpperCase() }, times: 2, kind: { type: 'not-found-then-found' } });
    expect((await conn.exchange(sendReq(uuid))).status).toBe(404);
    expect((await conn.exchange(sendReq(uuid))).header('Castor-System-Error-Code')).toBe('404');
    expect((await conn.exchange(sendReq(uuid))).chunks.at(-1)).toBe('Remote cluster returned: 201\n');
  });

  it('matches on cluster, node and method', async () => {
    const uuid = await setup();
    const other = pair.source.addresses[1] ?? '';
    pair.sim.faults.add({ match: { cluster: 'dr' }, kind: { type: 'status', status: 500 } });
    pair.sim.faults.add({ match: { node: other }, kind: { type: 'status', status: 507 } });
    pair.sim.faults.add({ match: { method: 'GET' }, kind: { type: 'status', status: 403 } });
    expect((await conn.exchange(sendReq(uuid))).chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    expect((await conn.exchange(request('GET', `/${uuid}`, pair.src))).status).toBe(403);
    const otherConn = await RawConnection.open(other);
    expect((await otherConn.exchange(request('HEAD', `/${uuid}`, other), { head: true })).status).toBe(507);
    otherConn.close();
    pair.sim.faults.clear();
    expect((await conn.exchange(request('GET', `/${uuid}`, pair.src))).body).toBe('payload');
  });

  it('cuts a GET body with reset-mid-body and truncate', async () => {
    const uuid = await setup();
    pair.sim.faults.add({ times: 1, kind: { type: 'truncate' } });
    pair.sim.faults.add({ times: 1, kind: { type: 'reset-mid-body' } });
    conn.write(request('GET', `/${uuid}`, pair.src));
    const truncated = await conn.drain();
    expect(truncated.text).toMatch(/Content-Length: 7\r\n[^]*\r\n\r\npay$/);
    expect(truncated.error).toBeUndefined();
    conn = await RawConnection.open(pair.src);
    conn.write(request('GET', `/${uuid}`, pair.src));
    const reset = await conn.drain();
    expect(reset.text).toMatch(/\r\n\r\npay$/);
    expect(reset.error).toBe('ECONNRESET');
  });
});
