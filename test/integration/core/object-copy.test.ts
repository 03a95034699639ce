import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { ObjectCopier } from '../../../functions/core/copy/object-copy.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';

// The worker's own copy (replaceStale: "copy") against raw-socket nodes: what goes on the wire.
// The source node answers the GET with metadata a faithful copy keeps and some it must not; the
// DR node takes a challenge on the probe and the streamed PUT.

const ADMIN = { username: 'admin', password: 'pw' };
const BODY = 'hello world';

const sourceHeaders = (version: string, md5 = true) =>
  [
    'HTTP/1.1 200 OK',
    `Content-Length: ${BODY.length}`,
    'Content-Type: text/plain',
    'Content-Disposition: attachment; filename="a.txt"',
    ...(md5 ? ['Content-MD5: XrY7u+Ae7tCTyyK7j1rNww=='] : []),
    'X-Color-Meta-Shade: blue',
    'X-Size-Meta: large',
    'Castor-Owner: team-a',
    'Lifepoint: [Wed, 12 Dec 2040 15:59:02 GMT] reps=3, deletable=no',
    'Lifepoint: [] reps=2',
    'Castor-System-Cluster: baker',
    `Castor-System-Version: ${version}`,
    'Etag: "e-source"',
    '',
    '',
  ].join('\r\n');

function source(o: { afterVersion?: string; md5?: boolean; afterStatus?: number } = {}): Promise<RawNode> {
  return startRawNode((head, socket) => {
    if (head.startsWith('GET ')) socket.write(sourceHeaders('1700000000.000', o.md5) + BODY);
    else if (o.afterStatus) socket.write(`HTTP/1.1 ${o.afterStatus} X\r\nContent-Length: 0\r\n\r\n`);
    else socket.write(sourceHeaders(o.afterVersion ?? '1700000000.000', o.md5));
  });
}

/**
 * The DR node: 401 with a Digest challenge to the probe; the PUT answered once its body is in
 * (`putHead`: the status line and headers of that answer, a redirect for example).
 */
function dr(putStatus = 201, putHead?: () => string): Promise<RawNode> {
  let node: RawNode;
  let bodies = 0;
  const answer = (head: string, socket: Socket): void => {
    if (head.startsWith('HEAD ')) {
      socket.write(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const reply = (): void => {
      if (node.bytes().split(BODY).length - 1 <= bodies) return void setImmediate(reply);
      bodies++;
      socket.write(putHead ? putHead() : `HTTP/1.1 ${putStatus} X\r\nContent-Length: 0\r\n\r\n`);
    };
    reply();
  };
  return startRawNode(answer).then((n) => (node = n));
}

function clusters(src: RawNode, d: RawNode, more: RawNode[] = [], down: string[] = []) {
  const r = parseRegistry({
    clusters: {
      p: { name: 'baker', nodes: [...down, src.address], credentials: 'x' },
      d: {
        name: 'dr',
        nodes: [...down, d.address, ...more.map((n) => n.address)],
        target: d.address,
        credentials: 'y',
      },
    },
  });
  return { source: r.clusters.p!, destination: r.clusters.d! };
}

describe('ObjectCopier on raw nodes', () => {
  const nodes: RawNode[] = [];
  const copier = new ObjectCopier('swarm-send/test');
  afterAll(async () => {
    await copier.close();
    await Promise.all(nodes.map((n) => n.close()));
  });

  async function copy(
    o: { afterVersion?: string; afterStatus?: number; putStatus?: number; md5?: boolean; putHead?: () => string } = {},
    more: RawNode[] = [],
    down: string[] = [],
  ) {
    const src = await source(o);
    const d = await dr(o.putStatus, o.putHead);
    nodes.push(src, d);
    const result = await copier.copy({
      ...clusters(src, d, more, down),
      sourceCredentials: ADMIN,
      destinationCredentials: ADMIN,
      object: { domain: 'baker', bucket: 'docs', name: 'a.txt' },
    });
    return { result, src, d };
  }

  it('PUTs the body with the metadata a faithful copy keeps, authenticated, never Castor-System-*', async () => {
    const { result, d } = await copy();
    const md5 = createHash('md5').update(BODY).digest('base64');
    expect(result).toMatchObject({ kind: 'copied', requests: 4, bytes: BODY.length, md5 });
    const put = d.requests.find((h) => h.startsWith('PUT '))!;
    expect(put.split('\r\n')[0]).toBe('PUT /docs/a.txt?admin&domain=baker HTTP/1.1');
    expect(headerOf(put, 'content-length')).toBe(String(BODY.length));
    expect(headerOf(put, 'content-type')).toBe('text/plain');
    expect(headerOf(put, 'content-disposition')).toBe('attachment; filename="a.txt"');
    expect(headerOf(put, 'content-md5')).toBe('XrY7u+Ae7tCTyyK7j1rNww==');
    expect(headerOf(put, 'x-color-meta-shade')).toBe('blue');
    // Swarm keeps custom metadata named x-*-meta-* and x-*-meta.
    expect(headerOf(put, 'x-size-meta')).toBe('large');
    expect(headerOf(put, 'castor-owner')).toBe('team-a');
    expect(put.match(/\r\nlifepoint: /gi)).toHaveLength(2);
    expect(put).not.toMatch(/\r\ncastor-system-/i);
    expect(put).not.toMatch(/\r\netag:/i);
    expect(headerOf(put, 'authorization')).toMatch(/^Digest .*uri="\/docs\/a\.txt\?admin&domain=baker"/);
    expect(d.bytes().endsWith(BODY)).toBe(true);
  });

  it('asks DR to compute a Content-MD5 (gencontentmd5) when the source stores none', async () => {
    const { result, d } = await copy({ md5: false });
    expect(result).toMatchObject({ kind: 'copied' });
    const put = d.requests.find((h) => h.startsWith('PUT '))!;
    expect(put.split('\r\n')[0]).toBe('PUT /docs/a.txt?admin&domain=baker&gencontentmd5 HTTP/1.1');
    expect(headerOf(put, 'content-md5')).toBeUndefined();
  });

  it('ends in source-changed when the source HEAD afterwards shows another version', async () => {
    const { result } = await copy({ afterVersion: '1700000009.000' });
    expect(result).toMatchObject({ kind: 'source-changed', bytes: BODY.length });
  });

  it('a source HEAD afterwards that fails is a failed copy, never read as a changed source', async () => {
    const { result } = await copy({ afterStatus: 503 });
    expect(result).toMatchObject({ kind: 'failed', detail: 'copy: the source HEAD after the copy answered 503' });
  });

  it('follows a DR node redirecting the PUT (as Swarm redirects writes to another node): GET again, PUT there', async () => {
    const other = await dr();
    nodes.push(other);
    const location = `http://${other.address}/docs/a.txt?admin&domain=baker&auth=0123456789abcdef0123456789abcdef`;
    const redirect = () => `HTTP/1.1 301 Moved Permanently\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`;
    const { result, src, d } = await copy({ putHead: redirect }, [other]);
    // The body went twice: to the node that redirected, then to the Location.
    expect(result).toMatchObject({ kind: 'copied', bytes: 2 * BODY.length, size: BODY.length });
    expect(d.requests.filter((h) => h.startsWith('PUT '))).toHaveLength(1);
    const put = other.requests.find((h) => h.startsWith('PUT '))!;
    expect(put.split('\r\n')[0]).toBe(
      'PUT /docs/a.txt?admin&domain=baker&auth=0123456789abcdef0123456789abcdef HTTP/1.1',
    );
    expect(headerOf(put, 'authorization')).toMatch(/^Digest .*uri="\/docs\/a\.txt\?admin&domain=baker&auth=0123/);
    expect(headerOf(put, 'content-length')).toBe(String(BODY.length));
    expect(other.bytes().endsWith(BODY)).toBe(true);
    // The body cannot be sent twice: the source is read again for the redirected PUT.
    expect(src.requests.filter((h) => h.startsWith('GET '))).toHaveLength(2);
  });

  it('a first node that does not answer, on either cluster: the copy goes to the next one', async () => {
    const gone = await startRawNode(() => undefined);
    await gone.close();
    const { result, src, d } = await copy({}, [], [gone.address]);
    expect(result).toMatchObject({ kind: 'copied', bytes: BODY.length });
    expect(src.requests.filter((h) => h.startsWith('GET '))).toHaveLength(1);
    expect(d.requests.filter((h) => h.startsWith('PUT '))).toHaveLength(1);
  });

  it('reports a DR refusal with its status; only a 403 (forbidden, never overridden) is permanent', async () => {
    expect((await copy({ putStatus: 507 })).result).toStrictEqual(
      expect.objectContaining({ kind: 'failed', detail: 'copy: DR PUT answered 507' }),
    );
    expect((await copy({ putStatus: 507 })).result).not.toHaveProperty('permanent');
    expect((await copy({ putStatus: 403 })).result).toMatchObject({
      kind: 'failed',
      detail: 'copy: DR PUT answered 403',
      permanent: true,
    });
  });
});
