import { parseChallenges, pickChallenge } from '../../../../functions/core/transport/digest-auth.js';

// Which challenges count as Digest challenges this client can answer: the scheme decides, not the
// parameters a challenge happens to carry.

describe('a usable Digest challenge', () => {
  it('is never a Basic challenge, even one carrying a nonce and qop=auth', () => {
    expect(pickChallenge(parseChallenges('Basic realm="r", nonce="n"'))).toBeNull();
    expect(pickChallenge(parseChallenges('Basic realm="r", nonce="n", qop="auth", algorithm=MD5'))).toBeNull();
    // Where Basic is allowed it is picked as Basic, and only after any Digest.
    expect(pickChallenge(parseChallenges('Basic realm="r", nonce="n"'), { allowBasic: true })?.scheme).toBe('basic');
  });

  it('needs a nonce', () => {
    expect(pickChallenge(parseChallenges('Digest realm="r", qop="auth"'))).toBeNull();
    expect(
      pickChallenge(parseChallenges('Digest realm="r", qop="auth", Digest realm="r", nonce="n", qop="auth"')),
    ).toMatchObject({ scheme: 'digest', nonce: 'n' });
  });
});
