import { createHash } from 'node:crypto';
import {
  credentialsProblem,
  describeOffer,
  NodeAuth,
  parseChallenges,
  pickChallenge,
} from '../../../../functions/core/transport/digest-auth.js';

// The edges of the Digest client: which offers it can answer, what it tells an operator when it
// cannot, the RFC 2069 form (no qop), and the state a node's auth keeps between requests.

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const CREDS = { username: 'admin', password: 'pw' };

describe('credentialsProblem', () => {
  it.each([
    ['u\r', 'pw', 'the username contains a control character (CR, LF, NUL...)'],
    ['u', 'p\u007f', 'the password contains a control character (CR, LF, NUL...)'],
    ['ü', 'p\u0100', 'the password contains characters outside Latin-1'],
    ['\u20ac', 'p', 'the username contains characters outside Latin-1'],
  ])('names the field and the problem: %j / %j', (username, password, problem) => {
    expect(credentialsProblem({ username, password })).toBe(problem);
  });

  it('accepts any Latin-1 text without control characters', () => {
    expect(credentialsProblem({ username: 'admin', password: 'ÿ pässwörd~' })).toBeNull();
  });
});

describe('parseChallenges', () => {
  it('reads nothing from no header, and skips schemes it does not speak', () => {
    expect(parseChallenges(undefined)).toStrictEqual([]);
    expect(parseChallenges('')).toStrictEqual([]);
    expect(parseChallenges(['Negotiate abc', 'Bearer realm="x"'])).toStrictEqual([]);
  });

  it('reads bare tokens, lower-cases parameter names and the scheme, and userhash', () => {
    expect(parseChallenges('DIGEST Realm=r, NONCE=n, UserHash=TRUE, Algorithm=SHA-256, qop=auth')).toStrictEqual([
      { scheme: 'digest', realm: 'r', nonce: 'n', algorithm: 'SHA-256', userhash: true, qop: 'auth', stale: false },
    ]);
    expect(parseChallenges('Digest realm="r", nonce="n", userhash=false')[0]).toMatchObject({ userhash: false });
    expect(parseChallenges('Basic')[0]).toStrictEqual({ scheme: 'basic', realm: '', stale: false });
  });

  it('ignores parameters before any scheme', () => {
    expect(parseChallenges('realm="x", Basic realm="y"')).toStrictEqual([
      { scheme: 'basic', realm: 'y', stale: false },
    ]);
  });
});

describe('pickChallenge', () => {
  it.each([
    ['no nonce', 'Digest realm="r", qop="auth"'],
    ['an unknown algorithm', 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-1'],
    ['auth-int only', 'Digest realm="r", nonce="n", qop="auth-int"'],
    ['an MD5-sess challenge without qop', 'Digest realm="r", nonce="n", algorithm=MD5-sess'],
    ['a SHA-256 challenge without qop', 'Digest realm="r", nonce="n", algorithm=SHA-256'],
  ])('cannot answer %s', (_what, header) => {
    expect(pickChallenge(parseChallenges(header), { allowBasic: true })).toBeNull();
  });

  it('answers qop=auth inside a list, with spaces and any case, and RFC 2069 plain MD5 without qop', () => {
    expect(pickChallenge(parseChallenges('Digest realm="r", nonce="n", qop="auth-int, AUTH"'))?.nonce).toBe('n');
    expect(pickChallenge(parseChallenges('Digest realm="r", nonce="n"'))?.nonce).toBe('n');
    expect(pickChallenge(parseChallenges('Digest realm="r", nonce="n", algorithm=md5'))?.nonce).toBe('n');
  });

  it('ranks SHA-512-256 between SHA-256 and the -sess forms', () => {
    const offer = (algs: string[]) =>
      parseChallenges(algs.map((a) => `Digest realm="r", nonce="${a}", qop="auth", algorithm=${a}`).join(', '));
    expect(pickChallenge(offer(['MD5', 'SHA-256-sess', 'SHA-512-256']))?.algorithm).toBe('SHA-512-256');
    expect(pickChallenge(offer(['SHA-512-256', 'SHA-256']))?.algorithm).toBe('SHA-256');
    expect(pickChallenge(offer(['MD5-sess', 'SHA-512-256-sess', 'MD5']))?.algorithm).toBe('SHA-512-256-sess');
    expect(pickChallenge(offer(['MD5-sess', 'MD5']))?.algorithm).toBe('MD5');
  });
});

describe('describeOffer', () => {
  it('lists what was offered, and says when Basic was there but not allowed', () => {
    const offer = parseChallenges(
      'Digest realm="r", nonce="n", qop="auth-int", Digest realm="r", nonce="m", algorithm=SHA-1, Basic realm="r"',
    );
    expect(describeOffer(offer)).toBe(
      'no supported authentication offered (Digest MD5 qop=auth-int, Digest SHA-1, Basic); Basic is not allowed for this cluster over this connection',
    );
    expect(describeOffer(offer, { allowBasic: true })).toBe(
      'no supported authentication offered (Digest MD5 qop=auth-int, Digest SHA-1, Basic)',
    );
    expect(describeOffer([])).toBe('no supported authentication offered (no challenge)');
    // Without a Basic challenge there is nothing to say about Basic.
    expect(describeOffer(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-1'))).toBe(
      'no supported authentication offered (Digest SHA-1)',
    );
  });
});

describe('NodeAuth state', () => {
  it('answers an RFC 2069 challenge (no qop) with MD5(HA1:nonce:HA2) and no nc or cnonce', () => {
    const auth = new NodeAuth(CREDS);
    expect(auth.update(parseChallenges('Digest realm="r", nonce="n1"'))).toBe(true);
    const header = auth.authorize('SEND', '/u');
    const expected = md5(`${md5('admin:r:pw')}:n1:${md5('SEND:/u')}`);
    expect(header).toBe(`Digest username="admin", realm="r", nonce="n1", uri="/u", response="${expected}"`);
  });

  it('quotes realm, user name and uri with backslash escapes', () => {
    const auth = new NodeAuth({ username: 'a"b\\c', password: 'pw' });
    auth.update(parseChallenges('Digest realm="x \\"y\\"", nonce="n"'));
    expect(auth.authorize('SEND', '/u')).toMatch(
      /^Digest username="a\\"b\\\\c", realm="x \\"y\\"", nonce="n", uri="\/u", response="[0-9a-f]{32}"$/,
    );
  });

  it('reports whether it holds a challenge and may answer Basic; reset forgets the challenge and the count', () => {
    const auth = new NodeAuth(CREDS, { cnonce: () => 'c' });
    expect(auth.hasChallenge).toBe(false);
    expect(auth.allowsBasic).toBe(false);
    expect(new NodeAuth(CREDS, { allowBasic: true }).allowsBasic).toBe(true);
    expect(auth.update(parseChallenges('Basic realm="r"'))).toBe(false);
    expect(auth.hasChallenge).toBe(false);
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    expect(auth.hasChallenge).toBe(true);
    auth.authorize('SEND', '/u');
    expect(auth.authorize('SEND', '/u')).toContain('nc=00000002');
    auth.reset();
    expect(auth.hasChallenge).toBe(false);
    expect(auth.authorize('SEND', '/u')).toBeNull();
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    expect(auth.authorize('SEND', '/u')).toContain('nc=00000001');
  });

  it('keeps counting on the same nonce and realm, and starts again when only the realm changes', () => {
    const auth = new NodeAuth(CREDS, { cnonce: () => 'c' });
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    auth.authorize('SEND', '/u');
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    expect(auth.authorize('SEND', '/u')).toContain('nc=00000002');
    auth.update(parseChallenges('Digest realm="other", nonce="n", qop="auth"'));
    expect(auth.authorize('SEND', '/u')).toContain('nc=00000001');
  });

  it('writes the nonce count as eight hex digits', () => {
    const auth = new NodeAuth(CREDS, { cnonce: () => 'c' });
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    let header = '';
    for (let i = 0; i < 26; i++) header = auth.authorize('SEND', '/u')!;
    expect(header).toContain('nc=0000001a');
  });

  it('draws a fresh 32-hex client nonce for each request by default', () => {
    const auth = new NodeAuth(CREDS);
    auth.update(parseChallenges('Digest realm="r", nonce="n", qop="auth"'));
    const cnonce = (h: string | null) => /cnonce="([^"]*)"/.exec(h ?? '')?.[1];
    const a = cnonce(auth.authorize('SEND', '/u'));
    const b = cnonce(auth.authorize('SEND', '/u'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
