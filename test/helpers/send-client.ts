import { SendClient } from '../../functions/core/send/send-client.js';
import { startRawNode, type RawNode } from './raw-node.js';

/**
 * A fresh SendClient for each test, and raw nodes started for it. After each test the client
 * closes first, then the nodes.
 */
export function sendClientOnRawNodes() {
  const nodes: RawNode[] = [];
  let client: SendClient | undefined;
  beforeEach(() => {
    client = new SendClient();
  });
  afterEach(async () => {
    await client?.close();
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  return {
    /** This test's client. */
    get client(): SendClient {
      if (!client) throw new Error('no SendClient outside a test');
      return client;
    },
    /** Starts a raw node (as `startRawNode`) that closes after this test. */
    start: async (...args: Parameters<typeof startRawNode>): Promise<RawNode> => {
      const node = await startRawNode(...args);
      nodes.push(node);
      return node;
    },
  };
}
