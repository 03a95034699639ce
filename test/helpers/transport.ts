import { ClusterTransport, type TransportRequest } from '../../functions/core/transport/cluster-transport.js';
import { parseRegistry, type ClusterConfig } from '../../functions/core/registry/registry.js';
import { startRawNode, type Answer, type RawNode } from './raw-node.js';
import { ADMIN } from './swarm.js';

/** Cluster `p` of the given `host:port` nodes (credentials by a reference nobody reads). */
export const clusterOf = (addresses: readonly string[]): ClusterConfig =>
  parseRegistry({ clusters: { p: { name: 'p', nodes: [...addresses], credentials: 'x' } } }).clusters.p!;

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
    /** A GET of `/` on `cluster` as ADMIN, its body read as text, through this test's transport; `over` wins. */
    get: (cluster: ClusterConfig, over: Partial<TransportRequest> = {}) =>
      transport.request({
        cluster,
        credentials: ADMIN,
        method: 'GET',
        target: '/',
        headers: {},
        readBody: 'text',
        ...over,
      }),
    /** Closes this test's transport and starts a new one (its pools and load counts empty). */
    renew: async () => {
      await transport.close();
      transport = new ClusterTransport();
    },
    /** Starts one raw node per answer, in that order, as the nodes of cluster `p`. */
    start: async (...answers: Answer[]): Promise<{ started: RawNode[]; cluster: ClusterConfig }> => {
      const started = await Promise.all(answers.map((a) => startRawNode(a, '127.0.0.1', 0, nodeOptions)));
      nodes.push(...started);
      return { started, cluster: clusterOf(started.map((n) => n.address)) };
    },
  };
}
