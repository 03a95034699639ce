import { changedObjectOptions } from '../../../../functions/core/registry/route-options.js';
import { ConfigError, InvalidMessageError } from '../../../../functions/core/errors.js';
import { provingFeeds } from '../../../../functions/core/registry/replication-feeds.js';
import { isInNetworks, parseCidr } from '../../../../functions/core/transport/network.js';
import {
  isNodeAddress,
  parseNodeAddress,
  parseRegistry,
  resolveRoute,
} from '../../../../functions/core/registry/registry.js';
import {
  DEFAULT_DELETE_GRACE_SECONDS,
  MAX_DELETE_GRACE_SECONDS,
} from '../../../../functions/core/registry/route-deletes.js';

const EXAMPLE = {
  clusters: {
    primary: {
      name: 'baker',
      nodes: ['10.0.0.11:80', '10.0.0.12:80'],
      networks: ['10.0.0.0/24'],
      credentials: 'swarm/primary-admin',
    },
    dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr-admin' },
  },
  defaultRoute: { from: 'primary', to: 'dr' },
};

describe('parseRegistry', () => {
  it('resolves the DESIGN.md example', () => {
    const r = parseRegistry(EXAMPLE);
    expect(r.clusters.primary?.nodes.map((n) => n.origin)).toStrictEqual([
      'http://10.0.0.11:80',
      'http://10.0.0.12:80',
    ]);
    expect(r.clusters.dr?.target).toBe('192.168.1.13:80');
    expect(r.defaultRoute).toStrictEqual({
      from: 'primary',
      to: 'dr',
      verify: false,
      replicationFeeds: [],
      largeObjects: null,
      deletes: 'ignore',
      deleteGraceSeconds: DEFAULT_DELETE_GRACE_SECONDS,
      ...changedObjectOptions({}),
    });
  });

  it("takes a route's delete policy and grace, and refuses an unknown policy or a grace SQS cannot wait", () => {
    const withRoute = (route: Record<string, unknown>) => ({
      ...EXAMPLE,
      defaultRoute: { from: 'primary', to: 'dr', ...route },
    });
    expect(parseRegistry(withRoute({ deletes: 'propagate', deleteGraceSeconds: 0 })).defaultRoute).toMatchObject({
      deletes: 'propagate',
      deleteGraceSeconds: 0,
    });
    expect(resolveRoute(parseRegistry(withRoute({ deletes: 'propagate', deleteGraceSeconds: 300 })))).toMatchObject({
      deletes: 'propagate',
      deleteGraceSeconds: 300,
    });
    expect(parseRegistry(withRoute({ deleteGraceSeconds: MAX_DELETE_GRACE_SECONDS })).defaultRoute).toMatchObject({
      deletes: 'ignore',
      deleteGraceSeconds: 43_200,
    });
    for (const bad of [
      { deletes: 'mirror' },
      { deletes: true },
      { deleteGraceSeconds: -1 },
      { deleteGraceSeconds: 1.5 },
      { deleteGraceSeconds: 43_201 },
    ])
      expect(() => parseRegistry(withRoute(bad))).toThrow(ConfigError);
  });

  it('defaults the networks to the hosts of the nodes', () => {
    const r = parseRegistry({
      ...EXAMPLE,
      clusters: { ...EXAMPLE.clusters, primary: { ...EXAMPLE.clusters.primary, networks: undefined } },
    });
    const nets = r.clusters.primary!.networks;
    expect(isInNetworks('10.0.0.11', nets)).toBe(true);
    expect(isInNetworks('10.0.0.13', nets)).toBe(false);
  });

  it('accepts host-name nodes without networks: configured nodes are allowed by name', () => {
    const r = parseRegistry({
      clusters: {
        p: { name: 'p', nodes: ['https://node1.swarm.example:443', '10.0.0.5:80'], credentials: 'x' },
        d: { name: 'd', target: '10.1.0.1:80', credentials: 'y' },
      },
    });
    expect(r.clusters.p?.networks.map((n) => n.text)).toStrictEqual(['10.0.0.5']);
    expect(r.clusters.d?.networks.map((n) => n.text)).toStrictEqual(['10.1.0.1']);
  });

  it('lists every problem in one error', () => {
    const bad = {
      clusters: {
        primary: { name: 'baker', nodes: ['10.0.0.11:80'], networks: ['not-a-cidr'], credentials: 's' },
        dr: { name: 'dr', credentials: 's' },
      },
      defaultRoute: { from: 'primary', to: 'nowhere' },
      routes: [{ from: 'primary', to: 'dr' }],
    };
    let error: unknown;
    try {
      parseRegistry(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toStrictEqual([
      'clusters.primary.networks: "not-a-cidr" is not an IPv4/IPv6 CIDR',
      'routes.0.to: cluster "dr" has no target (IP:port for Castor-System-Target)',
      'defaultRoute.to: no cluster "nowhere"',
    ]);
  });

  it('rejects unknown keys so typos do not pass silently', () => {
    expect(() => parseRegistry({ ...EXAMPLE, defaultRout: {} })).toThrow(/Unrecognized key/);
  });

  it('accepts https nodes with a CA bundle', () => {
    const r = parseRegistry({
      clusters: {
        ...EXAMPLE.clusters,
        primary: { name: 'baker', nodes: ['https://10.0.0.11'], credentials: 'x', ca: '-----BEGIN CERTIFICATE-----' },
      },
    });
    expect(r.clusters.primary?.nodes[0]).toMatchObject({
      protocol: 'https:',
      port: 443,
      origin: 'https://10.0.0.11:443',
    });
    expect(r.clusters.primary?.ca).toBe('-----BEGIN CERTIFICATE-----');
  });
});

describe('resolveRoute', () => {
  const registry = parseRegistry(EXAMPLE);
  const problemOf = (reg: typeof registry, from?: string, to?: string): string => {
    try {
      resolveRoute(reg, from, to);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidMessageError);
      return (err as InvalidMessageError).problems.join('; ');
    }
    throw new Error('expected the route to be refused');
  };

  it('falls back to the default route', () => {
    expect(resolveRoute(registry)).toMatchObject({
      source: { key: 'primary' },
      destination: { key: 'dr' },
      verify: false,
      replicationFeeds: [],
    });
  });

  it('refuses an unknown cluster or a reversed route as invalid-message', () => {
    expect(problemOf(registry, 'primary', 'mars')).toBe(
      'no configured route from "primary" to "mars" (configured: primary->dr)',
    );
    expect(problemOf(registry, 'dr', 'primary')).toBe(
      'no configured route from "dr" to "primary" (configured: primary->dr)',
    );
  });

  it('takes the settings of the route whose source matches too, not of another route to the same cluster', () => {
    const two = parseRegistry({
      clusters: {
        ...EXAMPLE.clusters,
        lab: { name: 'lab', nodes: ['10.0.2.1:80'], target: '10.0.2.1:80', credentials: 'swarm/lab-admin' },
      },
      routes: [
        { from: 'primary', to: 'dr', verify: true, replicationFeeds: [2] },
        { from: 'lab', to: 'dr', replicationFeeds: [7] },
      ],
    });
    expect(resolveRoute(two, 'lab', 'dr')).toMatchObject({
      source: { key: 'lab' },
      verify: false,
      replicationFeeds: [7],
    });
  });

  it('allows only configured routes: two clusters of the registry with no route between them are refused', () => {
    const three = parseRegistry({
      clusters: {
        ...EXAMPLE.clusters,
        lab: { name: 'lab', nodes: ['10.0.2.1:80'], target: '10.0.2.1:80', credentials: 'swarm/lab-admin' },
      },
      routes: [
        { from: 'primary', to: 'dr', verify: true, replicationFeeds: [2] },
        { from: 'lab', to: 'dr' },
      ],
    });
    expect(resolveRoute(three, 'primary', 'dr')).toMatchObject({
      source: { key: 'primary' },
      destination: { key: 'dr' },
      verify: true,
      replicationFeeds: [2],
    });
    expect(resolveRoute(three, 'lab', 'dr')).toMatchObject({ source: { key: 'lab' }, destination: { key: 'dr' } });
    expect(problemOf(three, 'primary', 'lab')).toBe(
      'no configured route from "primary" to "lab" (configured: primary->dr, lab->dr)',
    );
    expect(problemOf(three, 'lab', 'primary')).toMatch(/^no configured route from "lab" to "primary"/);
    expect(problemOf(three)).toBe('no from/to in the message and no defaultRoute in the registry');
    expect(problemOf(three, 'primary')).toBe('no from/to in the message and no defaultRoute in the registry');
  });

  it('fills a missing from or to from the default route, and still requires the pair to be configured', () => {
    const reg = parseRegistry({
      ...EXAMPLE,
      clusters: { ...EXAMPLE.clusters, dr2: { name: 'dr2', target: '192.168.2.1:80', credentials: 'x' } },
    });
    expect(resolveRoute(reg, undefined, 'dr')).toMatchObject({ destination: { key: 'dr' } });
    expect(problemOf(reg, undefined, 'dr2')).toMatch(/^no configured route from "primary" to "dr2"/);
  });
});

describe('resolveRoute on registries without routes or with unusable clusters', () => {
  const problemOf = (reg: ReturnType<typeof parseRegistry>, from?: string, to?: string): string[] => {
    try {
      resolveRoute(reg, from, to);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidMessageError);
      return [...(err as InvalidMessageError).problems];
    }
    throw new Error('expected the route to be refused');
  };

  it('says "none" when the registry configures no route at all', () => {
    const reg = parseRegistry({ clusters: EXAMPLE.clusters });
    expect(problemOf(reg, 'primary', 'dr')).toStrictEqual([
      'no configured route from "primary" to "dr" (configured: none)',
    ]);
  });

  it('refuses a hand-built route whose source has no nodes or whose destination has no target', () => {
    const reg = parseRegistry(EXAMPLE);
    const noNodes = { ...reg, clusters: { ...reg.clusters, primary: { ...reg.clusters.primary!, nodes: [] } } };
    expect(problemOf(noNodes)).toStrictEqual(['route primary->dr: cluster "primary" has no nodes to SEND on']);
    const noTarget = { ...reg, clusters: { ...reg.clusters, dr: { ...reg.clusters.dr!, target: null } } };
    expect(problemOf(noTarget)).toStrictEqual(['route primary->dr: cluster "dr" has no target']);
  });
});

describe('replication feeds of a route (provingFeeds)', () => {
  const route = { name: 'primary->dr', replicationFeeds: [2, 5] };
  const refusal = (r: typeof route, selection: Parameters<typeof provingFeeds>[1]): string => {
    try {
      provingFeeds(r, selection);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidMessageError);
      return (err as InvalidMessageError).problems.join('; ');
    }
    throw new Error('expected the selection to be refused');
  };

  it('is empty for a legacy SEND', () => {
    expect(provingFeeds(route, undefined)).toStrictEqual([]);
  });

  it.each([
    ['feedid=all', { ids: ['all' as const] }, [2, 5]],
    ['feedtype=all', { types: ['all' as const] }, [2, 5]],
    ['feedtype=replication', { types: ['replication' as const] }, [2, 5]],
    ['feedtype=search plus feedid=5', { ids: [5], types: ['search' as const] }, [5]],
    ['feedid=2 and a search feed id', { ids: [2, 3] }, [2]],
  ])('keeps the replication feeds a selection includes: %s', (_what, selection, expected) => {
    expect(provingFeeds(route, selection)).toStrictEqual(expected);
  });

  it('refuses a selection that cannot include a replication feed of the route', () => {
    expect(refusal(route, { types: ['search', 's3backup'] })).toBe(
      "feeds: the selection (feedtype=search, feedtype=s3backup) includes none of route primary->dr's replication feeds (2, 5), so it cannot prove a DR copy",
    );
    expect(refusal(route, { ids: [3] })).toMatch(/feedid=3\) includes none of route primary->dr's replication feeds/);
  });

  it('refuses every feed selection on a route that names no replication feed', () => {
    expect(refusal({ ...route, replicationFeeds: [] }, { ids: ['all'] })).toMatch(
      /^feeds: route primary->dr names no replicationFeeds/,
    );
  });

  it('rejects an empty or non-integer replicationFeeds list in the registry', () => {
    expect(() =>
      parseRegistry({ ...EXAMPLE, defaultRoute: { from: 'primary', to: 'dr', replicationFeeds: [] } }),
    ).toThrow(ConfigError);
    expect(() =>
      parseRegistry({ ...EXAMPLE, defaultRoute: { from: 'primary', to: 'dr', replicationFeeds: [1.5] } }),
    ).toThrow(ConfigError);
  });
});

describe('networks', () => {
  it.each([
    ['10.0.0.0/24', '10.0.0.255', true],
    ['10.0.0.0/24', '10.0.1.0', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['fd00::/8', 'fd12::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['::ffff:10.0.0.0/120', '::ffff:10.0.0.7', true],
    ['10.0.0.0/24', 'evil.example.com', false],
    ['10.0.0.0/24', '::ffff:10.0.0.7', false],
  ])('%s contains %s: %s', (cidr, host, expected) => {
    expect(isInNetworks(host, [parseCidr(cidr)])).toBe(expected);
  });

  it('parses node addresses in every accepted form', () => {
    expect(parseNodeAddress('10.0.0.1:8080').origin).toBe('http://10.0.0.1:8080');
    expect(parseNodeAddress('10.0.0.1').port).toBe(80);
    expect(parseNodeAddress('https://node1.example:8443').origin).toBe('https://node1.example:8443');
    expect(parseNodeAddress('[fd00::1]:80').hostPort).toBe('[fd00::1]:80');
  });
});

describe('cluster trust settings', () => {
  it.each([['10.0.0.0/'], ['10.0.0.0/ 8'], ['10.0.0.0/0x8'], ['10.0.0.0/8/8'], ['/8'], [''], ['10.0.0.0/33']])(
    'refuses the network "%s" instead of reading it as every host',
    (network) => {
      expect(() => parseCidr(network)).toThrow();
      expect(() =>
        parseRegistry({
          ...EXAMPLE,
          clusters: { ...EXAMPLE.clusters, primary: { ...EXAMPLE.clusters.primary, networks: [network] } },
        }),
      ).toThrow(ConfigError);
    },
  );

  it('reads the optional ports and allowBasic, both off by default', () => {
    const r = parseRegistry({
      ...EXAMPLE,
      clusters: {
        ...EXAMPLE.clusters,
        primary: { ...EXAMPLE.clusters.primary, ports: [8080, 8080, 443], allowBasic: true },
      },
    });
    expect(r.clusters.primary).toMatchObject({ ports: [8080, 443], allowBasic: true });
    expect(r.clusters.dr).toMatchObject({ ports: [], allowBasic: false });
    expect(() =>
      parseRegistry({
        ...EXAMPLE,
        clusters: { ...EXAMPLE.clusters, primary: { ...EXAMPLE.clusters.primary, ports: [0] } },
      }),
    ).toThrow(ConfigError);
  });
});

describe('isNodeAddress', () => {
  it.each(['10.0.0.1:80', 'node-1.example:8080', 'http://10.0.0.1:80', 'https://[fd00::1]:443', '10.0.0.1'])(
    'takes %s',
    (text) => expect(isNodeAddress(text)).toBe(true),
  );
  it.each(['', 'ftp://10.0.0.1:21', '10.0.0.1:80/path', 'user@10.0.0.1:80', ' 10.0.0.1:80', '10.0.0.1:123456'])(
    'refuses %j',
    (text) => expect(isNodeAddress(text)).toBe(false),
  );
});

describe('route options for changed objects (docs/changed-objects.md)', () => {
  const withRoute = (route: Record<string, unknown>) =>
    parseRegistry({ ...EXAMPLE, defaultRoute: { ...EXAMPLE.defaultRoute, ...route } });

  it('defaults: unprovenIdentity "fail", replaceStale "never"', () => {
    expect(resolveRoute(withRoute({}))).toMatchObject({ unprovenIdentity: 'fail', replaceStale: 'never' });
  });

  it('takes each choice, and resolves it onto the route', () => {
    for (const choice of ['accept', 'retry', 'fail'])
      expect(resolveRoute(withRoute({ unprovenIdentity: choice })).unprovenIdentity).toBe(choice);
    expect(resolveRoute(withRoute({ verify: true, replaceStale: 'copy' })).replaceStale).toBe('copy');
  });

  it('refuses unknown values, and replaceStale "copy" without verify', () => {
    expect(() => withRoute({ unprovenIdentity: 'guess' })).toThrow(ConfigError);
    expect(() => withRoute({ replaceStale: 'overwrite' })).toThrow(ConfigError);
    expect(() => withRoute({ replaceStale: 'copy' })).toThrow(/replaceStale: "copy" needs verify: true/);
  });
});
