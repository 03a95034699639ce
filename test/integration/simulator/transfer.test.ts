import { lognormalQuantile, TransferModel } from '../../../simulator/transfer.js';
import { startPair, type Pair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request } from '../../helpers/raw-client.js';
import { waitUntil } from '../../helpers/sim-send.js';

/** One legacy SEND on a fresh connection to `node`; resolves with the response and when it ended. */
async function send(pair: Pair, node: string, uuid: string) {
  const conn = await RawConnection.open(node);
  try {
    const started = performance.now();
    const res = await conn.exchange(
      request('SEND', `/${uuid}?admin`, node, { ...pair.legacy, Authorization: basicHeader('admin', PW) }),
    );
    return { res, elapsedMs: performance.now() - started };
  } finally {
    conn.close();
  }
}

describe('simulator transfer model', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.sim.close();
    pair = undefined;
  });

  it('makes a copying SEND last two round trips plus the object bytes at the link bandwidth, with keep-alives meanwhile', async () => {
    // 20 ms RTT, 8 Mbit/s: 2 x 20 + 40,000 bytes x 8 / 8,000 bits per ms = 80 ms.
    pair = await startPair({ transfer: { link: { rttMs: 20, bandwidthMbps: 8 }, keepaliveIntervalMs: 10 } });
    const obj = pair.source.put({ body: new Uint8Array(40_000) });
    const { res, elapsedMs } = await send(pair, pair.src, obj.uuid);
    expect(res.body).toMatch(/Remote cluster returned: 201\s*$/);
    // A lower bound only: the model must wait at least this long; a busy machine may take longer.
    expect(elapsedMs).toBeGreaterThanOrEqual(75);
    expect((res.body.match(/^\n/gm) ?? []).length).toBeGreaterThanOrEqual(8);
    expect(pair.dr.has({ uuid: obj.uuid })).toBe(true);
  });

  it('uses the link named for the cluster pair before the default link', () => {
    const model = new TransferModel({
      link: { rttMs: 1, bandwidthMbps: 1000 },
      links: { 'baker->dr': { rttMs: 50, bandwidthMbps: 100 } },
    });
    expect(
      model.durationMs('baker', 'dr', { uuid: 'a'.repeat(32), size: 1_250_000, virtual: false }, true),
    ).toBeCloseTo(100 + 100, 6);
    expect(
      model.durationMs('baker', 'other', { uuid: 'a'.repeat(32), size: 1_250_000, virtual: false }, true),
    ).toBeCloseTo(2 + 10, 6);
    expect(model.durationMs('baker', 'dr', { uuid: 'a'.repeat(32), size: 1_250_000, virtual: false }, false)).toBe(50);
  });

  it('answers 503 and counts the node busy once it runs maxSendsPerNode SENDs, and admits again when one ends', async () => {
    pair = await startPair({
      transfer: { link: { rttMs: 150, bandwidthMbps: 1000 }, maxSendsPerNode: 1, keepaliveIntervalMs: 50 },
    });
    const slow = pair.source.put({ body: 'slow' });
    const second = pair.source.put({ body: 'second' });
    const first = send(pair, pair.src, slow.uuid);
    // Wait until the node has taken the first SEND on (its headers are out), then try a second.
    await waitUntil(() => pair!.sim.counters().sends === 1);
    const busy = await send(pair, pair.src, second.uuid);
    expect(busy.res.status).toBe(503);
    expect(busy.res.header('Castor-System-Error-Token')).toBe('ServiceUnavailable');
    expect(busy.res.header('Castor-System-Error-Text')).toBe('Too many SENDs in progress on this node');
    expect(pair.sim.counters().busy).toBe(1);
    // Another node of the same cluster has its own slots.
    const other = await send(pair, pair.source.addresses[1]!, second.uuid);
    expect(other.res.body).toMatch(/Remote cluster returned: 201/);
    expect((await first).res.body).toMatch(/Remote cluster returned: 201/);
    const again = await send(pair, pair.src, second.uuid);
    expect(again.res.body).toMatch(/Remote cluster returned: 409/);
    expect(pair.sim.counters().busy).toBe(1);
  });

  it('draws object sizes from a seeded lognormal by UUID: the same size every time, and the median where it was put', () => {
    const sizes = { medianBytes: 1_000_000, p99Bytes: 100_000_000 };
    const a = new TransferModel({ link: { rttMs: 1, bandwidthMbps: 1 }, objectSizes: sizes, seed: 7 });
    const b = new TransferModel({ link: { rttMs: 1, bandwidthMbps: 1 }, objectSizes: sizes, seed: 7 });
    const uuids = Array.from({ length: 4001 }, (_, i) => i.toString(16).padStart(32, '0'));
    const drawn = uuids.map((u) => a.objectSize({ uuid: u, size: 0, virtual: false }));
    expect(uuids.map((u) => b.objectSize({ uuid: u, size: 0, virtual: false }))).toEqual(drawn);
    const sorted = [...drawn].sort((x, y) => x - y);
    const median = sorted[2000]!;
    expect(median).toBeGreaterThan(800_000);
    expect(median).toBeLessThan(1_250_000);
  });

  it('places the lognormal quantiles at the given median and 99th percentile', () => {
    expect(lognormalQuantile(0.5, 200, 5000)).toBeCloseTo(200, 6);
    expect(lognormalQuantile(0.99, 200, 5000)).toBeCloseTo(5000, 3);
  });

  it('refuses nonsense transfer options with one error naming each problem', async () => {
    await expect(
      startPair({ transfer: { link: { rttMs: -1, bandwidthMbps: 0 }, maxSendsPerNode: 0 } }),
    ).rejects.toThrow(/rttMs must be >= 0[\s\S]*bandwidthMbps must be > 0[\s\S]*maxSendsPerNode/);
  });
});
