import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { RawConnection, request } from '../../helpers/raw-client.js';

describe('simulator HTTP/1.1 handling', () => {
  let sim: SwarmSimulator;
  let node: string;
  let uuid: string;
  let conn: RawConnection;

  beforeAll(async () => {
    sim = await startSimulator({ clusters: [{ name: 'baker', nodes: 1 }] });
    node = sim.cluster('baker').addresses[0] ?? '';
    uuid = sim.cluster('baker').put({ body: 'hello' }).uuid;
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    conn = await RawConnection.open(node);
  });
  afterEach(() => conn.close());

  it('answers 400 "Host header is required" without a Host, and keeps the connection', async () => {
    const res = await conn.exchange(`GET /${uuid} HTTP/1.1\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(res.header('Castor-System-Error-Text')).toBe('A Host header is required');
    expect(res.body).toContain('A Host header is required');
    expect(res.header('Content-Type')).toBe('text/html');
    expect((await conn.exchange(request('GET', `/${uuid}`, node))).body).toBe('hello');
  });

  it('answers 505 to HTTP/1.0 and closes', async () => {
    const res = await conn.exchange(`GET /${uuid} HTTP/1.0\r\nHost: ${node}\r\n\r\n`);
    expect(res.statusLine).toBe('HTTP/1.1 505 HTTP Version Not Supported');
    expect(res.header('Connection')).toBe('close');
    expect((await conn.drain()).text).toBe('');
  });

  it('answers 501 with Allow to an unknown method and closes', async () => {
    const res = await conn.exchange(request('BREW', `/${uuid}`, node));
    expect(res.statusLine).toBe('HTTP/1.1 501 Not Implemented');
    expect(res.header('Allow')).toBe('HEAD, HOLD, GET, SEND, PUT, RELEASE, POST, COPY, GEN, APPEND, DELETE');
    expect(res.header('Castor-System-Error-Code')).toBe('501');
    expect(res.header('Connection')).toBe('close');
    expect(conn.isClosed || (await conn.drain()).text === '').toBe(true);
  });

  it.each([
    ['a malformed request line', 'GET /x\r\nHost: h\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost h\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n'],
    ['a bad Content-Length', 'PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n'],
    ['a head over 32 KB', `GET / HTTP/1.1\r\nHost: h\r\n${'X-Big: '.concat('a'.repeat(8000), '\r\n').repeat(5)}\r\n`],
  ])('answers 400 to %s and closes', async (_label, bytes) => {
    const res = await conn.exchange(bytes);
    expect(res.status).toBe(400);
    expect(res.header('Connection')).toBe('close');
    expect(res.header('Castor-System-Error-Code')).toBe('400');
    await conn.drain();
    expect(conn.isClosed).toBe(true);
  });

  it.each([
    ['junk before the method', '@GET / HTTP/1.1\r\nHost: h\r\n\r\n', 400, 'Malformed request line'],
    ['junk after the version', 'GET / HTTP/1.1 x\r\nHost: h\r\n\r\n', 400, 'Malformed request line'],
    ['a version with three digits', 'GET / HTTP/1.10\r\nHost: h\r\n\r\n', 400, 'Malformed request line'],
    [
      'a header name with a non-token character',
      'GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n',
      400,
      'Malformed header line',
    ],
    [
      'a chunked body with a bad chunk size',
      'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'Malformed chunked request body',
    ],
    [
      'a Content-Length over 256 MiB',
      `PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: ${256 * 1024 * 1024 + 1}\r\n\r\n`,
      413,
      'Request body too large',
    ],
  ])('answers %s with a 4xx naming the reason, and closes', async (_label, bytes, status, text) => {
    const res = await conn.exchange(bytes);
    expect(res.status).toBe(status);
    expect(res.header('Castor-System-Error-Code')).toBe(String(status));
    expect(res.header('Castor-System-Error-Text')).toBe(text);
    expect(res.header('Connection')).toBe('close');
    await conn.drain();
    expect(conn.isClosed).toBe(true);
  });

  it('ignores empty lines before a request line (RFC 9112 section 2.2)', async () => {
    const res = await conn.exchange(`\r\n\n\r\n${request('GET', `/${uuid}`, node)}`);
    expect([res.status, res.body]).toEqual([200, 'hello']);
  });

  it('answers pipelined requests in order on one persistent connection', async () => {
    conn.write(request('GET', `/${uuid}`, node) + request('HEAD', `/${uuid}`, node) + request('GET', '/', node));
    const a = await conn.read();
    const b = await conn.read({ head: true });
    const c = await conn.read();
    expect([a.status, a.body]).toEqual([200, 'hello']);
    expect([b.status, b.header('Content-Length'), b.body]).toEqual([200, '5', '']);
    expect(c.header('Castor-System-Cluster')).toBe('baker');
    expect(sim.cluster('baker').nodes[0]?.counters().byMethod).toMatchObject({
      GET: expect.any(Number),
      HEAD: expect.any(Number),
    });
  });

  it('honours Connection: close from the client', async () => {
    const res = await conn.exchange(request('GET', `/${uuid}`, node, { Connection: 'close' }));
    expect(res.header('Connection')).toBe('close');
    expect((await conn.drain()).text).toBe('');
  });

  it('matches header names case-insensitively and reads a request split across packets', async () => {
    const text = `GET /${uuid} HTTP/1.1\r\nhOsT: ${node}\r\n\r\n`;
    conn.write(text.slice(0, 7));
    await new Promise((r) => setTimeout(r, 10));
    conn.write(text.slice(7));
    expect((await conn.read()).body).toBe('hello');
  });

  it('reads a chunked request body and answers Expect: 100-continue', async () => {
    conn.write(
      `PUT /bucket/chunky HTTP/1.1\r\nHost: ${node}\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`,
    );
    const cont = await conn.read();
    expect(cont.statusLine).toBe('HTTP/1.1 100 Continue');
    conn.write('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    const created = await conn.read();
    expect(created.status).toBe(201);
    expect((await conn.exchange(request('GET', '/bucket/chunky', node))).body).toBe('hello world');
  });

  it('answers 411 to a write without Content-Length', async () => {
    const res = await conn.exchange(`POST / HTTP/1.1\r\nHost: ${node}\r\n\r\n`);
    expect(res.status).toBe(411);
  });

  it('serves the node status page on GET /', async () => {
    const res = await conn.exchange(request('GET', '/', node));
    expect(res.status).toBe(200);
    expect(res.header('Server')).toBe('CAStor Cluster/9.1.0');
    expect(res.header('Castor-System-Cluster')).toBe('baker');
    expect(res.header('Castor-System-TotalGBAvailable')).toMatch(/^\d+$/);
    expect(res.header('Allow')).toBe('HEAD, GET, PUT, POST, COPY, APPEND, DELETE');
  });
});
