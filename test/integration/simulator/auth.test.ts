import { setTimeout as sleep } from 'node:timers/promises';
import { startPair, type Pair } from './fixtures.js';
import { basicHeader, digestHeader, parseChallenge, PW, RawConnection, request, sendWithDigest } from './raw-client.js';

describe('simulator authentication', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it('lets a client reuse one nonce with increasing nc: one challenge per node for many SENDs', async () => {
    pair = await startPair();
    const objs = Array.from({ length: 20 }, (_, i) => pair.source.put({ body: `o${i}` }));
    const conn = await RawConnection.open(pair.src);
    const first = objs[0]?.uuid ?? '';
    const { challenge, res } = await sendWithDigest(conn, {
      target: `/${first}?admin`,
      host: pair.src,
      headers: pair.legacy,
    });
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    for (let i = 1; i < objs.length; i++) {
      const target = `/${objs[i]?.uuid ?? ''}?admin`;
      const next = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy, challenge, nc: i + 1 });
      expect(next.res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    }
    // A second connection to the same node may keep using the nonce too.
    const other = await RawConnection.open(pair.src);
    const more = await sendWithDigest(other, {
      target: `/${first}?admin`,
      host: pair.src,
      headers: pair.legacy,
      challenge,
      nc: 100,
    });
    expect(more.res.chunks.at(-1)).toBe('Remote cluster returned: 409\n');
    expect(pair.sim.counters()).toMatchObject({ challenges: 1, sends: 21, authRejected: 0, connections: 2 });
    expect(pair.dr.objectCount).toBe(20);
    conn.close();
    other.close();
  });

  it('refuses a replayed nc as stale (the credentials were right)', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const target = `/${obj.uuid}?admin`;
    const { challenge } = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy });
    const replay = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy, challenge, nc: 1 });
    expect(replay.res.status).toBe(401);
    expect(parseChallenge(replay.res.header('www-authenticate') ?? '')['stale']).toBe('true');
    expect(pair.sim.counters().authRejected).toBe(0);
    conn.close();
  });

  it('answers stale=true once the nonce has expired, and the new nonce works', async () => {
    // A lifetime a busy machine cannot overrun between a challenge and its answer.
    pair = await startPair({ nonceLifetimeMs: 1000 });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const target = `/${obj.uuid}?admin`;
    const { challenge } = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy });
    await sleep(1100);
    const expired = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy, challenge, nc: 2 });
    expect(expired.res.status).toBe(401);
    const fresh = expired.res.header('www-authenticate') ?? '';
    expect(fresh).toMatch(/ stale=true, qop="auth", algorithm=MD5$/);
    expect(parseChallenge(fresh)['nonce']).not.toBe(parseChallenge(challenge)['nonce']);
    const retried = await sendWithDigest(conn, { target, host: pair.src, headers: pair.legacy, challenge: fresh });
    expect(retried.res.chunks.at(-1)).toBe('Remote cluster returned: 409\n');
    expect(pair.sim.counters()).toMatchObject({ challenges: 2, authRejected: 0 });
    conn.close();
  });

  it.each([
    ['a wrong password', { user: 'admin', password: 'nope' }],
    ['an unknown user', { user: 'mallory', password: PW }],
  ])('rejects %s with stale=false and counts it', async (_label, creds) => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const { res } = await sendWithDigest(conn, {
      target: `/${obj.uuid}?admin`,
      host: pair.src,
      headers: pair.legacy,
      ...creds,
    });
    expect(res.status).toBe(401);
    expect(res.headerAll('www-authenticate')[0]).toMatch(/stale=false/);
    expect(res.header('Castor-System-Error-Text')).toBe('Invalid user or password');
    expect(pair.sim.counters()).toMatchObject({ challenges: 2, authRejected: 1, sends: 0 });
    expect(pair.dr.objectCount).toBe(0);
    conn.close();
  });

  it('rejects a Digest whose uri is not the request-target', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const target = `/${obj.uuid}?admin`;
    const first = await conn.exchange(request('SEND', target, pair.src, pair.legacy));
    const auth = digestHeader({
      challenge: first.header('www-authenticate') ?? '',
      user: 'admin',
      password: PW,
      method: 'SEND',
      uri: `/${obj.uuid}`,
    });
    const res = await conn.exchange(request('SEND', target, pair.src, { ...pair.legacy, Authorization: auth }));
    expect(res.status).toBe(401);
    expect(res.header('Castor-System-Error-Text')).toMatch(/uri/);
    expect(pair.sim.counters().authRejected).toBe(1);
    conn.close();
  });

  it('accepts correct Basic credentials by default, and refuses them with acceptBasic: false', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const ok = await conn.exchange(
      request('SEND', `/${obj.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
    );
    expect(ok.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    conn.close();
    await pair.sim.close();

    pair = await startPair({ acceptBasic: false });
    const obj2 = pair.source.put({ body: 'x' });
    const conn2 = await RawConnection.open(pair.src);
    const refused = await conn2.exchange(
      request('SEND', `/${obj2.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
    );
    expect(refused.status).toBe(401);
    expect(pair.sim.counters().authRejected).toBe(1);
    conn2.close();
  });

  it('offers only the Basic challenge on a Basic-only cluster, and accepts Basic there', async () => {
    pair = await startPair({ acceptBasic: false }, { challenge: 'basic' });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const challenge = await conn.exchange(request('SEND', `/${obj.uuid}?admin`, pair.src, pair.legacy));
    expect(challenge.status).toBe(401);
    expect(challenge.headerAll('WWW-Authenticate')).toEqual(['Basic realm="CAStor administrator"']);
    const ok = await conn.exchange(
      request('SEND', `/${obj.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
    );
    expect(ok.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    conn.close();
  });

  it('requires credentials for SEND with or without ?admin, for ?admin reads, and not for plain reads', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    expect((await conn.exchange(request('SEND', `/${obj.uuid}`, pair.src, pair.legacy))).status).toBe(401);
    expect((await conn.exchange(request('HEAD', `/${obj.uuid}?admin`, pair.src), { head: true })).status).toBe(401);
    expect((await conn.exchange(request('GET', `/${obj.uuid}`, pair.src))).status).toBe(200);
    const { res } = await sendWithDigest(conn, { target: `/${obj.uuid}`, host: pair.src, headers: pair.legacy });
    expect(res.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
    conn.close();
  });

  it('keeps nonces per node: a nonce from one node is stale on another', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const a = await RawConnection.open(pair.src);
    const { challenge } = await sendWithDigest(a, {
      target: `/${obj.uuid}?admin`,
      host: pair.src,
      headers: pair.legacy,
    });
    const other = pair.source.addresses[1] ?? '';
    const b = await RawConnection.open(other);
    const { res } = await sendWithDigest(b, {
      target: `/${obj.uuid}?admin`,
      host: other,
      headers: pair.legacy,
      challenge,
      nc: 2,
    });
    expect(res.status).toBe(401);
    expect(parseChallenge(res.header('www-authenticate') ?? '')['stale']).toBe('true');
    a.close();
    b.close();
  });
});
