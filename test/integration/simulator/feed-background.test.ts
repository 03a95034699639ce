import type { ClusterSpec, TransferOptions } from '../../../simulator/index.js';
import type { RawResponse } from '../../helpers/raw-client.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { sendOnce, startSend, waitUntil } from '../../helpers/sim-send.js';

/** 80 Mbit/s, no round trip: a virtual 5 MB object copies in 500 ms. */
const SIZE = 5_000_000;
const COPY_MS = 500;
const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function withFeed(source: Partial<ClusterSpec> = {}, transfer: Partial<TransferOptions> = {}): Promise<Pair> {
  return startPair(
    { transfer: { link: { rttMs: 0, bandwidthMbps: 80 }, keepaliveIntervalMs: 50, ...transfer } },
    { feeds: [{ id: 3, type: 'replication', target: 'dr' }], ...source },
  );
}

/** Feed 3's status and time, from the trailers. */
function feed3(res: RawResponse | undefined): { status: string | undefined; time: string | undefined } {
  const trailer = (name: string): string | undefined => res?.trailers.find(([n]) => n === name)?.[1];
  return { status: trailer('Feed-3-Status'), time: trailer('Feed-3-StatusTime') };
}

describe('simulator feed SEND whose copy outlasts its timeout (background copy)', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.sim.close();
    pair = undefined;
  });

  it('answers status 1 with a blank time at the timeout, while the feed copies on and logs the object at the end', async () => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    const res = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=0.2`);
    expect(res.status).toBe(200);
    expect(feed3(res)).toEqual({ status: '1', time: '' });
    expect(res.body).toMatch(/^\n+Feed-3-Status: 1\r\nFeed-3-StatusTime: \r\n$/);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    await waitUntil(() => pair!.dr.has({ uuid: obj.uuid }), 'the background copy to land');
    // Once done, a SEND without force answers 0 with the time the feed processed it, at once.
    const after = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=false`);
    expect(feed3(after).status).toBe('0');
    expect(feed3(after).time).toMatch(DATE);
    expect(pair.sim.counters()).toMatchObject({ copies: 1, copyMs: COPY_MS, copiesRestarted: 0, copiesAbandoned: 0 });
  });

  it('lets a later SEND without force join the running copy: 1 while it runs, 0 when it ends within the timeout, no second copy', async () => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    const first = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=0.05`);
    expect(feed3(first).status).toBe('1');
    const second = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=0.05`);
    expect(feed3(second)).toEqual({ status: '1', time: '' });
    const third = await sendOnce(pair.source.addresses[1]!, `/${obj.uuid}?admin&feedid=3&timeout=5`);
    expect(feed3(third).status).toBe('0');
    expect(feed3(third).time).toMatch(DATE);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
    expect(pair.sim.counters()).toMatchObject({ copies: 1, copiesRestarted: 0, copyMs: COPY_MS });
  });

  it('starts a second copy on force while one runs: both store, the later one counts as restarted', async () => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    expect(feed3(await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=false`)).status).toBe('1');
    const forced = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&force=yes&timeout=5`);
    expect(feed3(forced).status).toBe('0');
    await waitUntil(() => pair!.sim.counters().copyMs === 2 * COPY_MS, 'both copies to end');
    expect(pair.sim.counters()).toMatchObject({
      copies: 2,
      copiesRestarted: 1,
      copyMsRestarted: COPY_MS,
      copiesAbandoned: 0,
    });
  });

  it('answers timeout=false at once, with no keep-alives: status 1 while the copy goes on', async () => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    const res = await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=false`);
    expect(res.chunks).toEqual(['Feed-3-Status: 1\r\nFeed-3-StatusTime: \r\n']);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    await waitUntil(() => pair!.dr.has({ uuid: obj.uuid }), 'the background copy to land');
  });

  it.each([
    ['timeout=true', 'the cluster setting (0.2 s)', { defaultFeedSendTimeoutSeconds: 0.2 }, '1'],
    ['no timeout', 'the cluster setting (0.2 s)', { defaultFeedSendTimeoutSeconds: 0.2 }, '1'],
    ['timeout=true', 'the default 30 s, longer than the copy', {}, '0'],
  ])('waits with %s as long as %s', async (query, _what, spec, status) => {
    pair = await withFeed(spec);
    const obj = pair.source.put({ size: SIZE });
    const flag = query === 'no timeout' ? '' : `&${query}`;
    expect(feed3(await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3${flag}`)).status).toBe(status);
  });

  it('lets the feed copy go on when the client disconnects, whatever transfer.disconnect says', async () => {
    pair = await withFeed({}, { disconnect: 'copy-abandoned' });
    const obj = pair.source.put({ size: SIZE });
    const send = await startSend(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=5`);
    await waitUntil(() => pair!.sim.counters().copies === 1, 'the copy to start');
    send.conn.close();
    expect(await send.answer).toBeUndefined();
    await waitUntil(() => pair!.dr.has({ uuid: obj.uuid }), 'the feed copy to land');
    expect(pair.sim.counters()).toMatchObject({ copiesAbandoned: 0, copyMs: COPY_MS });
    expect(feed3(await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=false`)).status).toBe('0');
  });

  it('counts a legacy SEND that copies while the feed copy runs as a restart', async () => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    expect(feed3(await sendOnce(pair.src, `/${obj.uuid}?admin&feedid=3&timeout=false`)).status).toBe('1');
    const legacy = await sendOnce(pair.src, `/${obj.uuid}?admin`, pair.legacy);
    expect(legacy.body).toMatch(/Remote cluster returned: 201\s*$/);
    expect(pair.sim.counters()).toMatchObject({ copies: 2, copiesRestarted: 1, copyMsRestarted: COPY_MS });
  });

  it.each([
    [false, 1],
    [true, 0],
  ])('gives its own copy up under a reset fault, unless copied: %s', async (copied, abandoned) => {
    pair = await withFeed();
    const obj = pair.source.put({ size: SIZE });
    pair.sim.faults.add({ match: { object: obj.uuid }, times: 1, kind: { type: 'reset-mid-body', copied } });
    const send = await startSend(pair.src, `/${obj.uuid}?admin&feedid=3`);
    expect(await send.answer).toBeUndefined();
    send.conn.close();
    expect(pair.sim.counters()).toMatchObject({ copies: 1, copiesAbandoned: abandoned });
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(copied);
  });

  it('refuses a default feed SEND timeout that is not positive', async () => {
    await expect(withFeed({ defaultFeedSendTimeoutSeconds: 0 })).rejects.toThrow(
      /baker: defaultFeedSendTimeoutSeconds must be > 0/,
    );
  });
});
