import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { startPair, type Pair } from './fixtures.js';
import { digestHeader, parseChallenge, PW, RawConnection, request, type RawResponse } from './raw-client.js';

// Digest answers the main authentication suite does not send: fields left out, a response in
// upper-case hex, no opaque, and the realm of a protected listing context.

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
