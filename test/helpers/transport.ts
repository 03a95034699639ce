import { ClusterTransport } from '../../functions/core/cluster-transport.js';
import { SendClient } from '../../functions/core/send-client.js';
import { parseRegistry, type ClusterConfig } from '../../functions/core/registry.js';
import { startRawNode, type Answer, type RawNode } from './raw-node.js';

/**
 * A fresh ClusterTransport for each test, and raw nodes started for it as one cluster. After each
 * test the nodes close first (a connection still open from the client's side then ends, and the
 * transport's close() cannot wait on it), then the transport. `nodeOptions` go to every node
 * (`record: false` for nodes that must keep nothing of what they were sent).
 */
export function transportOnRawNodes(nodeOptions: Parameters<typeof startRawNode>[3] = {}) {
  const nodes: RawNode[] = [];
  let transport: ClusterTransport;
  beforeEach(() => {
    transport = new ClusterTransport();
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await transport.close();
  });
  return {
    transport: () => transport,
    /** Closes this test's transport and starts a new one (its pools and load counts empty). */
    renew: async () => {
      await transport.close();
      transport = new ClusterTransport();
    },
    /** Starts one raw node per answer, in that order, as the nodes of cluster `p`. */
    start: async (...answers: Answer[]): Promise<{ started: RawNode[]; cluster: ClusterConfig }> => {
      const started = await Promise.all(answers.map((a) => startRawNode(a, '127.0.0.1', 0, nodeOptions)));
      nodes.push(...started);
      const cluster = parseRegistry({
        clusters: { p: { name: 'p', nodes: started.map((n) => n.address), credentials: 'x' } },
      }).clusters.p!;
      return { started, cluster };
    },
  };
}

/**
 * A SendClient for each test and the raw nodes it starts (`start`, one node per call), both
 * closed after each test.
 */
export function sendClientOnRawNodes() {
  const nodes: RawNode[] = [];
  let client: SendClient;
  beforeEach(() => {
    client = new SendClient();
  });
  afterEach(async () => {
    await client.close();
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  return {
    client: () => client,
    start: async (answer: Answer): Promise<RawNode> => {
      const n = await startRawNode(answer);
      nodes.push(n);
      return n;
    },
  };
}
