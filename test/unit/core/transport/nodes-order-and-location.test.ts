import {
  acceptRedirect,
  configuredNode,
  isAllowedNode,
  nodeOrder,
  parseLocation,
  redirectPorts,
} from '../../../../functions/core/transport/nodes.js';
import { parseNodeAddress, parseRegistry } from '../../../../functions/core/registry/registry.js';

// Where a SEND and its redirects may go: the round-robin order of the configured nodes, and how
// a Location is split without re-encoding the auth= ticket in its query.

const registry = parseRegistry({
  clusters: {
    p: {
      name: 'p',
      nodes: ['10.0.0.1:80', '10.0.0.2:80', 'https://10.0.0.3:443'],
      networks: ['10.0.0.0/24'],
      ports: [8080],
      credentials: 'x',
    },
    d: { name: 'd', target: '192.168.1.1:80', credentials: 'y' },
  },
});
const p = registry.clusters.p!;
const hosts = (nodes: readonly { host: string }[]) => nodes.map((n) => n.host);
const node1 = p.nodes[0]!;

describe('nodeOrder', () => {
  it.each([
    [0, ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    [1, ['10.0.0.2', '10.0.0.3', '10.0.0.1']],
    [2, ['10.0.0.3', '10.0.0.1', '10.0.0.2']],
    [3, ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    [7, ['10.0.0.2', '10.0.0.3', '10.0.0.1']],
  ])('starts the round at configured node %i modulo their count, and tries every node once', (start, expected) => {
    const order = nodeOrder(p, undefined, start);
    expect(order.hintIgnored).toBe(false);
    expect(hosts(order.nodes)).toStrictEqual(expected);
  });

  it('puts a configured hint first and keeps the rest in round order, without repeating it', () => {
    expect(hosts(nodeOrder(p, '10.0.0.3:443', 1).nodes)).toStrictEqual(['10.0.0.3', '10.0.0.2', '10.0.0.1']);
    expect(nodeOrder(p, '10.0.0.3:443', 1).hintIgnored).toBe(false);
    expect(nodeOrder(p, '', 0)).toMatchObject({ hintIgnored: false });
    expect(hosts(nodeOrder(p, '10.0.0.9:80', 2).nodes)).toStrictEqual(['10.0.0.3', '10.0.0.1', '10.0.0.2']);
  });

  it('a cluster reached only as a SEND target has no nodes to order', () => {
    expect(nodeOrder(registry.clusters.d!, undefined, 5)).toStrictEqual({ nodes: [], hintIgnored: false });
  });
});

describe('configuredNode and redirectPorts', () => {
  it('finds a node by host and port only, and lists the nodes’ ports with the registry’s', () => {
    expect(configuredNode(p, { host: '10.0.0.3', port: 443 })).toBe(p.nodes[2]);
    expect(configuredNode(p, { host: '10.0.0.3', port: 80 })).toBeNull();
    expect(configuredNode(p, { host: '10.0.0.4', port: 80 })).toBeNull();
    expect([...redirectPorts(p)].sort((a, b) => a - b)).toStrictEqual([80, 443, 8080]);
  });
});

describe('parseLocation', () => {
  it('keeps a relative Location on the current node, its query as given, without the fragment', () => {
    expect(parseLocation('  /uuid?admin&auth=a%2Fb+c#frag  ', node1)).toStrictEqual({
      address: node1,
      target: '/uuid?admin&auth=a%2Fb+c',
    });
  });

  it('splits an absolute Location into the node and the target, keeping %-escapes and dropping the fragment', () => {
    const out = parseLocation('HTTP://10.0.0.2:80/b/n%20x?auth=t%2B1#f', node1);
    expect(out?.address.origin).toBe('http://10.0.0.2:80');
    expect(out?.target).toBe('/b/n%20x?auth=t%2B1');
  });

  it('gives a Location without a path the root, and one with only a query a leading slash', () => {
    expect(parseLocation('http://10.0.0.2', node1)?.target).toBe('/');
    expect(parseLocation('http://10.0.0.2:80?auth=t', node1)?.target).toBe('/?auth=t');
    expect(parseLocation('https://10.0.0.3', node1)?.address.origin).toBe('https://10.0.0.3:443');
  });

  it.each([
    ['//10.0.0.2/x'],
    ['ftp://10.0.0.2/x'],
    ['http:///x'],
    ['http://[zz]:80/x'],
    ['x/y'],
    ['http://10.0.0.2:99999/x'],
  ])('refuses %s', (location) => {
    expect(parseLocation(location, node1)).toBeNull();
  });
});

describe('acceptRedirect', () => {
  it('follows to a network host on a listed port, and refuses a port not listed', () => {
    expect(acceptRedirect(p, node1, 'http://10.0.0.50:8080/x')).toStrictEqual({
      address: parseNodeAddress('http://10.0.0.50:8080'),
      target: '/x',
    });
    expect(acceptRedirect(p, node1, 'http://10.0.0.50:8081/x')).toStrictEqual({
      refused: 'redirect to 10.0.0.50:8081 refused',
    });
    expect(acceptRedirect(p, node1, 'http://10.0.1.50:80/x')).toStrictEqual({
      refused: 'redirect to 10.0.1.50:80 refused',
    });
  });

  it('from https follows only to https', () => {
    const secure = p.nodes[2]!;
    expect(acceptRedirect(p, secure, 'https://10.0.0.50:443/x')).toMatchObject({
      address: { origin: 'https://10.0.0.50:443' },
      target: '/x',
    });
    expect(acceptRedirect(p, secure, 'http://10.0.0.50:80/x')).toStrictEqual({
      refused: 'redirect to 10.0.0.50:80 refused',
    });
    expect(acceptRedirect(p, node1, 'https://10.0.0.50:443/x')).toMatchObject({ target: '/x' });
  });
});

describe('isAllowedNode for configured nodes', () => {
  it('always allows a configured node, even outside the listed networks and ports', () => {
    const c = parseRegistry({
      clusters: { p: { name: 'p', nodes: ['10.0.0.1:9090'], networks: ['10.9.0.0/16'], credentials: 'x' } },
    }).clusters.p!;
    expect(isAllowedNode(c, parseNodeAddress('10.0.0.1:9090'))).toBe(true);
    expect(isAllowedNode(c, parseNodeAddress('10.0.0.2:9090'))).toBe(false);
  });
});
