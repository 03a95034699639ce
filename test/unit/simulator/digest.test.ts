import { digestResponse, NonceStore, parseAuthorization, parseAuthParams } from '../../../simulator/digest.js';

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

  it('expires nonces after their lifetime', () => {
    const store = new NonceStore(-1);
    expect(store.use(store.issue(), '00000001')).toBe('stale');
  });
});
