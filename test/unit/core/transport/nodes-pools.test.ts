import { Pool } from 'undici';
import { NodePools } from '../../../../functions/core/transport/nodes.js';

// The per-node states of the transport: a bounded LRU of connection pools and cached challenges.
// The pools here never connect (nothing is requested on them); closing one only marks it closed.

describe('NodePools', () => {
  const made: Pool[] = [];
  const pools = (max: number) =>
    new NodePools(max, (origin) => {
      const pool = new Pool(origin);
      made.push(pool);
      return pool;
    });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((p) => (p.closed ? undefined : p.close())));
  });

  it('keeps at most `max` nodes: the least recently used is evicted and its pool closed', async () => {
    const nodes = pools(2);
    const a = nodes.get('http://127.0.0.1:1001');
    const b = nodes.get('http://127.0.0.1:1002');
    expect(nodes.get('http://127.0.0.1:1001')).toBe(a); // a is now the most recently used
    nodes.get('http://127.0.0.1:1003');
    expect(nodes.size).toBe(2);
    expect(made).toHaveLength(3);
    expect((b.dispatcher as Pool).closed).toBe(true);
    expect((a.dispatcher as Pool).closed).toBe(false);
    // b was forgotten: asking for it again makes a new pool (and evicts a, now the oldest).
    const b2 = nodes.get('http://127.0.0.1:1002');
    expect(b2).not.toBe(b);
    expect(nodes.size).toBe(2);
    expect((a.dispatcher as Pool).closed).toBe(true);
  });

  it('counts the cached challenge states of every node, one per user', () => {
    const nodes = pools(4);
    const a = nodes.get('http://127.0.0.1:1001');
    const b = nodes.get('http://127.0.0.1:1002');
    expect(nodes.authEntries).toBe(0);
    nodes.auth(a, { username: 'admin', password: 'p' }, {});
    nodes.auth(a, { username: 'other', password: 'p' }, {});
    nodes.auth(b, { username: 'admin', password: 'p' }, {});
    expect(nodes.authEntries).toBe(3);
    // Rotated credentials of the same user replace that user's entry.
    nodes.auth(b, { username: 'admin', password: 'rotated' }, {});
    expect(nodes.authEntries).toBe(3);
  });

  it('keeps at most four users per node: a fifth replaces the first one kept', () => {
    const nodes = pools(1);
    const a = nodes.get('http://127.0.0.1:1001');
    const first = nodes.auth(a, { username: 'u1', password: 'p' }, {});
    for (const u of ['u2', 'u3', 'u4']) nodes.auth(a, { username: u, password: 'p' }, {});
    expect(nodes.auth(a, { username: 'u1', password: 'p' }, {})).toBe(first);
    nodes.auth(a, { username: 'u5', password: 'p' }, {});
    expect(nodes.authEntries).toBe(4);
    expect([...a.auth.keys()]).toStrictEqual(['u2', 'u3', 'u4', 'u5']);
    expect(nodes.auth(a, { username: 'u1', password: 'p' }, {})).not.toBe(first);
  });

  it("rotating a user's credentials on a full node evicts nobody and makes that user the most recent", () => {
    const nodes = pools(1);
    const a = nodes.get('http://127.0.0.1:1001');
    for (const u of ['u1', 'u2', 'u3', 'u4']) nodes.auth(a, { username: u, password: 'p' }, {});
    nodes.auth(a, { username: 'u2', password: 'rotated' }, {});
    expect(nodes.authEntries).toBe(4);
    expect([...a.auth.keys()]).toStrictEqual(['u1', 'u3', 'u4', 'u2']);
  });

  it('gives a user a new challenge state when the Basic policy changes', () => {
    const nodes = pools(1);
    const a = nodes.get('http://127.0.0.1:1001');
    const digestOnly = nodes.auth(a, { username: 'u', password: 'p' }, {});
    const withBasic = nodes.auth(a, { username: 'u', password: 'p' }, { allowBasic: true });
    expect(withBasic).not.toBe(digestOnly);
    expect(withBasic.allowsBasic).toBe(true);
    expect(nodes.auth(a, { username: 'u', password: 'p' }, { allowBasic: true })).toBe(withBasic);
    expect(nodes.authEntries).toBe(1);
  });
});
