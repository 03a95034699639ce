import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, parseChallenge, PW, RawConnection, request, sendWithDigest } from '../../helpers/raw-client.js';

const AUTH = { Authorization: basicHeader('admin', PW) };

/** Splits a Location into the node address and the request-target. */
function splitLocation(location: string): { node: string; target: string } {
  const m = /^http:\/\/([^/]+)(\/.*)$/.exec(location);
  return { node: m?.[1] ?? '', target: m?.[2] ?? '' };
}

describe('PAN/SAN redirects', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it('redirects a SEND to the other node; the SAN honours the ticket once, then acts as a PAN again', async () => {
    pair = await startPair({ redirectRate: 1, seed: 42 });
    const obj = pair.source.put({ body: 'x' });
    const pan = await RawConnection.open(pair.src);
    const redirect = await pan.exchange(
      request('SEND', `/${obj.uuid}?alias&admin`, pair.src, { ...pair.legacy, ...AUTH }),
    );
    expect([301, 307]).toContain(redirect.status);
    expect(redirect.header('Content-Length')).toBe('0');
    expect(redirect.header('Server')).toBe('CAStor Cluster/9.1.0');
    expect(redirect.header('Date')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const { node, target } = splitLocation(redirect.header('Location') ?? '');
    expect(node).toBe(pair.source.addresses[1]);
    expect(target).toMatch(new RegExp(`^/${obj.uuid}\\?alias&admin&auth=[0-9a-f]{32}$`));

    const san = await RawConnection.open(node);
    const served = await san.exchange(request('SEND', target, node, { ...pair.legacy, ...AUTH }));
    expect(served.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    const reused = await san.exchange(request('SEND', target, node, { ...pair.legacy, ...AUTH }));
    expect([301, 307]).toContain(reused.status);
    expect(splitLocation(reused.header('Location') ?? '').node).toBe(pair.src);
    // The old ticket is replaced, never accumulated.
    expect((reused.header('Location') ?? '').match(/auth=/g)).toHaveLength(1);
    expect(pair.sim.counters()).toMatchObject({ redirects: 2, sends: 3 });
    pan.close();
    san.close();
  });

  it('treats an invalid ticket like none, and replaces it in the Location', async () => {
    pair = await startPair({ redirectRate: 1 });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const res = await conn.exchange(request('GET', `/${obj.uuid}?auth=${'0'.repeat(32)}`, pair.src));
    expect([301, 307]).toContain(res.status);
    // The invalid ticket is dropped and a fresh one is the only query argument.
    const { target } = splitLocation(res.header('Location') ?? '');
    expect(target).toMatch(new RegExp(`^/${obj.uuid}\\?auth=[0-9a-f]{32}$`));
    expect(target).not.toContain('0'.repeat(32));
    conn.close();
  });

  it('gives a redirected client a fresh challenge at the SAN, and keeps the ticket through that 401', async () => {
    pair = await startPair({ redirectRate: 1 });
    const obj = pair.source.put({ body: 'x' });
    const pan = await RawConnection.open(pair.src);
    const first = await sendWithDigest(pan, { target: `/${obj.uuid}?admin`, host: pair.src, headers: pair.legacy });
    expect([301, 307]).toContain(first.res.status);
    const { node, target } = splitLocation(first.res.header('Location') ?? '');

    const san = await RawConnection.open(node);
    // The PAN's nonce means nothing here: stale=true, with a new nonce from the SAN.
    const stale = await sendWithDigest(san, {
      target,
      host: node,
      headers: pair.legacy,
      challenge: first.challenge,
      nc: 2,
    });
    expect(stale.res.status).toBe(401);
    const fresh = stale.res.header('www-authenticate') ?? '';
    expect(parseChallenge(fresh)['stale']).toBe('true');
    const done = await sendWithDigest(san, { target, host: node, headers: pair.legacy, challenge: fresh });
    expect(done.res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    pan.close();
    san.close();
  });

  it('redirects GET and HEAD as well, never the status page, and not in a one-node cluster', async () => {
    pair = await startPair({ redirectRate: 1 });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    expect([301, 307]).toContain((await conn.exchange(request('GET', `/${obj.uuid}`, pair.src))).status);
    expect([301, 307]).toContain(
      (await conn.exchange(request('HEAD', `/${obj.uuid}`, pair.src), { head: true })).status,
    );
    expect((await conn.exchange(request('GET', '/', pair.src))).status).toBe(200);
    const dr = await RawConnection.open(pair.drNode);
    pair.dr.put({ uuid: obj.uuid, body: 'x' });
    expect((await dr.exchange(request('GET', `/${obj.uuid}`, pair.drNode))).status).toBe(200);
    conn.close();
    dr.close();
  });

  it('redirects a PAN to a running node only', async () => {
    pair = await startPair({ redirectRate: 1 }, { nodes: 3 });
    const obj = pair.source.put({ body: 'x' });
    await pair.source.nodes[1]?.stop();
    const conn = await RawConnection.open(pair.src);
    for (let i = 0; i < 5; i++) {
      const res = await conn.exchange(request('GET', `/${obj.uuid}`, pair.src));
      expect(splitLocation(res.header('Location') ?? '').node).toBe(pair.source.addresses[2]);
    }
    conn.close();
  });

  it('spreads redirects over every other running node of the cluster', async () => {
    pair = await startPair({ redirectRate: 1, seed: 7 }, { nodes: 4 });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const targets = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await conn.exchange(request('GET', `/${obj.uuid}`, pair.src));
      targets.add(splitLocation(res.header('Location') ?? '').node);
    }
    expect([...targets].sort()).toEqual(pair.source.addresses.slice(1).sort());
    conn.close();
  });
});
