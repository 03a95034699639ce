import { Pool } from 'undici';
import { ClusterTransport, type TransportRequest } from '../../../functions/core/transport/cluster-transport.js';
import type { ClusterConfig } from '../../../functions/core/registry/registry.js';
import { answerWith, startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { clusterOf, transportOnRawNodes } from '../../helpers/transport.js';

const ADMIN = { username: 'admin', password: 'pw' };

/** A raw node answering every request with `size` bytes of body (Content-Length framed). */
async function bodyNode(size: number): Promise<{ node: RawNode; cluster: ClusterConfig }> {
  const node = await startRawNode(answerWith('200 OK', '', 'a'.repeat(size)));
  return { node, cluster: clusterOf([node.address]) };
}

describe('ClusterTransport', () => {
  it('reads a GET body larger than the default bound when the request raises it (listing pages)', async () => {
    const { node, cluster } = await bodyNode(2 * 1024 * 1024);
    const transport = new ClusterTransport();
    try {
      const big = await transport.request({
        cluster,
        credentials: ADMIN,
        method: 'GET',
        target: '/b?format=json',
        headers: {},
        readBody: 'text',
        maxResponseBytes: 16 * 1024 * 1024,
      });
      expect(big).toMatchObject({ status: 200, complete: true, error: null });
      expect(big.body).toHaveLength(2 * 1024 * 1024);
      const capped = await transport.request({
        cluster,
        credentials: ADMIN,
        method: 'GET',
        target: '/b',
        headers: {},
        readBody: 'text',
      });
      expect(capped).toMatchObject({ status: 200, complete: false, body: '' });
      expect(capped.detail).toContain('larger than 1048576 bytes');
    } finally {
      await transport.close();
      await node.close();
    }
  });

  it('builds its connections with the given dispatcher factory, once per origin', async () => {
    const { node, cluster } = await bodyNode(3);
    const origins: string[] = [];
    const transport = new ClusterTransport({
      dispatcherFactory: (origin, o) => (origins.push(origin), new Pool(origin, o)),
    });
    try {
      for (let i = 0; i < 3; i++)
        expect(
          await transport.request({
            cluster,
            credentials: ADMIN,
            method: 'GET',
            target: '/',
            headers: {},
            readBody: 'text',
          }),
        ).toMatchObject({ status: 200, body: 'aaa' });
      expect(origins).toStrictEqual([cluster.nodes[0]!.origin]);
    } finally {
      await transport.close();
      await node.close();
    }
  });

  describe('answers made without a node, and repeated Location headers', () => {
    const raw = transportOnRawNodes();
    const get = (cluster: ClusterConfig, credentials = ADMIN, over: Partial<TransportRequest> = {}) =>
      raw.get(cluster, { credentials, target: '/o', ...over });

    it('refuses credentials no header can carry before anything goes on the wire, and says why', async () => {
      const { started, cluster } = await raw.start(answerWith('200 OK'));
      const r = await get(cluster, { username: 'admin', password: 'pw\r\nx-injected: 1' });
      expect(r).toMatchObject({
        status: null,
        error: 'credentials-invalid',
        detail: 'credentials: the password contains a control character (CR, LF, NUL...)',
        requests: 0,
        node: null,
      });
      expect(started[0]!.bytes()).toBe('');
    });

    it('counts the nodes it keeps a pool for and the challenges it caches', async () => {
      const challenge =
        'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="r", nonce="n", qop="auth"\r\ncontent-length: 0\r\n\r\n';
      const { cluster } = await raw.start((head, socket) =>
        socket.write(/\r\nauthorization:/i.test(head) ? 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n' : challenge),
      );
      expect(raw.transport().stats).toStrictEqual({ nodes: 0, authEntries: 0 });
      expect(await get(cluster)).toMatchObject({ status: 200, requests: 2 });
      expect(raw.transport().stats).toStrictEqual({ nodes: 1, authEntries: 1 });
    });

    it('answers a network error naming the cause when the cluster has no node to ask', async () => {
      const r = await get({ ...clusterOf(['127.0.0.1:9']), nodes: [] });
      expect(r).toMatchObject({ status: null, error: 'network-error', detail: 'no node to ask', requests: 0 });
    });

    it('follows the last of several Location headers of a redirect', async () => {
      const to = (await raw.start(answerWith('200 OK', '', 'arrived'))).started[0]!;
      const from = (
        await raw.start((_head, socket) =>
          socket.write(
            'HTTP/1.1 301 Moved Permanently\r\nlocation: http://192.0.2.1:80/o\r\nlocation: http://192.0.2.2:80/o\r\n' +
              `location: http://${to.address}/moved\r\ncontent-length: 0\r\n\r\n`,
          ),
        )
      ).started[0]!;
      const r = await get(clusterOf([from.address, to.address]), ADMIN, { rotate: false });
      expect(r).toMatchObject({ status: 200, error: null, body: 'arrived', node: { hostPort: to.address } });
      expect(to.requests[0]).toMatch(/^GET \/moved /);
    });
  });
});
