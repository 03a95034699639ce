import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request, type RawResponse } from '../../helpers/raw-client.js';

// SEND cases the legacy and feed suites do not walk: an absent object (the connection stays
// usable), the default domain of an unnamed object in a domain-scoped feed, a replication feed
// that names no target cluster, and feed names in any case.

/** Sends SENDs one after the other on one connection (admin Basic credentials, then `headers`). */
async function sends(pair: Pair, targets: string[], headers: Record<string, string> = {}): Promise<RawResponse[]> {
  const conn = await RawConnection.open(pair.src);
  const all = { Authorization: basicHeader('admin', PW), ...headers };
  const answers: RawResponse[] = [];
  try {
    for (const target of targets) answers.push(await conn.exchange(request('SEND', target, pair.src, all)));
    return answers;
  } finally {
    conn.close();
  }
}

const feedSends = (pair: Pair, ...targets: string[]): Promise<RawResponse[]> => sends(pair, targets);

describe('SEND edge cases', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it('answers 404 with error headers to a feed SEND for an absent object, and keeps the connection', async () => {
    pair = await startPair({}, { feeds: [{ id: 3, type: 'replication', target: 'dr' }] });
    const obj = pair.source.put({ body: 'x' });
    const missing = 'cd'.repeat(16);
    const [res, next] = await feedSends(pair, `/${missing}?admin&feedid=3`, `/${obj.uuid}?admin&feedid=3`);
    expect(res?.status).toBe(404);
    expect(res?.header('Castor-System-Error-Token')).toBe('ObjectNotFound');
    expect(res?.header('Castor-System-Error-Text')).toBe(`Object ${missing} not found`);
    expect(res?.header('Connection')).toBeUndefined();
    expect(next?.trailers[0]).toEqual(['Feed-3-Status', '0']);
  });

  it('counts an unnamed object without a domain as in the default domain (the cluster name)', async () => {
    pair = await startPair({}, { feeds: [{ id: 4, type: 'replication', target: 'dr', domains: ['baker'] }] });
    const plain = pair.source.put({ body: 'x' });
    expect(plain.domain).toBeUndefined();
    const [inScope] = await feedSends(pair, `/${plain.uuid}?admin&feedid=4`);
    expect(inScope?.trailers[0]).toEqual(['Feed-4-Status', '0']);
    expect(pair.dr.has({ uuid: plain.uuid })).toBe(true);

    const tenanted = pair.source.put({ body: 'y', domain: 'acme' });
    const [outOfScope] = await feedSends(pair, `/${tenanted.uuid}?admin&feedid=4`);
    expect(outOfScope?.status).toBe(200);
    expect(outOfScope?.trailers).toEqual([]);
    expect(pair.dr.has({ uuid: tenanted.uuid })).toBe(false);
  });

  it('reports status 1 with a blank time for a replication feed that names no target cluster', async () => {
    pair = await startPair(
      {},
      {
        feeds: [
          { id: 2, type: 'search' },
          { id: 5, type: 'replication' },
        ],
      },
    );
    const obj = pair.source.put({ body: 'x' });
    const [res] = await feedSends(pair, `/${obj.uuid}?admin&feedid=2&feedid=5`);
    expect(res?.status).toBe(200);
    expect(res?.trailers.map(([n, v]) => [n, n === 'Feed-2-StatusTime' ? v !== '' : v])).toEqual([
      ['Feed-2-Status', '0'],
      ['Feed-2-StatusTime', true],
      ['Feed-5-Status', '1'],
      ['Feed-5-StatusTime', ''],
    ]);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
  });

  it('answers 404 with error headers to a legacy SEND for an absent object, and keeps the connection', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const missing = 'ef'.repeat(16);
    const [res, next] = await sends(pair, [`/${missing}?admin`, `/${obj.uuid}?admin`], pair.legacy);
    expect(res?.status).toBe(404);
    expect(res?.header('Castor-System-Error-Token')).toBe('ObjectNotFound');
    expect(res?.header('Castor-System-Error-Text')).toBe(`Object ${missing} not found`);
    expect(res?.header('Connection')).toBeUndefined();
    expect(next?.chunks.at(-1)).toBe('Remote cluster returned: 201\n');
  });

  it.each([
    ['feedid=ALL', 'feedid=ALL'],
    ['feedtype=Replication', 'feedtype=Replication'],
    ['feedtype=ALL', 'feedtype=ALL'],
  ])('reads %s whatever its case', async (_label, query) => {
    pair = await startPair({}, { feeds: [{ id: 3, type: 'replication', target: 'dr' }] });
    const obj = pair.source.put({ body: 'x' });
    const [res] = await feedSends(pair, `/${obj.uuid}?admin&${query}`);
    expect(res?.status).toBe(200);
    expect(res?.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });
});
