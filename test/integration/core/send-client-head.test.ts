import { SendClient } from '../../../functions/core/send-client.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN, scriptedRoute } from '../../helpers/swarm.js';

// The verify HEAD on a destination the registry names only by its target (IP:port for
// Castor-System-Target, no node list): the HEAD goes to that target.

describe('SendClient HEAD on a destination named only by its target', () => {
  let node: RawNode;
  let client: SendClient;
  beforeEach(async () => {
    node = await startRawNode((_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\netag: "e1"\r\ncontent-length: 5\r\ncastor-system-version: 1700000000.5\r\n\r\n'),
    );
    client = new SendClient();
  });
  afterEach(async () => {
    await client.close();
    await node.close();
  });

  it('asks the target and reads its answer', async () => {
    const { dr } = scriptedRoute(['127.0.0.1:9'], { drTarget: node.address });
    expect(dr.nodes).toStrictEqual([]);
    const r = await client.head(dr, { uuid: 'd'.repeat(32) }, ADMIN);
    expect(r).toStrictEqual({
      status: 200,
      etag: '"e1"',
      contentLength: 5,
      version: '1700000000.5',
      node: node.address,
      error: null,
    });
    expect(node.requests).toHaveLength(1);
    expect(node.requests[0]!.split(' ').slice(0, 2)).toStrictEqual(['HEAD', `/${'d'.repeat(32)}?admin`]);
  });
});
