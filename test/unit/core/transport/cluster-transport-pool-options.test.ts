import type { Dispatcher, Pool } from 'undici';
import { ClusterTransport } from '../../../../functions/core/transport/cluster-transport.js';
import type { TransportOptions } from '../../../../functions/core/transport/cluster-transport.js';
import { parseRegistry } from '../../../../functions/core/registry/registry.js';
import { ADMIN } from '../../../helpers/swarm.js';

// The options each node's connection pool is made with, seen through the dispatcher factory.
// The dispatchers here refuse every request at once: nothing touches the network.

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

let closed = 0;
const refusing = (): Dispatcher =>
  ({
    request: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    close: () => ((closed += 1), Promise.resolve()),
  }) as unknown as Dispatcher;

/** Every origin's pool options, after one request on a cluster of `nodes`. */
async function poolOptions(
  nodes: string[],
  { ca, ...options }: TransportOptions & { ca?: string } = {},
): Promise<Record<string, Pool.Options>> {
  const made: Record<string, Pool.Options> = {};
  const transport = new ClusterTransport({
    ...options,
    dispatcherFactory: (origin, o) => ((made[origin] = o), refusing()),
  });
  const cluster = parseRegistry({
    clusters: { p: { name: 'p', nodes, credentials: 'x', ...(ca === undefined ? {} : { ca }) } },
  }).clusters.p!;
  try {
    const x = await transport.request({
      cluster,
      credentials: ADMIN,
      method: 'HEAD',
      target: '/',
      headers: {},
      readBody: 'discard',
    });
    expect(x.error).toBe('connection-refused');
  } finally {
    await transport.close();
  }
  return made;
}

describe("a node's connection pool", () => {
  it('gets the documented defaults: one request at a time, 8 connections, 60 s idle, 3 s connect', async () => {
    const made = await poolOptions(['10.0.0.1:80']);
    expect(made).toStrictEqual({
      'http://10.0.0.1:80': {
        connections: 8,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
        connect: { timeout: 3000 },
      },
    });
  });

  it('takes the timeouts and the pool size it is given', async () => {
    const made = await poolOptions(['10.0.0.1:80'], {
      idleTimeoutMs: 5000,
      connectTimeoutMs: 700,
      connectionsPerNode: 2,
      keepAliveTimeoutMs: 4000,
    });
    expect(made['http://10.0.0.1:80']).toStrictEqual({
      connections: 2,
      pipelining: 1,
      keepAliveTimeout: 4000,
      headersTimeout: 5000,
      bodyTimeout: 5000,
      connect: { timeout: 700 },
    });
  });

  it.each([
    [200, 1000],
    [999, 1000],
    [1000, 1000],
    [1001, 1001],
  ])(
    'uses an idle timeout of at least 1000 ms: %i ms gives %i ms (undici times at about 0.5 s resolution)',
    async (given, used) => {
      const made = await poolOptions(['10.0.0.1:80'], { idleTimeoutMs: given });
      expect(made['http://10.0.0.1:80']).toMatchObject({ headersTimeout: used, bodyTimeout: used });
    },
  );

  it('trusts the configured CA on https nodes only', async () => {
    const made = await poolOptions(['https://10.0.0.1:443', 'http://10.0.0.2:80'], { ca: CA });
    expect(made['https://10.0.0.1:443']?.connect).toStrictEqual({ timeout: 3000, ca: CA });
    expect(made['http://10.0.0.2:80']?.connect).toStrictEqual({ timeout: 3000 });
  });

  it("closes every node's pool when the transport closes", async () => {
    closed = 0;
    const made = await poolOptions(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
    expect(Object.keys(made)).toHaveLength(3);
    expect(closed).toBe(3);
  });

  it('adds no CA to an https node when none is configured (the system store is used)', async () => {
    const made = await poolOptions(['https://10.0.0.1:443']);
    expect(made['https://10.0.0.1:443']?.connect).toStrictEqual({ timeout: 3000 });
  });
});
