import type { SQSRecord } from 'aws-lambda';
import { startPipeline, type Pipeline } from '../../helpers/pipeline.js';

/** An alias-object SEND message for a UUID. */
const body = (uuid: string) => JSON.stringify({ object: { uuid, alias: true } });

/** Receives until `count` records are in hand (SQS hands out at most 10 per call). */
async function receiveAll(p: Pipeline, count: number): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  for (let i = 0; i < 100 && records.length < count; i++) records.push(...(await p.receive(10)));
  return records;
}

describe('adaptive SEND limit against a cluster with finite capacity', () => {
  let p: Pipeline;
  afterEach(() => p.close());

  it('backs off on 503 busy answers until the node stops shedding, and loses nothing', async () => {
    // One source node that takes 4 SENDs at once; each SEND lasts about 40 ms.
    p = await startPipeline({
      source: { nodes: 1 },
      sim: { transfer: { link: { rttMs: 20, bandwidthMbps: 1000 }, maxSendsPerNode: 4, keepaliveIntervalMs: 10 } },
      config: { concurrency: 32, concurrencyPerNode: 32, maxAttempts: 50, backoffBaseSeconds: 0, backoffCapSeconds: 0 },
    });
    const source = p.sim.cluster('baker');
    const uuids = Array.from({ length: 320 }, () => source.put({ alias: true, body: 'x' }).uuid);
    for (const u of uuids) await p.send(body(u));
    const busyPerRound: number[] = [];
    for (let round = 0; round < 40 && p.summary.terminal < uuids.length; round++) {
      const before = p.sim.counters().busy;
      const records = await receiveAll(p, 32);
      if (records.length) await p.invoke(records);
      busyPerRound.push(p.sim.counters().busy - before);
    }
    expect(p.summary.terminal).toBe(uuids.length);
    expect(p.summary.byOutcome.get('failed') ?? 0).toBe(0);
    expect(uuids.every((u) => p.sim.cluster('dr').has({ uuid: u }))).toBe(true);
    // The first rounds flood the node (32 SENDs at a node that takes 4); once the limit settles,
    // rounds pass with few or no 503s.
    expect(busyPerRound[0]).toBeGreaterThan(0);
    const settled = busyPerRound.slice(-4);
    expect(Math.max(...settled)).toBeLessThan(busyPerRound[0]!);
  }, 60_000);
});

describe('straggler policy', () => {
  let p: Pipeline;
  afterEach(() => p.close());

  it('returns a batch without waiting for a straggler, hands that message back, and its next SEND proves the copy', async () => {
    // 20 small objects and one that takes 5 s to cross a 1 Mbit/s link.
    p = await startPipeline({
      sim: { transfer: { link: { rttMs: 5, bandwidthMbps: 1 }, keepaliveIntervalMs: 100 } },
      config: { concurrency: 32, stragglers: { enabled: true, tailShare: 0.25, factor: 4, minMs: 300 } },
    });
    const source = p.sim.cluster('baker');
    const small = Array.from({ length: 20 }, () => source.put({ alias: true, body: 'x' }).uuid);
    const large = source.put({ alias: true, size: 625_000 }).uuid;
    for (const u of [...small, large]) await p.send(body(u));
    const records = await receiveAll(p, 21);
    const started = Date.now();
    const response = await p.invoke(records, 60_000);
    const tookMs = Date.now() - started;
    // Less than the straggler's 5 s: the invocation did not wait for it.
    expect(tookMs).toBeLessThan(4_000);
    const largeRecord = records.find((r) => r.body.includes(large))!;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: largeRecord.messageId }]);
    expect(p.summary.byOutcome.get('replicated')).toBe(20);
    // Nothing outlives the invocation: the client let go of the stream, and the node finishes
    // the copy on its own when its time is up (transfer.disconnect 'copy-finishes', the default).
    await waitFor(() => p.sim.cluster('dr').has({ uuid: large }));

    // The message comes back (attempt 2) and is waited for in full: the node answers 409.
    const again = await p.invoke([
      { ...largeRecord, attributes: { ...largeRecord.attributes, ApproximateReceiveCount: '2' } },
    ]);
    expect(again.batchItemFailures).toEqual([]);
    expect(p.summary.byOutcome.get('already-present')).toBe(1);
  });

  it('never hands back a message on its second receive, so a large object cannot loop', async () => {
    p = await startPipeline({
      sim: { transfer: { link: { rttMs: 5, bandwidthMbps: 8 }, keepaliveIntervalMs: 100 } },
      config: { concurrency: 8, stragglers: { enabled: true, tailShare: 0.25, factor: 4, minMs: 100 } },
    });
    const source = p.sim.cluster('baker');
    const small = Array.from({ length: 4 }, () => source.put({ alias: true, body: 'x' }).uuid);
    const large = source.put({ alias: true, body: new Uint8Array(1_000_000) }).uuid; // about 1 s
    for (const u of [...small, large]) await p.send(body(u));
    const records = (await receiveAll(p, 5)).map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: '2' },
    }));
    const response = await p.invoke(records, 60_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(p.summary.byOutcome.get('replicated')).toBe(5);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}
