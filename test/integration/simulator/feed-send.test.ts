import { Client } from 'undici';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request, type RawResponse } from '../../helpers/raw-client.js';

const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

async function feedSend(pair: Pair, target: string): Promise<RawResponse> {
  const conn = await RawConnection.open(pair.src);
  try {
    return await conn.exchange(request('SEND', target, pair.src, { Authorization: basicHeader('admin', PW) }));
  } finally {
    conn.close();
  }
}

/** Source "baker" with feeds: 1 replication to dr (domain acme), 2 search (everything), 3 replication to dr. */
function withFeeds(): Promise<Pair> {
  return startPair(
    {},
    {
      feeds: [
        { id: 1, type: 'replication', target: 'dr', domains: ['acme'] },
        { id: 2, type: 'search' },
        { id: 3, type: 'replication', target: 'dr' },
      ],
    },
  );
}

describe('feed SEND (11.2+)', () => {
  let pair: Pair;
  afterEach(() => pair.sim.close());

  it('replicates through the feed and reports Feed-<id>-Status as real trailers and as body lines', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=3&timeout=60`);
    expect(res.statusLine).toBe('HTTP/1.1 200 OK');
    expect(res.header('transfer-encoding')).toBe('chunked');
    expect(res.header('Trailer')).toBe('Feed-3-Status, Feed-3-StatusTime');
    expect(res.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(res.trailers[1]?.[0]).toBe('Feed-3-StatusTime');
    expect(res.trailers[1]?.[1]).toMatch(DATE);
    expect(res.chunks).toEqual([
      '\n',
      '\n',
      `Feed-3-Status: 0\r\nFeed-3-StatusTime: ${res.trailers[1]?.[1] ?? ''}\r\n`,
    ]);
    expect(res.raw).toMatch(/\r\n0\r\nFeed-3-Status: 0\r\nFeed-3-StatusTime: [^\r]+\r\n\r\n$/);
    expect(pair.dr.get({ uuid: obj.uuid })?.etag).toBe(obj.etag);
  });

  it('reports nothing for a feed whose domain scope excludes the object, and copies nothing', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ bucket: 'b', name: 'n', domain: 'other', body: 'x' });
    const res = await feedSend(pair, `/b/n?admin&domain=other&feedid=1`);
    expect(res.status).toBe(200);
    expect(res.header('Trailer')).toBeUndefined();
    expect(res.trailers).toEqual([]);
    expect(res.chunks).toEqual(['\n', '\n']);
    expect(pair.dr.has({ domain: 'other', bucket: 'b', name: 'n' })).toBe(false);
    expect(obj.domain).toBe('other');
  });

  it('selects the union of feedid and feedtype', async () => {
    pair = await withFeeds();
    pair.source.put({ bucket: 'b', name: 'n', domain: 'acme', body: 'x' });
    const res = await feedSend(pair, '/b/n?admin&domain=acme&feedid=2&feedtype=replication');
    expect(res.trailers.map(([n, v]) => `${n}=${n.endsWith('Time') ? 'T' : v}`)).toEqual([
      'Feed-1-Status=0',
      'Feed-1-StatusTime=T',
      'Feed-2-Status=0',
      'Feed-2-StatusTime=T',
      'Feed-3-Status=0',
      'Feed-3-StatusTime=T',
    ]);
  });

  it.each([
    ['an unknown feed id', 'feedid=9', /Unknown feed ID 9/],
    ['a bad feed id', 'feedid=one', /Invalid feedid/],
    ['a bad feed type', 'feedtype=backup', /Invalid feedtype/],
    ['a bad timeout', 'feedid=2&timeout=soon', /Invalid timeout/],
    ['a zero timeout', 'feedid=2&timeout=0', /^Invalid timeout "0": true, false or a positive number of seconds$/],
    ['a feed id with junk before it', 'feedid=x3', /^Invalid feedid "x3": an integer or all$/],
    ['a feed id with junk after it', 'feedid=3x', /^Invalid feedid "3x": an integer or all$/],
    ['an unknown feed id of two digits', 'feedid=12', /^Unknown feed ID 12$/],
    ['a bad force', 'feedid=2&force=maybe', /^Invalid force "maybe": yes, true, no or false$/],
  ])('answers 400 for %s', async (_label, query, text) => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    const res = await feedSend(pair, `/${obj.uuid}?admin&${query}`);
    expect(res.status).toBe(400);
    expect(res.header('Castor-System-Error-Token')).toBe('InvalidArgument');
    expect(res.header('Castor-System-Error-Text')).toMatch(text);
  });

  it.each([
    ['feedid=all', [1, 2, 3]],
    ['feedtype=all', [1, 2, 3]],
    ['feedtype=search', [2]],
    ['feedtype=indexing', [2]],
    ['feedtype=replication', [1, 3]],
    ['feedtype=s3backup', []],
  ])('selects the feeds %s names', async (query, ids) => {
    pair = await withFeeds();
    pair.source.put({ bucket: 'b', name: 'n', domain: 'acme', body: 'x' });
    const res = await feedSend(pair, `/b/n?admin&domain=acme&${query}`);
    expect(res.status).toBe(200);
    expect(res.trailers.filter(([n]) => n.endsWith('-Status'))).toEqual(ids.map((id) => [`Feed-${id}-Status`, '0']));
  });

  it.each(['timeout=', 'timeout=true', 'timeout=TRUE', 'timeout=15', 'timeout=0.5', 'timeout=false'])(
    'accepts %s',
    async (query) => {
      pair = await withFeeds();
      const obj = pair.source.put({ body: 'x' });
      const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=2&${query}`);
      expect(res.status).toBe(200);
      expect(res.trailers[0]).toEqual(['Feed-2-Status', '0']);
    },
  );

  it('is a no-op with status 0 for an object the feed already processed, unless force', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    const first = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(pair.dr.delete({ uuid: obj.uuid })).toBe(true);
    const second = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(second.trailers).toEqual(first.trailers);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    const forced = await feedSend(pair, `/${obj.uuid}?admin&feedid=3&force=yes`);
    expect(forced.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it.each([
    ['force=', true],
    ['force=yes', true],
    ['force=TRUE', true],
    ['force=no', false],
    ['force=false', false],
  ])('re-processes an object the feed already processed with %s: %s', async (query, copies) => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(pair.dr.delete({ uuid: obj.uuid })).toBe(true);
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=3&${query}`);
    expect(res.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(copies);
  });

  it('reports status 1 with a blank StatusTime, or a failure status, from a feed-status fault', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    pair.sim.faults.add({ times: 1, kind: { type: 'feed-status', feedId: 3, status: 1 } });
    const timeout = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(timeout.trailers).toEqual([
      ['Feed-3-Status', '1'],
      ['Feed-3-StatusTime', ''],
    ]);
    expect(timeout.chunks.at(-1)).toBe('Feed-3-Status: 1\r\nFeed-3-StatusTime: \r\n');
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);

    pair.sim.faults.add({ times: 1, kind: { type: 'feed-status', feedId: 3, status: 5 } });
    const failed = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(failed.trailers[0]).toEqual(['Feed-3-Status', '5']);
    expect(failed.trailers[1]?.[1]).toMatch(DATE);

    const ok = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(ok.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it.each([
    ['an unreachable remote', { type: 'remote-unreachable' as const, variant: 'late' as const }],
    ['a remote that answers an error', { type: 'remote-status' as const, status: 500 }],
  ])('reports failure status 2 for a replication feed facing %s, and processes the other feeds', async (_l, kind) => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    pair.sim.faults.add({ times: 1, kind });
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=2&feedid=3`);
    expect(res.status).toBe(200);
    expect(res.trailers.map(([n, v]) => [n, n.endsWith('Time') ? DATE.test(v) : v])).toEqual([
      ['Feed-2-Status', '0'],
      ['Feed-2-StatusTime', true],
      ['Feed-3-Status', '2'],
      ['Feed-3-StatusTime', true],
    ]);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
  });

  it('keeps the processing log per object: a second object is replicated, not taken as done', async () => {
    pair = await withFeeds();
    const first = pair.source.put({ body: 'a' });
    const second = pair.source.put({ body: 'b' });
    await feedSend(pair, `/${first.uuid}?admin&feedid=3`);
    const res = await feedSend(pair, `/${second.uuid}?admin&feedid=3`);
    expect(res.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: second.uuid })).toBe(true);
  });

  it('applies a feed-status fault to the feed it names only', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    pair.sim.faults.add({ times: 1, kind: { type: 'feed-status', feedId: 3, status: 5 } });
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=2&feedid=3`);
    expect(res.trailers.filter(([n]) => n.endsWith('-Status'))).toEqual([
      ['Feed-2-Status', '0'],
      ['Feed-3-Status', '5'],
    ]);
  });

  it('replicates while any node of the target cluster runs', async () => {
    pair = await startPair({}, { feeds: [{ id: 3, type: 'replication', target: 'dr' }] }, { nodes: 2 });
    const obj = pair.source.put({ body: 'x' });
    await pair.dr.nodes[0]?.stop();
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(res.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it('leaves a copy already at the target as it is, unless forced', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'source' });
    const theirs = pair.dr.put({ uuid: obj.uuid, body: 'already there' });
    expect(theirs.etag).not.toBe(obj.etag);
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(res.trailers[0]).toEqual(['Feed-3-Status', '0']);
    expect(pair.dr.get({ uuid: obj.uuid })?.etag).toBe(theirs.etag);
    await feedSend(pair, `/${obj.uuid}?admin&feedid=3&force=yes`);
    expect(pair.dr.get({ uuid: obj.uuid })?.etag).toBe(obj.etag);
  });

  it('spreads keep-alives over the transfer time of the replication, one per keep-alive interval', async () => {
    // 20 ms RTT, 8 Mbit/s, 40,000 bytes: 2 x 20 + 40 = 80 ms of transfer, 8 keep-alives 10 ms apart.
    pair = await startPair(
      { transfer: { link: { rttMs: 20, bandwidthMbps: 8 }, keepaliveIntervalMs: 10 } },
      {
        feeds: [
          { id: 2, type: 'search' },
          { id: 3, type: 'replication', target: 'dr' },
        ],
      },
    );
    const obj = pair.source.put({ body: new Uint8Array(40_000) });
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=2&feedid=3`);
    expect(res.chunks.filter((c) => c === '\n')).toHaveLength(8);
    expect(res.trailers.filter(([n]) => n.endsWith('-Status')).map(([, v]) => v)).toEqual(['0', '0']);
  });

  it('reports status 1 for a replication feed whose target cluster is down', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    await pair.dr.nodes[0]?.stop();
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=3`);
    expect(res.trailers).toEqual([
      ['Feed-3-Status', '1'],
      ['Feed-3-StatusTime', ''],
    ]);
  });

  it('accepts feedid=all on a cluster with no feeds (no statuses)', async () => {
    pair = await startPair();
    const obj = pair.source.put({ body: 'x' });
    const res = await feedSend(pair, `/${obj.uuid}?admin&feedid=all&timeout=false`);
    expect(res.status).toBe(200);
    expect(res.chunks).toEqual([]);
    expect(res.trailers).toEqual([]);
  });

  it('exposes the trailers to an undici client', async () => {
    pair = await withFeeds();
    const obj = pair.source.put({ body: 'x' });
    const client = new Client(`http://${pair.src}`);
    try {
      const res = await client.request({
        method: 'SEND',
        path: `/${obj.uuid}?admin&feedid=3`,
        headers: { authorization: basicHeader('admin', PW) },
      });
      expect(res.statusCode).toBe(200);
      const body = await res.body.text();
      expect(body).toMatch(/^\n\nFeed-3-Status: 0\r\nFeed-3-StatusTime: .+ GMT\r\n$/);
      expect(res.trailers['feed-3-status']).toBe('0');
      expect(res.trailers['feed-3-statustime']).toMatch(DATE);
    } finally {
      await client.close();
    }
  });
});
