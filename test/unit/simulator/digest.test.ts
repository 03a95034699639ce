import { createHash } from 'node:crypto';
import {
  digestResponse,
  knownAlgorithm,
  NonceStore,
  parseAuthorization,
  parseAuthParams,
} from '../../../simulator/digest.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Runs `body` with Date.now() reading `ms` (the nonce store's only clock). */
function at<T>(ms: number, body: () => T): T {
  const real = Date.now;
  Date.now = () => ms;
  try {
    return body();
  } finally {
    Date.now = real;
  }
}

/** The store's nonce table (private: its size is what bounds a long-running node's memory). */
function table(store: NonceStore): Map<string, { seen: Set<number> }> {
  return (store as unknown as { nonces: Map<string, { seen: Set<number> }> }).nonces;
}

describe('server-side Digest', () => {
  it('computes the RFC 2617 section 3.5 example response', () => {
    expect(
      digestResponse({
        user: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        nc: '00000001',
        cnonce: '0a4f113b',
        qop: 'auth',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('parses quoted, escaped and bare auth-params', () => {
    expect(
      parseAuthParams('username="a\\"b", realm="CAStor administrator", nc=00000001, qop=auth, uri="/x?a,b"'),
    ).toEqual({
      username: 'a"b',
      realm: 'CAStor administrator',
      nc: '00000001',
      qop: 'auth',
      uri: '/x?a,b',
    });
  });

  it('allows whitespace around "=" and "," (RFC 7235 BWS and list syntax)', () => {
    expect(parseAuthParams('username = "admin" ,  qop =auth,nc= 00000001')).toEqual({
      username: 'admin',
      qop: 'auth',
      nc: '00000001',
    });
  });

  it('decodes Basic credentials, splitting at the first colon', () => {
    expect(parseAuthorization(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`)).toEqual({
      scheme: 'basic',
      user: 'admin',
      password: 'pa:ss',
    });
    expect(parseAuthorization('Bearer xyz')).toEqual({ scheme: 'other' });
  });

  it('accepts each nc of a nonce once, in any order within the window', () => {
    const store = new NonceStore(60_000);
    const nonce = store.issue();
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(store.opaque).toMatch(/^[0-9a-f]{32}$/);
    expect(['00000002', '00000001', '00000003'].map((nc) => store.use(nonce, nc))).toEqual(['fresh', 'fresh', 'fresh']);
    expect(store.use(nonce, '00000002')).toBe('stale');
    expect(store.use(nonce, '00000000')).toBe('stale');
    expect(store.use(nonce, 'zz')).toBe('stale');
    expect(store.use('f'.repeat(32), '00000001')).toBe('stale');
  });

  it('refuses nc values that fell far behind the highest seen', () => {
    const store = new NonceStore(60_000);
    const nonce = store.issue();
    expect(store.use(nonce, (10_000).toString(16))).toBe('fresh');
    expect(store.use(nonce, '00000005')).toBe('stale');
    expect(store.use(nonce, (9_000).toString(16))).toBe('fresh');
  });

  it('keeps the nc window anchored at the highest nc seen when a lower one arrives later', () => {
    const store = new NonceStore(60_000);
    const nonce = store.issue();
    const use = (nc: number): string => store.use(nonce, nc.toString(16));
    expect(use(10_000)).toBe('fresh');
    // Within the window below 10,000 (down to 5,905), so accepted; it must not lower the window.
    expect(use(9_000)).toBe('fresh');
    expect(use(5_904)).toBe('stale');
    expect(use(5_905)).toBe('fresh');
  });

  it('expires nonces after their lifetime', () => {
    const store = new NonceStore(-1);
    expect(store.use(store.issue(), '00000001')).toBe('stale');
  });

  it('computes the RFC 7616 section 3.9.1 example responses with MD5 and SHA-256, and SHA-256-sess', () => {
    const example = {
      user: 'Mufasa',
      realm: 'http-auth@example.org',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      qop: 'auth',
    };
    expect(digestResponse({ ...example, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(digestResponse({ ...example, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const ha1 = sha(`${sha('Mufasa:http-auth@example.org:Circle of Life')}:${example.nonce}:${example.cnonce}`);
    expect(digestResponse({ ...example, algorithm: 'SHA-256-sess' })).toBe(
      sha(`${ha1}:${example.nonce}:00000001:${example.cnonce}:auth:${sha('GET:/dir/index.html')}`),
    );
  });

  it('computes the RFC 2069 response when qop is absent (the section 2.4 example, as corrected by its errata)', () => {
    expect(
      digestResponse({
        user: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'CircleOfLife',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      }),
    ).toBe('1949323746fe6a43ef61f9606e7febea');
  });

  it('hashes an absent nc or cnonce as empty text, in qop=auth and in MD5-sess', () => {
    const ha1 = md5('u:r:p');
    const ha2 = md5('SEND:/x');
    const input = { user: 'u', realm: 'r', password: 'p', method: 'SEND', uri: '/x', nonce: 'n', qop: 'auth' };
    expect(digestResponse(input)).toBe(md5(`${ha1}:n:::auth:${ha2}`));
    expect(digestResponse({ ...input, nc: '00000001' })).toBe(md5(`${ha1}:n:00000001::auth:${ha2}`));
    expect(digestResponse({ ...input, cnonce: 'c' })).toBe(md5(`${ha1}:n::c:auth:${ha2}`));
    expect(digestResponse({ ...input, algorithm: 'MD5-sess' })).toBe(md5(`${md5(`${ha1}:n:`)}:n:::auth:${ha2}`));
  });

  it('reads an absent algorithm as MD5 (RFC 7616 section 3.4) and names the -sess variants canonically', () => {
    expect(knownAlgorithm(undefined)).toBe('MD5');
    expect(knownAlgorithm('sha-256-SESS')).toBe('SHA-256-sess');
    expect(knownAlgorithm('SHA-512')).toBeNull();
  });

  it('reads a scheme without credentials, and Basic credentials without a colon or user, as empty text', () => {
    expect(parseAuthorization('Basic')).toEqual({ scheme: 'basic', user: '', password: '' });
    expect(parseAuthorization('Digest')).toEqual({ scheme: 'digest', fields: {} });
    expect(parseAuthorization(`Basic ${Buffer.from('admin').toString('base64')}`)).toEqual({
      scheme: 'basic',
      user: 'admin',
      password: '',
    });
    expect(parseAuthorization(`Basic ${Buffer.from(':pw').toString('base64')}`)).toEqual({
      scheme: 'basic',
      user: '',
      password: 'pw',
    });
  });

  it('refuses a nonce from issue time + lifetime on, and forgets it', () => {
    const store = new NonceStore(1000);
    const nonce = at(0, () => store.issue());
    expect(at(999, () => store.use(nonce, '1'))).toBe('fresh');
    expect(at(1000, () => store.use(nonce, '2'))).toBe('stale');
    expect(table(store).size).toBe(0);
  });

  it.each(['0x1', ' 1', '1z', '100000000', '-1', ''])('refuses the malformed nc %j as stale', (nc) => {
    const store = new NonceStore(60_000);
    expect(store.use(store.issue(), nc)).toBe('stale');
  });

  it('drops expired nonces, and only those, once the table holds 1024', () => {
    const store = new NonceStore(1000);
    const early = at(0, () => Array.from({ length: 1023 }, () => store.issue()));
    const later = at(500, () => store.issue());
    expect(table(store).size).toBe(1024);
    // At 1000 the first 1023 have just expired (expiry is inclusive); the one issued at 500 has not.
    const fresh = at(1000, () => store.issue());
    expect(table(store).size).toBe(2);
    expect(at(1000, () => [store.use(later, '1'), store.use(fresh, '1')])).toEqual(['fresh', 'fresh']);
    expect(at(1000, () => store.use(early[0] ?? '', '1'))).toBe('stale');
  });

  it('keeps every unexpired nonce, however full the table', () => {
    const store = new NonceStore(1000);
    const first = at(0, () => store.issue());
    at(0, () => Array.from({ length: 1100 }, () => store.issue()));
    expect(table(store).size).toBe(1101);
    expect(at(999, () => store.use(first, '1'))).toBe('fresh');
  });

  it('forgets nc values that fell out of the replay window, and still refuses a replay inside it', () => {
    const store = new NonceStore(60_000);
    const nonce = store.issue();
    for (let nc = 1; nc <= 8192; nc++) store.use(nonce, nc.toString(16));
    expect(table(store).get(nonce)?.seen.size).toBe(8192);
    // The 8193rd nc trims the seen set to the window below it: 4098..8193.
    expect(store.use(nonce, (8193).toString(16))).toBe('fresh');
    expect(table(store).get(nonce)?.seen.size).toBe(4096);
    expect(store.use(nonce, (4098).toString(16))).toBe('stale');
    expect(store.use(nonce, (8000).toString(16))).toBe('stale');
    expect(store.use(nonce, (4097).toString(16))).toBe('stale');
    expect(store.use(nonce, (8194).toString(16))).toBe('fresh');
  });
});
