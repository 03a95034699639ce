import { acceptRedirect, isAllowedNode, nodeOrder, resolveHint } from '../../../../functions/core/transport/nodes.js';
import { parseNodeAddress, parseRegistry } from '../../../../functions/core/registry/registry.js';

const cluster = (extra: Record<string, unknown> = {}) =>
  parseRegistry({
    clusters: {
      p: {
        name: 'p',
        nodes: ['http://10.0.0.11:80', 'https://10.0.0.12:443'],
        networks: ['10.0.0.0/24'],
        credentials: 'x',
        ...extra,
      },
    },
  }).clusters.p!;

describe('node policy', () => {
  it('takes a hint only when it is a configured node, with that node’s scheme', () => {
    const c = cluster();
    expect(resolveHint(c, '10.0.0.12:443')?.origin).toBe('https://10.0.0.12:443');
    expect(resolveHint(c, '10.0.0.11:80')?.origin).toBe('http://10.0.0.11:80');
    for (const hint of [
      '10.0.0.11:8080',
      '10.0.0.13:80',
      '10.0.0.12:80',
      '192.0.2.1:80',
      'node.example:80',
      'not a hint',
    ])
      expect(resolveHint(c, hint)).toBeNull();
    expect(nodeOrder(c, '10.0.0.13:80', 0)).toMatchObject({ hintIgnored: true, nodes: c.nodes });
    expect(nodeOrder(c, '10.0.0.12:443', 0).nodes.map((n) => n.origin)).toStrictEqual([
      'https://10.0.0.12:443',
      'http://10.0.0.11:80',
    ]);
  });

  it('lets redirects reach other hosts of the networks only on the nodes’ ports or the listed ones', () => {
    const c = cluster();
    expect(isAllowedNode(c, parseNodeAddress('10.0.0.99:80'))).toBe(true);
    expect(isAllowedNode(c, parseNodeAddress('https://10.0.0.99:443'))).toBe(true);
    expect(isAllowedNode(c, parseNodeAddress('10.0.0.99:8080'))).toBe(false);
    expect(isAllowedNode(c, parseNodeAddress('10.0.1.1:80'))).toBe(false);
    expect(isAllowedNode(cluster({ ports: [8080] }), parseNodeAddress('10.0.0.99:8080'))).toBe(true);
  });

  it('reaches a configured node with its configured scheme and never steps down from https', () => {
    const c = cluster();
    const https = c.nodes[1]!;
    expect(acceptRedirect(c, c.nodes[0]!, 'http://10.0.0.12:443/x?admin')).toMatchObject({
      address: { origin: 'https://10.0.0.12:443' },
      target: '/x?admin',
    });
    expect(acceptRedirect(c, https, 'http://10.0.0.11:80/x')).toStrictEqual({
      refused: 'redirect to 10.0.0.11:80 refused',
    });
    expect(acceptRedirect(c, https, '/relative?auth=t')).toMatchObject({ address: https, target: '/relative?auth=t' });
    expect(acceptRedirect(c, https, 'ftp://x')).toStrictEqual({
      refused: 'redirect to an unparsable Location refused',
    });
  });
});
