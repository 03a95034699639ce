import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import {
  basicHeader,
  digestHeader,
  parseChallenge,
  PW,
  RawConnection,
  request,
  sendWithDigest,
  type RawResponse,
} from '../../helpers/raw-client.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/**
 * An `Authorization: Digest` header answering `challenge` for a SEND of `uri` as admin, built field
 * by field: `fields` overrides or (with undefined) drops a field. Unless `fields` names a response,
 * it is the right MD5 answer for the fields sent (RFC 7616; RFC 2069 when qop is absent).
 */
function digestWith(challenge: string, uri: string, fields: Record<string, string | undefined> = {}): string {
  const c = parseChallenge(challenge);
  const f: Record<string, string | undefined> = {
    username: 'admin',
    realm: c['realm'],
    nonce: c['nonce'],
    uri,
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
    opaque: c['opaque'],
    algorithm: 'MD5',
    ...fields,
  };
  if (!('response' in fields)) {
    const base = md5(`${f['username']}:${f['realm']}:${PW}`);
    const ha1 = f['algorithm']?.endsWith('-sess') ? md5(`${base}:${f['nonce']}:${f['cnonce']}`) : base;
    const ha2 = md5(`SEND:${uri}`);
    f['response'] =
      f['qop'] === undefined
        ? md5(`${ha1}:${f['nonce']}:${ha2}`)
        : md5(`${ha1}:${f['nonce']}:${f['nc']}:${f['cnonce']}:${f['qop']}:${ha2}`);
  }
  const bare = new Set(['qop', 'nc', 'algorithm']);
  return `Digest ${Object.entries(f)
    .flatMap(([k, v]) => (v === undefined ? [] : [bare.has(k) ? `${k}=${v}` : `${k}="${v}"`]))
    .join(', ')}`;
}

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
    expect(refused.header('Castor-System-Error-Text')).toBe('Basic authentication is not accepted; use Digest');
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

  it.each([
    ['an answer without a response', { response: undefined }, 'Incomplete Digest credentials'],
    ['an answer without a uri', { uri: undefined }, 'Incomplete Digest credentials'],
    ['another realm', { realm: 'CAStor operator' }, 'Realm must be "CAStor administrator"'],
    ['an algorithm the node does not offer', { algorithm: 'SHA-256' }, 'Only algorithm=MD5 or MD5-sess is supported'],
    ['qop=auth-int', { qop: 'auth-int' }, 'Only qop=auth is supported'],
    ['MD5-sess without qop', { algorithm: 'MD5-sess', qop: undefined }, 'MD5-sess needs qop=auth'],
  ])('refuses a Digest answer with %s, says why and counts it as rejected', async (_label, fields, text) => {
    pair = await startPair({}, { digestAlgorithms: ['MD5', 'MD5-sess'] });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const target = `/${obj.uuid}?admin`;
    const challenge = await conn.exchange(request('SEND', target, pair.src, pair.legacy));
    expect(challenge.headerAll('www-authenticate').map((h) => h.replace(/ .*algorithm=/, ' '))).toEqual([
      'Digest MD5',
      'Digest MD5-sess',
      'Basic realm="CAStor administrator"',
    ]);
    expect(challenge.header('Content-Type')).toBe('text/html');
    const auth = digestWith(challenge.header('www-authenticate') ?? '', target, fields);
    const res = await conn.exchange(request('SEND', target, pair.src, { ...pair.legacy, Authorization: auth }));
    expect(res.status).toBe(401);
    expect(res.header('Castor-System-Error-Code')).toBe('401');
    expect(res.header('Castor-System-Error-Token')).toBe('AuthenticationFailed');
    expect(res.header('Castor-System-Error-Text')).toBe(text);
    expect(res.header('Content-Type')).toBe('text/html');
    expect(res.header('Allow')).toBe('HEAD, HOLD, GET, SEND, PUT, RELEASE, POST, COPY, GEN, APPEND, DELETE');
    expect(res.header('Server')).toBe('CAStor Cluster/9.1.0');
    expect(res.header('Date')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(parseChallenge(res.header('www-authenticate') ?? '')['stale']).toBe('false');
    expect(pair.sim.counters()).toMatchObject({ challenges: 2, authRejected: 1, sends: 0 });
    expect(pair.dr.objectCount).toBe(0);
    conn.close();
  });

  it('accepts a right answer in each form the node offers: MD5 by default, MD5-sess, RFC 2069 (nc ignored)', async () => {
    pair = await startPair({}, { digestAlgorithms: ['MD5', 'MD5-sess'] });
    const conn = await RawConnection.open(pair.src);
    const forms: Record<string, string | undefined>[] = [
      { algorithm: undefined },
      { algorithm: 'MD5-sess', nc: '00000002' },
      // Without qop an nc means nothing: this one was used above, and is not a replay here.
      { qop: undefined, cnonce: undefined },
    ];
    let challenge = '';
    for (const fields of forms) {
      const target = `/${pair.source.put({ body: JSON.stringify(fields) }).uuid}?admin`;
      if (challenge === '') {
        challenge =
          (await conn.exchange(request('SEND', target, pair.src, pair.legacy))).header('www-authenticate') ?? '';
      }
      const auth = digestWith(challenge, target, fields);
      const res = await conn.exchange(request('SEND', target, pair.src, { ...pair.legacy, Authorization: auth }));
      expect([res.status, res.chunks.at(-1)]).toEqual([200, 'Remote cluster returned: 201\n']);
    }
    expect(pair.sim.counters()).toMatchObject({ challenges: 1, authRejected: 0, sends: 3 });
    expect(pair.dr.objectCount).toBe(3);
    conn.close();
  });

  const INVALID = 'Invalid user or password';
  const UNSUPPORTED = 'Unsupported authentication scheme';
  it.each([
    ['Basic with a wrong password', {}, basicHeader('admin', 'nope'), INVALID],
    ['Basic with an unknown user', {}, basicHeader('mallory', PW), INVALID],
    ['Basic with no password at all', {}, `Basic ${Buffer.from('admin').toString('base64')}`, INVALID],
    ['a Bearer token', {}, 'Bearer abc', UNSUPPORTED],
    ['Digest on a Basic-only cluster', { challenge: 'basic' as const }, 'Digest username="admin"', UNSUPPORTED],
  ])('refuses %s, says why and sends nothing', async (_label, spec, auth, text) => {
    pair = await startPair({}, spec);
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const res = await conn.exchange(
      request('SEND', `/${obj.uuid}?admin`, pair.src, { ...pair.legacy, Authorization: auth }),
    );
    expect(res.status).toBe(401);
    expect(res.header('Castor-System-Error-Text')).toBe(text);
    expect(pair.sim.counters()).toMatchObject({ challenges: 1, authRejected: 1, sends: 0 });
    expect(pair.dr.objectCount).toBe(0);
    conn.close();
  });

  it('answers a right response echoing another opaque with stale=true, not as a rejection', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const target = `/${obj.uuid}?admin`;
    const challenge = (await conn.exchange(request('SEND', target, pair.src, pair.legacy))).header('www-authenticate');
    const auth = digestWith(challenge ?? '', target, { opaque: 'f'.repeat(32) });
    const res = await conn.exchange(request('SEND', target, pair.src, { ...pair.legacy, Authorization: auth }));
    expect(res.status).toBe(401);
    expect(parseChallenge(res.header('www-authenticate') ?? '')['stale']).toBe('true');
    expect(pair.sim.counters()).toMatchObject({ challenges: 2, authRejected: 0, sends: 0 });
    conn.close();
  });

  it.each([
    ['holds', PW, 'Remote cluster returned: 201\n'],
    ['does not hold', 'another password', 'Remote cluster returned: 401\n'],
  ])("has a legacy SEND check whether the Digest caller's password %s on the remote", async (_l, drPw, line) => {
    pair = await startPair({}, {}, { admins: { admin: drPw } });
    const obj = pair.source.put({ body: 'x' });
    const conn = await RawConnection.open(pair.src);
    const { res } = await sendWithDigest(conn, { target: `/${obj.uuid}?admin`, host: pair.src, headers: pair.legacy });
    expect(res.chunks.at(-1)).toBe(line);
    expect(pair.dr.objectCount).toBe(line.includes('201') ? 1 : 0);
    conn.close();
  });
});

// Digest answers out of the ordinary: fields left out, a response in upper-case hex, no opaque,
// and the realm of a protected listing context.

/** Sets (or with undefined drops) one field of a Digest Authorization header that digestHeader built. */
function withField(header: string, name: string, value: string | undefined): string {
  const field = new RegExp(`(, )?\\b${name}=("[^"]*"|[^,\\s]*)`);
  if (value === undefined) return header.replace(field, '').replace('Digest , ', 'Digest ');
  return header.replace(field, (m, comma: string | undefined) => `${comma ?? ''}${name}="${value}"`);
}

/** The challenge of a SEND without credentials, then the answer to `authorize(challenge)` on the same connection. */
async function answerChallenge(
  pair: Pair,
  authorize: (challenge: string, target: string) => string,
): Promise<RawResponse> {
  const target = `/${pair.source.put({ body: 'x' }).uuid}?admin`;
  const conn = await RawConnection.open(pair.src);
  try {
    const first = await conn.exchange(request('SEND', target, pair.src, pair.legacy));
    expect(first.status).toBe(401);
    const challenge = first.headerAll('www-authenticate').find((h) => h.startsWith('Digest')) ?? '';
    const auth = authorize(challenge, target);
    return await conn.exchange(request('SEND', target, pair.src, { ...pair.legacy, Authorization: auth }));
  } finally {
    conn.close();
  }
}

const adminAnswer = (challenge: string, uri: string): string =>
  digestHeader({ challenge, user: 'admin', password: PW, method: 'SEND', uri });

describe('simulator Digest answers', () => {
  let running: SwarmSimulator | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const started = async (): Promise<Pair> => {
    const pair = await startPair();
    running = pair.sim;
    return pair;
  };

  it.each(['username', 'nonce'])('refuses a Digest answer without a %s as incomplete, and counts it', async (name) => {
    const pair = await started();
    const res = await answerChallenge(pair, (challenge, uri) =>
      withField(adminAnswer(challenge, uri), name, undefined),
    );
    expect(res.status).toBe(401);
    expect(res.header('Castor-System-Error-Text')).toBe('Incomplete Digest credentials');
    expect(pair.sim.counters()).toMatchObject({ challenges: 2, authRejected: 1, sends: 0 });
    expect(pair.dr.objectCount).toBe(0);
  });

  it('accepts a right response written in upper-case hex, also for the remote credentials check', async () => {
    const pair = await started();
    const res = await answerChallenge(pair, (challenge, uri) => {
      const header = adminAnswer(challenge, uri);
      const response = /response="([0-9a-f]+)"/.exec(header)?.[1] ?? '';
      expect(response).toMatch(/^[0-9a-f]{32}$/);
      expect(response).toMatch(/[a-f]/);
      return withField(header, 'response', response.toUpperCase());
    });
    expect([res.status, res.chunks.at(-1)]).toEqual([200, 'Remote cluster returned: 201\n']);
    expect(pair.dr.objectCount).toBe(1);
  });

  it('accepts a right answer that leaves out the opaque', async () => {
    const pair = await started();
    const res = await answerChallenge(pair, (challenge, uri) =>
      withField(adminAnswer(challenge, uri), 'opaque', undefined),
    );
    expect([res.status, res.chunks.at(-1)]).toEqual([200, 'Remote cluster returned: 201\n']);
    expect(pair.sim.counters()).toMatchObject({ challenges: 1, authRejected: 0, sends: 1 });
  });

  it("challenges a protected listing in the context's own realm, and accepts that realm's user there", async () => {
    const sim = await startSimulator({
      clusters: [{ name: 'baker', nodes: 1, protectedContexts: { 'vault/locked': { alice: 'secret' } } }],
    });
    running = sim;
    const node = sim.cluster('baker').addresses[0] ?? '';
    sim.cluster('baker').put({ domain: 'vault', bucket: 'locked', name: 'n', body: 'x' });
    const target = '/locked?format=json&domain=vault';
    const conn = await RawConnection.open(node);
    try {
      const first = await conn.exchange(request('GET', target, node));
      expect(first.status).toBe(401);
      const challenge = first.headerAll('www-authenticate').find((h) => h.startsWith('Digest')) ?? '';
      expect(parseChallenge(challenge)['realm']).toBe('vault/locked');
      expect(first.header('www-authenticate')).toBe(challenge);
      expect(first.headerAll('www-authenticate').at(-1)).toBe('Basic realm="vault/locked"');
      const auth = digestHeader({ challenge, user: 'alice', password: 'secret', method: 'GET', uri: target });
      const res = await conn.exchange(request('GET', target, node, { Authorization: auth }));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual([expect.objectContaining({ name: 'n' })]);
    } finally {
      conn.close();
    }
  });
});
