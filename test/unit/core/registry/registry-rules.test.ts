import { changedObjectOptions } from '../../../../functions/core/registry/route-options.js';
import { ConfigError } from '../../../../functions/core/errors.js';
import { parseNodeAddress, parseRegistry } from '../../../../functions/core/registry/registry.js';

// Each rule of the cluster registry, with the exact problem an operator reads; and each form a
// node address may take.

const DR = { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' };
const PRIMARY = { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' };
const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseRegistry(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^invalid cluster registry:\n/);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the registry to be refused');
};
const withPrimary = (extra: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
  clusters: { primary: { ...PRIMARY, ...extra }, dr: DR },
  ...rest,
});

describe('parseNodeAddress', () => {
  it.each([
    [
      '10.0.0.1',
      { protocol: 'http:', host: '10.0.0.1', port: 80, hostPort: '10.0.0.1:80', origin: 'http://10.0.0.1:80' },
    ],
    [
      'HTTPS://Node.Example',
      {
        protocol: 'https:',
        host: 'node.example',
        port: 443,
        hostPort: 'node.example:443',
        origin: 'https://node.example:443',
      },
    ],
    [
      'https://10.0.0.1:8443',
      { protocol: 'https:', host: '10.0.0.1', port: 8443, hostPort: '10.0.0.1:8443', origin: 'https://10.0.0.1:8443' },
    ],
    [
      'http://10.0.0.1:443',
      { protocol: 'http:', host: '10.0.0.1', port: 443, hostPort: '10.0.0.1:443', origin: 'http://10.0.0.1:443' },
    ],
    [
      '[fd00::1]',
      { protocol: 'http:', host: 'fd00::1', port: 80, hostPort: '[fd00::1]:80', origin: 'http://[fd00::1]:80' },
    ],
    [
      'https://[fd00::1]:9443',
      { protocol: 'https:', host: 'fd00::1', port: 9443, hostPort: '[fd00::1]:9443', origin: 'https://[fd00::1]:9443' },
    ],
  ])('reads %s', (text, expected) => {
    expect(parseNodeAddress(text)).toStrictEqual(expected);
  });
});

describe('parseRegistry rules', () => {
  it('fills the documented defaults of a cluster and a route', () => {
    const r = parseRegistry(withPrimary({}, { routes: [{ from: 'primary', to: 'dr' }] }));
    expect(r.clusters.primary).toMatchObject({
      key: 'primary',
      name: 'baker',
      target: null,
      ca: null,
      caFile: null,
      ports: [],
      allowBasic: false,
      credentials: 'swarm/primary',
    });
    expect(r.clusters.dr).toMatchObject({ nodes: [], target: '192.168.1.13:80' });
    expect(r.routes).toStrictEqual([
      {
        from: 'primary',
        to: 'dr',
        verify: false,
        replicationFeeds: [],
        largeObjects: null,
        deletes: 'ignore',
        deleteGraceSeconds: 60,
        ...changedObjectOptions({}),
      },
    ]);
    expect(r.defaultRoute).toBeNull();
  });

  it('keeps caFile, allowBasic, and the listed ports once each', () => {
    const r = parseRegistry(withPrimary({ caFile: '/etc/ca.pem', allowBasic: true, ports: [8443, 80, 8443] }));
    expect(r.clusters.primary).toMatchObject({ caFile: '/etc/ca.pem', allowBasic: true, ports: [8443, 80] });
  });

  it('default networks: the IP addresses of the nodes and of the target, never a host name', () => {
    const r = parseRegistry({
      clusters: {
        p: {
          name: 'p',
          nodes: ['10.0.0.1:80', 'node.example:80', '[fd00::2]:80'],
          target: '10.9.9.9:80',
          credentials: 'x',
        },
        d: { name: 'd', target: 'dr.example:80', credentials: 'y' },
      },
    });
    expect(r.clusters.p!.networks.map((n) => n.text)).toStrictEqual(['10.0.0.1', 'fd00::2', '10.9.9.9']);
    expect(r.clusters.d!.networks).toStrictEqual([]);
  });

  it('explicit networks replace the default ones, an empty list included', () => {
    expect(parseRegistry(withPrimary({ networks: [] })).clusters.primary!.networks).toStrictEqual([]);
    expect(
      parseRegistry(withPrimary({ networks: ['10.1.0.0/16'] })).clusters.primary!.networks.map((n) => n.text),
    ).toStrictEqual(['10.1.0.0/16']);
  });

  it.each([
    [
      'a target with a scheme',
      withPrimary({}, {}),
      { dr: { ...DR, target: 'http://192.168.1.13:80' } },
      'clusters.dr.target: Castor-System-Target is IP:port, without a scheme',
    ],
    [
      'a target with an https scheme',
      withPrimary({}, {}),
      { dr: { ...DR, target: 'https://192.168.1.13:443' } },
      'clusters.dr.target: Castor-System-Target is IP:port, without a scheme',
    ],
    [
      'both ca and caFile',
      withPrimary({ ca: 'pem', caFile: '/ca.pem' }),
      {},
      'clusters.primary: give ca or caFile, not both',
    ],
  ])('refuses %s', (_what, base, clusters, problem) => {
    const input = { ...base, clusters: { ...(base as { clusters: object }).clusters, ...clusters } };
    expect(problemsOf(input)).toStrictEqual([problem]);
  });

  it('refuses routes whose clusters cannot play their part, each problem named', () => {
    const input = {
      clusters: { primary: PRIMARY, dr: DR, lab: { name: 'lab', nodes: ['10.0.2.1:80'], credentials: 'x' } },
      routes: [
        { from: 'dr', to: 'primary' },
        { from: 'ghost', to: 'dr' },
        { from: 'primary', to: 'primary' },
      ],
      defaultRoute: { from: 'primary', to: 'lab' },
    };
    expect(problemsOf(input)).toStrictEqual([
      'routes.0.from: cluster "dr" has no nodes to SEND on',
      'routes.0.to: cluster "primary" has no target (IP:port for Castor-System-Target)',
      'routes.1.from: no cluster "ghost"',
      'routes.2.to: cluster "primary" has no target (IP:port for Castor-System-Target)',
      'routes.2: from and to are the same cluster',
      'defaultRoute.to: cluster "lab" has no target (IP:port for Castor-System-Target)',
    ]);
  });

  it.each([
    [
      'a name with a space',
      { name: 'my cluster' },
      /^clusters\.primary\.name: must be the cluster\.name setting, without spaces$/,
    ],
    ['an empty node list', { nodes: [] }, /^clusters\.primary\.nodes: /],
    [
      'a node with a path',
      { nodes: ['10.0.0.1:80/x'] },
      /^clusters\.primary\.nodes\.0: must be IP:port or http\(s\):\/\/host:port$/,
    ],
    ['a node port of six digits', { nodes: ['10.0.0.1:123456'] }, /^clusters\.primary\.nodes\.0: /],
    [
      'a credentials reference with a newline',
      { credentials: 'swarm/x\nInjected: 1' },
      /^clusters\.primary\.credentials: must not contain control characters$/,
    ],
    ['a credentials reference with a CR', { credentials: 'swarm/x\r' }, /^clusters\.primary\.credentials: /],
    ['a credentials reference with a NUL', { credentials: 'swarm/x\u0000' }, /^clusters\.primary\.credentials: /],
    ['an empty credentials reference', { credentials: '' }, /^clusters\.primary\.credentials: /],
    ['port 65536', { ports: [65536] }, /^clusters\.primary\.ports\.0: /],
    ['allowBasic as a string', { allowBasic: 'yes' }, /^clusters\.primary\.allowBasic: /],
    ['an unknown key', { nodez: [] }, /Unrecognized key/],
  ])('refuses %s', (_what, extra, problem) => {
    const problems = problemsOf(withPrimary(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('refuses an empty cluster name', () => {
    expect(problemsOf(withPrimary({ name: '' }))[0]).toMatch(/^clusters\.primary\.name: /);
  });

  it('reads a scheme in a target only at its start: a host named like one is a host', () => {
    expect(
      parseRegistry({ clusters: { primary: PRIMARY, dr: { ...DR, target: 'xhttp:80' } } }).clusters.dr!.target,
    ).toBe('xhttp:80');
  });

  it('takes the highest port and a target of the destination only as IP:port', () => {
    expect(parseRegistry(withPrimary({ ports: [65535, 1] })).clusters.primary!.ports).toStrictEqual([65535, 1]);
    expect(problemsOf({ clusters: { primary: PRIMARY, dr: { ...DR, target: '192.168.1.13:80/x' } } })[0]).toMatch(
      /^clusters\.dr\.target: must be IP:port of a destination node or reverse proxy$/,
    );
  });

  it('takes one to eight replication feed ids on a route', () => {
    const route = (replicationFeeds: unknown) =>
      withPrimary({}, { defaultRoute: { from: 'primary', to: 'dr', replicationFeeds } });
    expect(parseRegistry(route([0, 1_000_000])).defaultRoute?.replicationFeeds).toStrictEqual([0, 1_000_000]);
    expect(parseRegistry(route([1, 2, 3, 4, 5, 6, 7, 8])).defaultRoute?.replicationFeeds).toHaveLength(8);
    expect(problemsOf(route([1, 2, 3, 4, 5, 6, 7, 8, 9]))[0]).toMatch(/^defaultRoute\.replicationFeeds: /);
    expect(problemsOf(route([-1]))[0]).toMatch(/^defaultRoute\.replicationFeeds\.0: /);
    expect(problemsOf(route([1_000_001]))[0]).toMatch(/^defaultRoute\.replicationFeeds\.0: /);
  });

  it('names a problem of the whole document as (root)', () => {
    expect(problemsOf(null)[0]).toMatch(/^\(root\): /);
    // A bad cluster key is reported with the key rule, not zod's generic "Invalid key in record".
    expect(problemsOf({ clusters: { 'bad key!': PRIMARY } })).toStrictEqual([
      'clusters.bad key!: cluster keys are 1-64 of [A-Za-z0-9_.-]',
    ]);
    expect(problemsOf({ clusters: { ['k'.repeat(65)]: PRIMARY } })).toStrictEqual([
      `clusters.${'k'.repeat(65)}: cluster keys are 1-64 of [A-Za-z0-9_.-]`,
    ]);
    expect(parseRegistry({ clusters: { ['k'.repeat(64)]: PRIMARY } }).clusters['k'.repeat(64)]?.name).toBe('baker');
  });
});
