import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { startRawNode, type Answer, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';

// The bucket usage check (`du=withoutreps&size=0`): only a plain decimal Castor-System-Bytes-Used
// is a number of bytes.

const BUCKET = { domain: 'example.com', bucket: 'b' };

describe('ListingClient usage', () => {
  let node: RawNode | undefined;
  let transport: ClusterTransport;
  beforeEach(() => {
    transport = new ClusterTransport();
  });
  afterEach(async () => {
    await transport.close();
    await node?.close();
  });
  const clientOn = async (answer: Answer) => {
    node = await startRawNode(answer);
    const cluster = parseRegistry({ clusters: { p: { name: 'p', nodes: [node.address], credentials: 'x' } } }).clusters
      .p!;
    return new ListingClient(transport, cluster, ADMIN);
  };

  it.each([['12 bytes'], ['5x'], ['0x10']])('reads "%s" as no number', async (value) => {
    const client = await clientOn((_head, socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ncastor-system-bytes-used: ${value}\r\ncontent-length: 0\r\n\r\n`),
    );
    expect(await client.usage(BUCKET)).toBeNull();
  });
});
