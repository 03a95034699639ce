import { connect } from 'node:net';
import { startSimulator } from '../../../simulator/index.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request } from '../../helpers/raw-client.js';

/** Resolves with the connect error code, or 'connected'. */
function tryConnect(address: string): Promise<string> {
  const [host = '', port = ''] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) }, () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('simulator nodes, clusters and counters', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it('stops a node (connections refused, open ones dropped) and starts it again on the same port', async () => {
    pair = await startPair();
    const node = pair.source.nodes[0];
    const address = pair.src;
    const open = await RawConnection.open(address);
    await node?.stop();
    expect(node?.running).toBe(false);
    expect(await tryConnect(address)).toBe('ECONNREFUSED');
    await open.closed;
    expect(open.isClosed).toBe(true);

    await node?.start();
    expect(node?.address).toBe(address);
    const conn = await RawConnection.open(address);
    expect((await conn.exchange(request('GET', '/', address))).status).toBe(200);
    conn.close();
  });

  it('counts per node and in total, and resets', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    await conn.exchange(request('SEND', `/${obj.uuid}?admin`, pair.src, pair.legacy));
    await conn.exchange(
      request('SEND', `/${obj.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
    );
    await conn.exchange(request('GET', `/${obj.uuid}`, pair.src));
    const expected = {
      requests: 3,
      sends: 1,
      challenges: 1,
      authRejected: 0,
      redirects: 0,
      connections: 1,
      resets: 0,
      busy: 0,
      copies: 1,
      copiesRestarted: 0,
      copiesAbandoned: 0,
      copyMs: 0,
      copyMsAbandoned: 0,
      copyMsRestarted: 0,
      byMethod: { SEND: 2, GET: 1 },
    };
    expect(pair.source.nodes[0]?.counters()).toEqual(expected);
    expect(pair.source.nodes[1]?.counters()).toMatchObject({ requests: 0, connections: 0 });
    expect(pair.sim.counters()).toEqual(expected);
    pair.sim.resetCounters();
    expect(pair.sim.counters()).toMatchObject({ requests: 0, sends: 0, byMethod: {} });
    conn.close();
  });

  it('exposes clusters by name and refuses unknown names', async () => {
    pair = await startPair();
    expect(pair.sim.clusters.map((c) => c.name)).toEqual(['baker', 'dr']);
    expect(pair.sim.cluster('dr')).toBe(pair.dr);
    expect(pair.source.addresses).toHaveLength(2);
    expect(pair.source.addresses[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(() => pair.sim.cluster('nope')).toThrow(/unknown cluster "nope"/);
  });

  it('listens on consecutive ports from basePort', async () => {
    const probe = await startSimulator({ clusters: [{ name: 'p', nodes: 1 }] });
    const free = probe.cluster('p').nodes[0]?.port ?? 0;
    await probe.close();
    pair = await startPair({}, { nodes: 1, basePort: free });
    expect(pair.source.nodes[0]?.port).toBe(free);
  });

  it('rejects invalid options with every problem listed', async () => {
    await expect(startSimulator({ clusters: [] })).rejects.toThrow(/at least one cluster/);
    const failure = await startSimulator({
      redirectRate: 2,
      clusters: [
        { name: 'a', nodes: 0, feeds: [{ id: 1, type: 'replication', target: 'zz' }] },
        { name: 'a', nodes: 1 },
      ],
    }).catch((err: unknown) => (err instanceof Error ? err.message : ''));
    for (const problem of ['duplicate name "a"', 'a: nodes must be', 'unknown cluster "zz"', 'redirectRate']) {
      expect(failure).toContain(problem);
    }
    pair = await startPair();
  });

  it('survives clients that vanish mid-request', async () => {
    pair = await startPair({ keepalive: { count: 3, intervalMs: 20 } });
    const obj = pair.source.put({ body: 'x' });
    for (let i = 0; i < 5; i++) {
      const conn = await RawConnection.open(pair.src);
      conn.write(
        request('SEND', `/${obj.uuid}?admin`, pair.src, {
          ...pair.legacy,
          Authorization: basicHeader('admin', PW),
        }).slice(0, 40 + i * 30),
      );
      conn.close();
    }
    const conn = await RawConnection.open(pair.src);
    expect((await conn.exchange(request('GET', '/', pair.src))).status).toBe(200);
    conn.close();
  });
});
