import { createServer, type Server } from 'node:net';
import { Pool } from 'undici';
import { ClusterTransport } from '../../../functions/core/cluster-transport.js';
import { parseRegistry, type ClusterConfig } from '../../../functions/core/registry.js';

const ADMIN = { username: 'admin', password: 'pw' };

/** A raw node answering every request with `size` bytes of body (Content-Length framed). */
async function bodyNode(size: number): Promise<{ server: Server; cluster: ClusterConfig }> {
  const server = createServer((socket) => {
    socket.on('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`);
      socket.write(Buffer.alloc(size, 'a'));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const reg = parseRegistry({ clusters: { p: { name: 'p', nodes: [`127.0.0.1:${port}`], credentials: 'x' } } });
  return { server, cluster: reg.clusters.p! };
}

describe('ClusterTransport', () => {
  it('reads a GET body larger than the default bound when the request raises it (listing pages)', async () => {
    const { server, cluster } = await bodyNode(2 * 1024 * 1024);
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
      server.close();
    }
  });

  it('builds its connections with the given dispatcher factory, once per origin', async () => {
    const { server, cluster } = await bodyNode(3);
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
      server.close();
    }
  });
});
