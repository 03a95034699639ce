import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { scriptedRoute } from '../../helpers/swarm.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { answerCreated, headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// What messages name (node hints) never grows the client's state, and what
// redirects reach is held in a bounded, least-recently-used set whose evicted pools are closed.

const ADMIN = { username: 'admin', password: 'pw' };
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="r", nonce="n", qop="auth"\r\ncontent-length: 0\r\n\r\n';

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('bounded client state', () => {
  const nodes: RawNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('20,000 SENDs with distinct node hints leave one pool, one challenge and a flat heap', async () => {
    // The node keeps nothing of what it receives, so the heap measures the client alone.
    const node = await startRawNode(
      (head, socket) => (headerOf(head, 'authorization') ? answerCreated(socket) : socket.write(CHALLENGE)),
      '127.0.0.1',
      0,
      { record: false },
    );
    nodes.push(node);
    const route = scriptedRoute([node.address], { extra: { networks: ['127.0.0.0/8'] } });
    const client = new SendClient({ connectionsPerNode: 8 });
    const send = (i: number) =>
      sendWithDecision(client, {
        source: route.source,
        destination: route.dr,
        credentials: ADMIN,
        object: { uuid: i.toString(16).padStart(32, '0') },
        // Inside the networks (loopback only), on the node's port of other hosts and on other ports of its host.
        nodeHint:
          i % 2
            ? `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) | 2}:${node.port}`
            : `127.0.0.1:${1024 + (i % 60_000)}`,
      });
    try {
      // Warm up (the first challenge, JIT), then measure.
      await Promise.all(Array.from({ length: 200 }, (_x, i) => send(i)));
      gc();
      const before = process.memoryUsage().heapUsed;
      let ignored = 0;
      for (let batch = 0; batch < 20_000; batch += 250) {
        const results = await Promise.all(Array.from({ length: 250 }, (_x, i) => send(100_000 + batch + i)));
        ignored += results.filter((r) => r.hintIgnored && r.outcome === 'replicated').length;
      }
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(ignored).toBe(20_000);
      expect(client.transport.stats).toStrictEqual({ nodes: 1, authEntries: 1 });
      // The unbounded client grew by over 400 MiB here; allow generous noise for jest itself.
      expect(grown).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await client.close();
    }
  }, 180_000);

  it('keeps at most maxNodes redirect targets, closing the connections of evicted ones', async () => {
    const first = await startRawNode(() => undefined);
    nodes.push(first);
    const others: RawNode[] = [];
    for (let i = 2; i <= 7; i++)
      others.push(await startRawNode((_h, socket) => answerCreated(socket), `127.0.0.${i}`, first.port));
    nodes.push(...others);
    let next = 0;
    first.server.removeAllListeners('connection');
    first.server.on('connection', (socket) =>
      socket.on('data', () =>
        socket.write(
          `HTTP/1.1 307 Temporary Redirect\r\nlocation: http://${others[next++ % others.length]!.address}/x?admin\r\ncontent-length: 0\r\n\r\n`,
        ),
      ),
    );
    const route = scriptedRoute([first.address], { extra: { networks: ['127.0.0.0/8'] } });
    const client = new SendClient({ maxNodes: 3 });
    try {
      for (let i = 0; i < others.length; i++) {
        const r = await sendWithDecision(client, {
          source: route.source,
          destination: route.dr,
          credentials: ADMIN,
          object: { uuid: 'c'.repeat(32) },
        });
        expect(r).toMatchObject({ outcome: 'replicated', node: others[i]!.address });
        expect(client.transport.stats.nodes).toBeLessThanOrEqual(3);
      }
      // The configured node is used on every SEND and stays; the four oldest redirect targets were
      // evicted, and their pooled connections close (well before the 30 s keep-alive would).
      const open = async (n: RawNode) => new Promise<number>((r) => n.server.getConnections((_e, c) => r(c)));
      for (const evicted of others.slice(0, 4)) {
        while ((await open(evicted)) > 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(await open(others.at(-1)!)).toBe(1);
      expect(await open(first)).toBe(1);
    } finally {
      await client.close();
    }
  }, 60_000);
});
