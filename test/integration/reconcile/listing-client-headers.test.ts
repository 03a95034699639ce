import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { USER_AGENT } from '../../../functions/core/send/scsp-request.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';

// What listing requests say: the User-Agent of every page and usage check, and the marker of each next page.

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;

describe('ListingClient requests', () => {
  let node: RawNode;
  let transport: ClusterTransport;
  beforeEach(async () => {
    node = await startRawNode((_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\ncastor-system-bytes-used: 3\r\ncontent-length: 2\r\n\r\n[]'),
    );
    transport = new ClusterTransport();
  });
  afterEach(async () => {
    await transport.close();
    await node.close();
  });
  const clientWith = (options: ConstructorParameters<typeof ListingClient>[3] = {}) =>
    new ListingClient(
      transport,
      parseRegistry({ clusters: { p: { name: 'p', nodes: [node.address], credentials: 'x' } } }).clusters.p!,
      ADMIN,
      options,
    );

  it('name the product in their User-Agent by default', async () => {
    const client = clientWith();
    expect(await client.page(SCOPE, null)).toStrictEqual([]);
    expect(await client.usage({ domain: 'example.com', bucket: 'b' })).toBe(3);
    expect(node.requests.map((h) => headerOf(h, 'user-agent'))).toStrictEqual([USER_AGENT, USER_AGENT]);
  });

  it('carry the User-Agent the client was given', async () => {
    const client = clientWith({ userAgent: 'reconcile-test/1.0' });
    await client.page(SCOPE, null);
    await client.usage({ domain: 'example.com', bucket: 'b' });
    expect(node.requests.map((h) => headerOf(h, 'user-agent'))).toStrictEqual([
      'reconcile-test/1.0',
      'reconcile-test/1.0',
    ]);
  });

  it('ask for each next page after the last row of the page before', async () => {
    const pages = ['[{"name":"a"},{"name":"b"},{"name":"c"}]', '[{"name":"d"},{"name":"e"},{"name":"f"}]', '[]'];
    const paged = await startRawNode((_head, socket, i) => {
      const body = pages[Math.min(i, pages.length - 1)]!;
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    });
    try {
      const client = new ListingClient(
        transport,
        parseRegistry({ clusters: { p: { name: 'p', nodes: [paged.address], credentials: 'x' } } }).clusters.p!,
        ADMIN,
        { pageSize: 3 },
      );
      const keys: string[] = [];
      for await (const page of client.pages(SCOPE)) keys.push(...page.map((r) => r.key));
      expect(keys).toStrictEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(paged.requests.map((h) => h.split(' ')[1])).toStrictEqual([
        '/b?format=json&domain=example.com&size=3&admin',
        '/b?format=json&domain=example.com&size=3&marker=c&admin',
        '/b?format=json&domain=example.com&size=3&marker=f&admin',
      ]);
    } finally {
      await paged.close();
    }
  });
});
