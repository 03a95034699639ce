import { createHash } from 'node:crypto';
import {
  NodeAuth,
  parseChallenges,
  pickChallenge,
  sameCredentials,
} from '../../../../functions/core/transport/digest-auth.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const DOC_CHALLENGE = [
  'Digest realm="CAStor administrator", nonce="0c6da76911cbf5cd495afbb0c66e6d9a", opaque="3e894c0cf7c1ad980e1fd46320307f1a", stale=false, qop="auth", algorithm=MD5',
  'Basic realm="CAStor administrator"',
];

function fields(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest /, '').matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)/g)) {
    out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return out;
}

describe('parseChallenges', () => {
  it('reads both challenges of the legacy SEND exchange', () => {
    expect(parseChallenges(DOC_CHALLENGE)).toStrictEqual([
      {
        scheme: 'digest',
        realm: 'CAStor administrator',
        nonce: '0c6da76911cbf5cd495afbb0c66e6d9a',
        opaque: '3e894c0cf7c1ad980e1fd46320307f1a',
        qop: 'auth',
        algorithm: 'MD5',
        stale: false,
      },
      { scheme: 'basic', realm: 'CAStor administrator', stale: false },
    ]);
  });

  it('reads challenges folded into one header, with escaped quotes and stale=true', () => {
    const c = parseChallenges('Digest realm="a \\"b\\"", nonce="n", stale=TRUE, qop="auth,auth-int", Basic realm="x"');
    expect(c[0]).toMatchObject({ realm: 'a "b"', nonce: 'n', stale: true, qop: 'auth,auth-int' });
    expect(c[1]).toMatchObject({ scheme: 'basic', realm: 'x' });
  });

  it('prefers Digest and falls back to Basic only where Basic is allowed', () => {
    expect(pickChallenge(parseChallenges(DOC_CHALLENGE))?.scheme).toBe('digest');
    expect(
      pickChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-384, Basic realm="r"'), {
        allowBasic: true,
      })?.scheme,
    ).toBe('basic');
    expect(pickChallenge(parseChallenges('Negotiate'))).toBeNull();
  });

  it('never picks Basic by default, even when it is the only thing offered', () => {
    expect(pickChallenge(parseChallenges('Basic realm="r"'))).toBeNull();
    expect(pickChallenge(parseChallenges('Digest realm="r", nonce="n", qop="auth-int", Basic realm="r"'))).toBeNull();
    expect(
      pickChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-384, Basic realm="r"')),
    ).toBeNull();
  });

  it('picks the strongest Digest algorithm offered: SHA-256 over MD5, a plain form over -sess', () => {
    const offer =
      'Digest realm="r", nonce="a", qop="auth", algorithm=MD5, Digest realm="r", nonce="b", qop="auth", algorithm=SHA-256-sess, Digest realm="r", nonce="c", qop="auth", algorithm=SHA-256';
    expect(pickChallenge(parseChallenges(offer))?.algorithm).toBe('SHA-256');
    expect(
      pickChallenge(
        parseChallenges(
          'Digest realm="r", nonce="a", qop="auth", algorithm=MD5-sess, Digest realm="r", nonce="b", qop="auth", algorithm=SHA-256-sess',
        ),
      )?.algorithm,
    ).toBe('SHA-256-sess');
  });
});

describe('NodeAuth', () => {
  it('computes the RFC 2617 response (HA1 = MD5(user:realm:pw), HA2 = MD5(SEND:uri))', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'ourpwdofchoicehere' });
    expect(auth.authorize('SEND', '/x')).toBeNull();
    auth.update(parseChallenges(DOC_CHALLENGE));
    const uri = '/97f7149dec6cbc0aa1e9425688158969?alias&admin';
    const f = fields(auth.authorize('SEND', uri)!);
    const ha1 = md5('admin:CAStor administrator:ourpwdofchoicehere');
    const ha2 = md5(`SEND:${uri}`);
    expect(f).toMatchObject({
      username: 'admin',
      realm: 'CAStor administrator',
      uri,
      qop: 'auth',
      nc: '00000001',
      opaque: '3e894c0cf7c1ad980e1fd46320307f1a',
    });
    expect(f.response).toBe(md5(`${ha1}:0c6da76911cbf5cd495afbb0c66e6d9a:00000001:${f.cnonce}:auth:${ha2}`));
  });

  it('answers a new challenge with its own realm and nonce, counting from 1 again', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'pw' });
    auth.update(parseChallenges('Digest realm="first", nonce="n1", qop="auth"'));
    auth.authorize('SEND', '/a');
    expect(fields(auth.authorize('SEND', '/a')!).nc).toBe('00000002');
    auth.update(parseChallenges('Digest realm="second", nonce="n2", qop="auth", opaque="o"'));
    const f = fields(auth.authorize('SEND', '/b')!);
    expect(f).toMatchObject({ realm: 'second', nonce: 'n2', nc: '00000001', opaque: 'o', uri: '/b' });
    expect(f.response).toBe(md5(`${md5('admin:second:pw')}:n2:00000001:${f.cnonce}:auth:${md5('SEND:/b')}`));
  });

  it('matches the RFC 2617 section 3.5 worked example', () => {
    const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle Of Life' });
    auth.update(
      parseChallenges(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      ),
    );
    const f = fields(auth.authorize('GET', '/dir/index.html')!);
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = md5('GET:/dir/index.html');
    expect(f.response).toBe(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:${f.cnonce}:auth:${ha2}`));
    // With the RFC's own cnonce the formula yields the RFC's published response.
    expect(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${ha2}`)).toBe(
      '6629fae49393a05397450978507c4ef1',
    );
  });

  it('counts nc up on a reused nonce and restarts it on a new one', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'p' });
    auth.update(parseChallenges(DOC_CHALLENGE));
    expect(fields(auth.authorize('SEND', '/a')!).nc).toBe('00000001');
    expect(fields(auth.authorize('SEND', '/b')!).nc).toBe('00000002');
    auth.update(parseChallenges('Digest realm="CAStor administrator", nonce="fresh", qop="auth", stale=true'));
    expect(fields(auth.authorize('SEND', '/c')!)).toMatchObject({ nc: '00000001', nonce: 'fresh' });
  });

  it('answers a Basic-only node with Basic only where Basic is allowed', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'pa:ss' }, { allowBasic: true });
    auth.update(parseChallenges('Basic realm="CAStor administrator"'));
    expect(auth.authorize('SEND', '/x')).toBe(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`);
    const strict = new NodeAuth({ username: 'admin', password: 'pa:ss' });
    expect(strict.update(parseChallenges('Basic realm="CAStor administrator"'))).toBe(false);
    expect(strict.authorize('SEND', '/x')).toBeNull();
  });

  // RFC 7616 section 3.9.1: the same request answered with SHA-256 and with MD5.
  const RFC7616 = {
    challenge: (alg: string) =>
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  it.each([
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
  ])('reproduces the RFC 7616 worked example for %s', (alg, expected) => {
    const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle of Life' }, { cnonce: () => RFC7616.cnonce });
    expect(auth.update(parseChallenges(RFC7616.challenge(alg)))).toBe(true);
    const f = fields(auth.authorize('GET', '/dir/index.html')!);
    expect(f).toMatchObject({
      username: 'Mufasa',
      uri: '/dir/index.html',
      nc: '00000001',
      qop: 'auth',
      cnonce: RFC7616.cnonce,
      algorithm: alg,
      response: expected,
    });
  });

  it('computes the -sess forms with HA1 = H(H(user:realm:pw):nonce:cnonce) (RFC 7616 3.4.2)', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    for (const [alg, h] of [
      ['SHA-256-sess', sha],
      ['MD5-sess', md5],
    ] as const) {
      const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle of Life' }, { cnonce: () => RFC7616.cnonce });
      auth.update(parseChallenges(RFC7616.challenge(alg)));
      const f = fields(auth.authorize('GET', '/dir/index.html')!);
      const nonce = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
      const ha1 = h(`${h('Mufasa:http-auth@example.org:Circle of Life')}:${nonce}:${RFC7616.cnonce}`);
      expect(f).toMatchObject({
        algorithm: alg,
        response: h(`${ha1}:${nonce}:00000001:${RFC7616.cnonce}:auth:${h('GET:/dir/index.html')}`),
      });
    }
  });

  it('computes SHA-512/256 and its -sess form with the SHA-512/256 hash', () => {
    const h = (s: string) => createHash('sha512-256').update(s).digest('hex');
    const nonce = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
    const base = h('Mufasa:http-auth@example.org:Circle of Life');
    for (const [alg, ha1] of [
      ['SHA-512-256', base],
      ['SHA-512-256-sess', h(`${base}:${nonce}:${RFC7616.cnonce}`)],
    ] as const) {
      const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle of Life' }, { cnonce: () => RFC7616.cnonce });
      auth.update(parseChallenges(RFC7616.challenge(alg)));
      expect(fields(auth.authorize('GET', '/dir/index.html')!)).toMatchObject({
        algorithm: alg,
        response: h(`${ha1}:${nonce}:00000001:${RFC7616.cnonce}:auth:${h('GET:/dir/index.html')}`),
      });
    }
  });

  it('writes the whole header: the parameters in order, each separated by a comma and a space', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'pw' }, { cnonce: () => 'c0ffee' });
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth", opaque="o", algorithm=MD5'));
    const ha1 = md5('admin:r:pw');
    const response = md5(`${ha1}:n:00000001:c0ffee:auth:${md5('SEND:/x')}`);
    expect(auth.authorize('SEND', '/x')).toBe(
      `Digest username="admin", realm="r", nonce="n", uri="/x", response="${response}", qop=auth, nc=00000001, cnonce="c0ffee", opaque="o", algorithm=MD5`,
    );
  });

  it('sends the username hashed when the challenge asks for userhash', () => {
    const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle of Life' });
    auth.update(parseChallenges(`${RFC7616.challenge('SHA-256')}, userhash=true`));
    const header = auth.authorize('GET', '/dir/index.html')!;
    expect(fields(header).username).toBe(createHash('sha256').update('Mufasa:http-auth@example.org').digest('hex'));
    expect(header).toContain('userhash=true');
    expect(header).not.toContain('Mufasa');
  });
});

describe('sameCredentials', () => {
  const a = { username: 'admin', password: 'pw' };
  it('is true for the same user and password, and when there is nothing to compare with', () => {
    expect(sameCredentials(a, { username: 'admin', password: 'pw' })).toBe(true);
    expect(sameCredentials(a, null)).toBe(true);
    expect(sameCredentials(a, undefined)).toBe(true);
  });
  it('is false when the user or the password differs', () => {
    expect(sameCredentials(a, { username: 'other', password: 'pw' })).toBe(false);
    expect(sameCredentials(a, { username: 'admin', password: 'rotated' })).toBe(false);
    expect(sameCredentials(a, { username: 'other', password: 'rotated' })).toBe(false);
  });
});
