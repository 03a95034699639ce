import type { TransferOptions } from '../../../simulator/index.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { sendOnce, sleep, startSend, waitUntil } from '../../helpers/sim-send.js';

/** 80 Mbit/s, no round trip: 10,000 bytes a millisecond, so a virtual 5 MB object copies in 500 ms. */
const LINK = { rttMs: 0, bandwidthMbps: 80 };
const SIZE = 5_000_000;
const COPY_MS = 500;

function withDisconnect(disconnect: TransferOptions['disconnect'], more: Partial<TransferOptions> = {}): Promise<Pair> {
  return startPair({ transfer: { link: LINK, keepaliveIntervalMs: 50, disconnect, ...more } });
}

describe('simulator legacy SEND whose client disconnects mid-copy (transfer.disconnect)', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.sim.close();
    pair = undefined;
  });

  /** Starts a legacy SEND of `uuid` and hangs up once its copy has started. */
  async function sendAndHangUp(p: Pair, uuid: string, copiesBefore = 0): Promise<void> {
    const send = await startSend(p.src, `/${uuid}?admin`, p.legacy);
    await waitUntil(() => p.sim.counters().copies > copiesBefore, 'the copy to start');
    send.conn.close();
    expect(await send.answer).toBeUndefined();
  }

  it('copy-finishes: the copy goes on without its client and stores the object when its time is up', async () => {
    pair = await withDisconnect('copy-finishes');
    const obj = pair.source.put({ size: SIZE });
    await sendAndHangUp(pair, obj.uuid);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    await waitUntil(() => pair!.dr.has({ uuid: obj.uuid }), 'the copy to land');
    expect(pair.sim.counters()).toMatchObject({
      copies: 1,
      copiesAbandoned: 0,
      copiesRestarted: 0,
      copyMs: COPY_MS,
      copyMsAbandoned: 0,
      copyMsRestarted: 0,
    });
    // The retry finds the object there: one round trip, no second copy.
    expect((await sendOnce(pair.src, `/${obj.uuid}?admin`, pair.legacy)).body).toMatch(/Remote cluster returned: 409/);
    expect(pair.sim.counters().copies).toBe(1);
  });

  it('copy-abandoned: the copy stops with its client, nothing is stored, and a retry copies from zero', async () => {
    pair = await withDisconnect('copy-abandoned');
    const obj = pair.source.put({ size: SIZE });
    await sendAndHangUp(pair, obj.uuid);
    await waitUntil(() => pair!.sim.counters().copiesAbandoned === 1, 'the copy to be abandoned');
    const abandoned = pair.sim.counters();
    expect(abandoned.copyMsAbandoned).toBe(abandoned.copyMs);
    expect(abandoned.copyMsAbandoned).toBeLessThan(COPY_MS);
    // Past the time the copy would have taken, still nothing at DR.
    await sleep(COPY_MS + 100);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    const retry = await sendOnce(pair.src, `/${obj.uuid}?admin`, pair.legacy);
    expect(retry.body).toMatch(/Remote cluster returned: 201\s*$/);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
    expect(pair.sim.counters()).toMatchObject({
      copies: 2,
      copiesAbandoned: 1,
      copiesRestarted: 0,
      copyMs: abandoned.copyMsAbandoned + COPY_MS,
      copyMsRestarted: 0,
    });
  });

  it.each(['copy-finishes', 'copy-abandoned'] as const)(
    '%s: a client that stays gets 201 after the copy, as without the option',
    async (disconnect) => {
      pair = await withDisconnect(disconnect);
      const obj = pair.source.put({ size: SIZE });
      const res = await sendOnce(pair.src, `/${obj.uuid}?admin`, pair.legacy);
      expect(res.body).toMatch(/Remote cluster returned: 201\s*$/);
      expect(pair.sim.counters()).toMatchObject({ copies: 1, copyMs: COPY_MS, copyMsAbandoned: 0 });
    },
  );

  it('copy-finishes: a second SEND while the first copy runs starts another copy, whose link time counts as restarted', async () => {
    pair = await withDisconnect('copy-finishes');
    const obj = pair.source.put({ size: SIZE });
    await sendAndHangUp(pair, obj.uuid);
    const second = await sendOnce(pair.src, `/${obj.uuid}?admin`, pair.legacy);
    expect(second.body).toMatch(/Remote cluster returned: 201\s*$/);
    expect(pair.sim.counters()).toMatchObject({
      copies: 2,
      copiesRestarted: 1,
      copiesAbandoned: 0,
      copyMs: 2 * COPY_MS,
      copyMsRestarted: COPY_MS,
    });
  });

  it('copy-abandoned: of two overlapping copies, the one given up is wasted and the one that stores is not', async () => {
    pair = await withDisconnect('copy-abandoned');
    const obj = pair.source.put({ size: SIZE });
    const first = await startSend(pair.src, `/${obj.uuid}?admin`, pair.legacy);
    await waitUntil(() => pair!.sim.counters().copies === 1, 'the first copy');
    const second = sendOnce(pair.source.addresses[1]!, `/${obj.uuid}?admin`, pair.legacy);
    await waitUntil(() => pair!.sim.counters().copies === 2, 'the second copy');
    first.conn.close();
    expect((await second).body).toMatch(/Remote cluster returned: 201\s*$/);
    const counters = pair.sim.counters();
    expect(counters).toMatchObject({ copies: 2, copiesAbandoned: 1, copiesRestarted: 0, copyMsRestarted: 0 });
    expect(counters.copyMs).toBe(counters.copyMsAbandoned + COPY_MS);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it('copy-finishes: the node keeps the SEND slot until the copy it carries on alone has ended', async () => {
    pair = await withDisconnect('copy-finishes', { maxSendsPerNode: 1 });
    const obj = pair.source.put({ size: SIZE });
    const other = pair.source.put({ body: 'small' });
    await sendAndHangUp(pair, obj.uuid);
    expect((await sendOnce(pair.src, `/${other.uuid}?admin`, pair.legacy)).status).toBe(503);
    await waitUntil(() => pair!.dr.has({ uuid: obj.uuid }), 'the copy to land');
    const res = await sendOnce(pair.src, `/${other.uuid}?admin`, pair.legacy);
    expect(res.body).toMatch(/Remote cluster returned: 201\s*$/);
  });

  it.each([
    ['copy-finishes', false],
    ['copy-abandoned', true],
  ] as const)('%s: a reset fault gives the copy up unless it says copied (copied: %s)', async (disconnect, copied) => {
    pair = await withDisconnect(disconnect);
    const obj = pair.source.put({ size: SIZE });
    pair.sim.faults.add({ match: { object: obj.uuid }, times: 1, kind: { type: 'reset-mid-body', copied } });
    const send = await startSend(pair.src, `/${obj.uuid}?admin`, pair.legacy);
    expect(await send.answer).toBeUndefined();
    send.conn.close();
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(copied);
    expect(pair.sim.counters()).toMatchObject({ copies: 1, copiesAbandoned: copied ? 0 : 1 });
  });

  it('drops a copy in progress when the simulator closes: nothing is stored or counted afterwards', async () => {
    pair = await withDisconnect('copy-finishes');
    const obj = pair.source.put({ size: SIZE });
    await sendAndHangUp(pair, obj.uuid);
    await pair.sim.close();
    await sleep(COPY_MS + 100);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(false);
    expect(pair.sim.counters()).toMatchObject({ copies: 1, copyMs: 0 });
  });

  it('refuses a disconnect behaviour it does not know', async () => {
    await expect(withDisconnect('copy-vanishes' as TransferOptions['disconnect'])).rejects.toThrow(
      /transfer.disconnect must be "copy-finishes" or "copy-abandoned", got "copy-vanishes"/,
    );
  });
});
