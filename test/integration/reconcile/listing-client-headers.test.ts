import { ClusterTransport } from '../../../functions/core/cluster-transport.js';
import { ListingClient } from '../../../functions/core/listing-client.js';
import { USER_AGENT } from '../../../functions/core/product.js';
import { parseRegistry } from '../../../functions/core/registry.js';
import { headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';

// What a listing request says about who is asking: the User-Agent of every page and usage check.

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
});
