import { createHash } from 'node:crypto';
import { NodeAuth, parseChallenges, pickChallenge } from '../../../functions/core/digest-auth.js';

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
  it('reads both challenges of the founding document exchange', () => {
    expect(parseChallenges(DOC_CHALLENGE)).toStrictEqual([
      { scheme: 'digest', realm: 'CAStor administrator', nonce: '0c6da76911cbf5cd495afbb0c66e6d9a', opaque: '3e894c0cf7c1ad980e1fd46320307f1a', qop: 'auth', algorithm: 'MD5', stale: false },
      { scheme: 'basic', realm: 'CAStor administrator', stale: false },
    ]);
  });

  it('reads challenges folded into one header, with escaped quotes and stale=true', () => {
    const c = parseChallenges('Digest realm="a \\"b\\"", nonce="n", stale=TRUE, qop="auth,auth-int", Basic realm="x"');
    expect(c[0]).toMatchObject({ realm: 'a "b"', nonce: 'n', stale: true, qop: 'auth,auth-int' });
    expect(c[1]).toMatchObject({ scheme: 'basic', realm: 'x' });
  });

  it('prefers Digest MD5 and falls back to Basic, like curl --anyauth', () => {
    expect(pickChallenge(parseChallenges(DOC_CHALLENGE))?.scheme).toBe('digest');
    expect(pickChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-256, Basic realm="r"'))?.scheme).toBe('basic');
    expect(pickChallenge(parseChallenges('Negotiate'))).toBeNull();
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
    expect(f).toMatchObject({ username: 'admin', realm: 'CAStor administrator', uri, qop: 'auth', nc: '00000001', opaque: '3e894c0cf7c1ad980e1fd46320307f1a' });
    expect(f.response).toBe(md5(`${ha1}:0c6da76911cbf5cd495afbb0c66e6d9a:00000001:${f.cnonce}:auth:${ha2}`));
  });

  it('matches the RFC 2617 section 3.5 worked example', () => {
    const auth = new NodeAuth({ username: 'Mufasa', password: 'Circle Of Life' });
    auth.update(parseChallenges('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'));
    const f = fields(auth.authorize('GET', '/dir/index.html')!);
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = md5('GET:/dir/index.html');
    expect(f.response).toBe(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:${f.cnonce}:auth:${ha2}`));
    // With the RFC's own cnonce the formula yields the RFC's published response.
    expect(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${ha2}`)).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('counts nc up on a reused nonce and restarts it on a new one', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'p' });
    auth.update(parseChallenges(DOC_CHALLENGE));
    expect(fields(auth.authorize('SEND', '/a')!).nc).toBe('00000001');
    expect(fields(auth.authorize('SEND', '/b')!).nc).toBe('00000002');
    auth.update(parseChallenges('Digest realm="CAStor administrator", nonce="fresh", qop="auth", stale=true'));
    expect(fields(auth.authorize('SEND', '/c')!)).toMatchObject({ nc: '00000001', nonce: 'fresh' });
  });

  it('answers a Basic-only node with Basic', () => {
    const auth = new NodeAuth({ username: 'admin', password: 'pa:ss' });
    auth.update(parseChallenges('Basic realm="CAStor administrator"'));
    expect(auth.authorize('SEND', '/x')).toBe(`Basic ${Buffer.from('admin:pa:ss').toString('base64')}`);
  });
});
