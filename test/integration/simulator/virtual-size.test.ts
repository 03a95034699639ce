import { connect } from 'node:net';
import { TransferModel } from '../../../simulator/transfer.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request } from '../../helpers/raw-client.js';

const TB = 1_000_000_000_000;

/** The first `length` bytes of a virtual object's filler: its UUID repeated. */
const filler = (uuid: string, length: number): string => uuid.repeat(Math.ceil(length / 32)).slice(0, length);

/** GETs `target` on a plain socket, keeps the first `bytes` of the body, then hangs up. */
function getFirstBytes(node: string, target: string, bytes: number): Promise<{ head: string; body: string }> {
  const [host = '', port = ''] = node.split(/:(?=\d+$)/);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(request('GET', target, node)));
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0 && buf.length - end - 4 >= bytes) {
        socket.destroy();
        resolve({ head: buf.toString('latin1', 0, end), body: buf.toString('latin1', end + 4, end + 4 + bytes) });
      }
    });
    socket.on('error', reject);
  });
}

describe('simulator virtual sizes (an object stored with a size and no bytes)', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.sim.close();
    pair = undefined;
  });

  it('says the size on HEAD, in listing rows and in the bucket usage, holding no bytes', async () => {
    pair = await startPair();
    const obj = pair.source.put({ bucket: 'big', name: 'disk.img', size: 2 * TB });
    expect(obj.virtual).toBe(true);
    expect(obj.size).toBe(2 * TB);
    expect(obj.body.length).toBe(0);
    const conn = await RawConnection.open(pair.src);
    try {
      const head = await conn.exchange(request('HEAD', '/big/disk.img', pair.src), { head: true });
      expect(head.status).toBe(200);
      expect(head.header('Content-Length')).toBe('2000000000000');
      expect(head.header('Etag')).toBe(obj.etag);
      const rows = await conn.exchange(request('GET', '/big?format=json&domain=baker', pair.src));
      expect(JSON.parse(rows.body)).toEqual([expect.objectContaining({ name: 'disk.img', bytes: 2 * TB })]);
      const du = await conn.exchange(request('GET', '/big?format=json&domain=baker&du=withoutreps&size=0', pair.src));
      expect(du.header('Castor-System-Bytes-Used')).toBe('2000000000000');
    } finally {
      conn.close();
    }
  });

  it('gives each virtual version its own quoted-hex ETag, keeps a given Content-MD5 and refuses to compute one', async () => {
    pair = await startPair();
    const first = pair.source.put({ bucket: 'b', name: 'n', size: 10, contentMd5: 'c2l6ZSBvbmx5' });
    const second = pair.source.put({ bucket: 'b', name: 'n', size: 10 });
    const other = pair.source.put({ size: 10 });
    for (const o of [first, second, other]) expect(o.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(new Set([first.etag, second.etag, other.etag]).size).toBe(3);
    expect(first.contentMd5).toBe('c2l6ZSBvbmx5');
    const conn = await RawConnection.open(pair.src);
    try {
      const head = await conn.exchange(request('HEAD', '/b/n', pair.src), { head: true });
      expect(head.header('Etag')).toBe(second.etag);
    } finally {
      conn.close();
    }
    expect(() => pair!.source.put({ size: 10, contentMd5: true })).toThrow(/Content-MD5 .* virtual object/);
  });

  it.each([
    [{ size: 6, body: 'bytes' }, /holds no body/],
    [{ size: -1 }, /integer number of bytes >= 0/],
    [{ size: 1.5 }, /integer number of bytes >= 0/],
    [{}, /needs a body, or a size/],
  ])('refuses put(%j)', async (input, error) => {
    pair = await startPair();
    expect(() => pair!.source.put(input)).toThrow(error);
  });

  it('takes a stored object spread into put (a body and its own size) as a real object, not a virtual one', async () => {
    pair = await startPair();
    const obj = pair.source.put({ bucket: 'b', name: 'real', body: 'bytes' });
    const copy = pair.source.put({ ...obj, name: 'copy' });
    expect(copy).toMatchObject({ size: 5, virtual: false });
    expect(Buffer.from(copy.body).toString()).toBe('bytes');
  });

  it('streams a GET of a small virtual object as filler: its UUID repeated, Content-Length bytes', async () => {
    pair = await startPair();
    const size = 3 * 64 * 1024 + 5;
    const obj = pair.source.put({ size });
    const conn = await RawConnection.open(pair.src);
    try {
      const res = await conn.exchange(request('GET', `/${obj.uuid}`, pair.src));
      expect(res.header('Content-Length')).toBe(String(size));
      expect(res.body).toBe(filler(obj.uuid, size));
      // The connection still serves the next request after the streamed body.
      const again = await conn.exchange(request('HEAD', `/${obj.uuid}`, pair.src), { head: true });
      expect(again.status).toBe(200);
    } finally {
      conn.close();
    }
  });

  it('streams a GET of a terabyte object without holding it: the reader takes what it wants and hangs up', async () => {
    pair = await startPair();
    const obj = pair.source.put({ size: TB });
    const { head, body } = await getFirstBytes(pair.src, `/${obj.uuid}`, 300_000);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('\r\nContent-Length: 1000000000000');
    expect(body).toBe(filler(obj.uuid, 300_000));
    const conn = await RawConnection.open(pair.src);
    try {
      expect((await conn.exchange(request('GET', '/', pair.src))).status).toBe(200);
    } finally {
      conn.close();
    }
  });

  it('cuts a virtual GET in the middle under a truncate fault: half the filler, then a clean close', async () => {
    pair = await startPair();
    const obj = pair.source.put({ size: 1000 });
    pair.sim.faults.add({ match: { object: obj.uuid, method: 'GET' }, times: 1, kind: { type: 'truncate' } });
    const conn = await RawConnection.open(pair.src);
    try {
      conn.write(request('GET', `/${obj.uuid}`, pair.src));
      const { text } = await conn.drain();
      expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(filler(obj.uuid, 500));
    } finally {
      conn.close();
    }
  });

  it('copies a virtual object by SEND as it is: the DR copy is virtual with the same size and ETag', async () => {
    pair = await startPair();
    const obj = pair.source.put({ size: 5 * TB });
    const conn = await RawConnection.open(pair.src);
    try {
      const res = await conn.exchange(
        request('SEND', `/${obj.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
      );
      expect(res.body).toMatch(/Remote cluster returned: 201\s*$/);
    } finally {
      conn.close();
    }
    expect(pair.dr.get({ uuid: obj.uuid })).toMatchObject({ virtual: true, size: 5 * TB, etag: obj.etag });
  });

  it('times a virtual object by its size, ahead of a drawn size and of sendLatency', () => {
    const link = { rttMs: 10, bandwidthMbps: 80 };
    const drawn = new TransferModel({ link, objectSizes: { medianBytes: 1, p99Bytes: 2 } });
    const latency = new TransferModel({ link, sendLatency: { medianMs: 1, p99Ms: 2 } });
    // 20 MB at 80 Mbit/s (10,000 bytes a ms) is 2,000 ms, plus two round trips.
    const virtual = { uuid: 'a'.repeat(32), size: 20_000_000, virtual: true };
    expect(drawn.durationMs('baker', 'dr', virtual, true)).toBeCloseTo(2020, 6);
    expect(latency.durationMs('baker', 'dr', virtual, true)).toBeCloseTo(2020, 6);
    expect(drawn.objectSize({ ...virtual, virtual: false })).toBeLessThan(3);
    // A terabyte over 1 Gbit/s: 8,000 s.
    const gigabit = new TransferModel({ link: { rttMs: 0, bandwidthMbps: 1000 } });
    expect(gigabit.durationMs('baker', 'dr', { ...virtual, size: TB }, true)).toBe(8_000_000);
  });
});
