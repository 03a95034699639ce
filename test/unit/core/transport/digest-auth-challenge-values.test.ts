import { parseChallenges } from '../../../../functions/core/transport/digest-auth.js';

// How parameter values of a WWW-Authenticate challenge are read: a quoted value loses its quotes
// and its backslash escapes; a bare token is kept exactly as it came.

describe('parseChallenges parameter values', () => {
  it('keeps a bare token that ends with a quote as it came', () => {
    expect(parseChallenges('Digest realm=r, nonce=abc"')).toStrictEqual([
      { scheme: 'digest', realm: 'r', nonce: 'abc"', stale: false },
    ]);
  });

  it('unquotes a quoted value and its escapes, and keeps an empty quoted value empty', () => {
    expect(parseChallenges('Digest realm="a \\"b\\" c", nonce="", opaque="x\\\\y"')).toStrictEqual([
      { scheme: 'digest', realm: 'a "b" c', nonce: '', opaque: 'x\\y', stale: false },
    ]);
  });

  it('reads parameters with white space around the equals sign', () => {
    expect(parseChallenges('Digest realm = "r", nonce =n1, qop= "auth"')).toStrictEqual([
      { scheme: 'digest', realm: 'r', nonce: 'n1', qop: 'auth', stale: false },
    ]);
  });

  it('reads parameters separated by a bare comma, or with white space before the comma', () => {
    const expected = [{ scheme: 'digest', realm: 'r', nonce: 'n1', qop: 'auth', stale: false }];
    expect(parseChallenges('Digest realm="r",nonce=n1,qop="auth"')).toStrictEqual(expected);
    expect(parseChallenges('Digest realm="r" , nonce=n1 ,qop="auth"')).toStrictEqual(expected);
  });
});
