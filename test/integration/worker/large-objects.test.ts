import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import type { QueueOps, Renewal } from '../../../functions/worker/ports.js';
import type { PairRegistryDocument } from '../../../local/pair-registry.js';
import { startPipeline, type Pipeline, type PipelineOptions } from '../../helpers/pipeline.js';
import { scratchDir } from '../../helpers/scratch.js';
import { runCli } from '../../helpers/cli.js';
import { jsonLines, spawnWorker } from '../../helpers/worker.js';

// Large objects (docs/large-objects.md) on the real handler, fauxqs and the simulator's transfer
// model: a virtual object of 20 MB over a modelled 80 Mbit/s link (10 MB/s) copies in about
// 2 s, so an invocation with 3 s left (2.5 s after the deadline margin) cannot fit it with the
// safety factor 2, and one with 30 s can. Each path runs under both behaviours of a legacy SEND
// whose client disconnects: the copy finishes, or it is abandoned.

const MB = 1_000_000;
const SIZE = 20 * MB;
/** 80 Mbit/s: 10 MB/s, so the object is expected to take 2 s. */
const LINK = { rttMs: 1, bandwidthMbps: 80 };
const DISCONNECT = ['copy-finishes', 'copy-abandoned'] as const;
type Disconnect = (typeof DISCONNECT)[number];

/** The registry document the last `largeObjectPipeline` runs on (for a `swarm-send worker` beside it). */
let registryDocument: PairRegistryDocument | null = null;

/** A pair whose default route has a large-object policy, over the modelled link, with feed 2 to DR. */
function largeObjectPipeline(
  disconnect: Disconnect,
  policy: Record<string, unknown>,
  more: Partial<PipelineOptions> = {},
): Promise<Pipeline> {
  return startPipeline({
    sim: { transfer: { link: LINK, disconnect } },
    source: { feeds: [{ id: 2, type: 'replication', target: 'dr' }] },
    registry: (doc) =>
      (registryDocument = {
        ...doc,
        defaultRoute: { ...doc.defaultRoute, replicationFeeds: [2], largeObjects: { linkMbps: 80, ...policy } },
      }),
    ...more,
  });
}

/** Records each visibility the handler sets (a retry's wait), by message id. */
function recordingWaits(waits: Map<string, number>): (real: QueueOps) => QueueOps {
  return (real) => ({
    ...real,
    changeVisibility: async (entries, signal) => {
      for (const e of entries) waits.set(e.record.messageId, e.seconds);
      return real.changeVisibility(entries, signal);
    },
  });
}

/** Records each renewal the handler makes (`QueueOps.renew`), in order. */
function recordingRenewals(renewals: { id: string; renewal: Renewal }[]): (real: QueueOps) => QueueOps {
  return (real) => ({
    ...real,
    renew: async (record, renewal, signal) => {
      renewals.push({ id: record.messageId, renewal });
      return real.renew!(record, renewal, signal);
    },
  });
}

/** Receives until a message is visible again (its wait is over), at most `seconds`. */
async function redeliver(p: Pipeline, remainingMs: number, seconds = 10) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const records = await p.receive(10, 1);
    if (records.length) return { records, response: await p.invoke(records, remainingMs) };
  }
  throw new Error(`no message came back within ${seconds} s`);
}

const outcomesOf = async (p: Pipeline): Promise<OutcomeRecord[]> =>
  (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);

/**
 * The long-running tier: `swarm-send worker --long-running` on the large-object queue, with the
 * same registry and no large-object queue of its own, until the queue is idle; its exit code.
 */
async function runLongRunningTier(p: Pipeline): Promise<number> {
  const registry = join(scratchDir('swarm-send-large-'), 'registry.json');
  writeFileSync(registry, JSON.stringify(registryDocument));
  const w = spawnWorker(
    [
      '--long-running',
      '--queue-url',
      p.largeObjects!.url,
      '--dlq-url',
      p.dlq.url,
      '--outcomes-queue-url',
      p.outcomes.url,
      '--registry',
      registry,
      '--sqs-endpoint',
      p.fauxqs.address,
      '--until-idle',
      '--idle-seconds',
      '1',
      '--json',
    ],
    { SRC_ADMIN: p.secrets.SRC_ADMIN!, DR_ADMIN: p.secrets.DR_ADMIN!, AWS_REGION: 'us-east-1' },
  );
  return w.exited;
}

describe.each(DISCONNECT)('large objects, a disconnected legacy SEND: %s', (disconnect) => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('via the feed: a background feed copy, asked about again without force until status 0', async () => {
    const waits = new Map<string, number>();
    p = await largeObjectPipeline(
      disconnect,
      { via: 'feed', feedTimeoutSeconds: 1, largeAfterSeconds: 1 },
      { queueOps: recordingWaits(waits) },
    );
    const obj = p.sim.cluster('baker').put({ size: SIZE });
    await p.send(JSON.stringify({ object: { uuid: obj.uuid }, size: SIZE }));

    const first = await p.deliver(10, 3000);
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(Object.fromEntries(p.summary.retriesByReason)).toStrictEqual({ 'copying-in-background': 1 });
    // The rest of the expected 2 s since the first receive, at least the feed's timeout.
    expect(waits.get(first.records[0]!.messageId)).toBeGreaterThanOrEqual(1);
    expect(waits.get(first.records[0]!.messageId)).toBeLessThanOrEqual(2);

    // Every later ask joins the feed's copy (no force): nothing is restarted, nothing abandoned.
    let terminal: OutcomeRecord[] = [];
    for (let ask = 0; ask < 5 && terminal.length === 0; ask++) {
      await redeliver(p, 3000);
      terminal = await outcomesOf(p);
    }
    expect(terminal.map((o) => `${o.outcome}:${o.reason}`)).toStrictEqual(['replicated:feed-complete']);
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    const counters = p.sim.counters();
    expect(counters.copies).toBe(1);
    expect([counters.copyMsRestarted, counters.copyMsAbandoned]).toStrictEqual([0, 0]);
    expect(await p.drain(p.dlq)).toStrictEqual([]);
  });

  it.each(['standard', 'FIFO'])(
    'via the feed, on the last attempt: the wait is renewed as a new message carrying the copy start, never dead-lettered (%s queue)',
    async (kind) => {
      const fifo = kind === 'FIFO';
      const renewals: { id: string; renewal: Renewal }[] = [];
      // The policy believes the link 2.5x faster than it is: 50 MB seems to take 2 s (not fitting
      // 2.5 s with the safety factor 2) and takes 5 s, so the second ask still finds it copying.
      // maxAttempts 1: that ask is on the last attempt, and the queue's redrive would count each.
      p = await largeObjectPipeline(
        disconnect,
        { linkMbps: 200, via: 'feed', feedTimeoutSeconds: 1, largeAfterSeconds: 1 },
        { queueOps: recordingRenewals(renewals), config: { maxAttempts: 1 }, fifo },
      );
      const obj = p.sim.cluster('baker').put({ size: 50 * MB });
      await p.send(JSON.stringify({ object: { uuid: obj.uuid }, size: 50 * MB }));

      // The first receive waits with a visibility change (never renewed on a first receive).
      const first = await p.deliver(10, 3000);
      const original = first.records[0]!;
      const firstReceive = Number(original.attributes.ApproximateFirstReceiveTimestamp);
      expect(first.response.batchItemFailures).toHaveLength(1);
      expect(renewals).toStrictEqual([]);
      // The second: renewed, the original acknowledged, a new message carries the copy's start.
      const second = await redeliver(p, 3000);
      expect(second.records[0]!.messageId).toBe(original.messageId);
      expect(second.response.batchItemFailures).toStrictEqual([]);
      expect(renewals).toStrictEqual([
        { id: original.messageId, renewal: { copyStartedAtMs: firstReceive, delaySeconds: expect.any(Number) } },
      ]);

      let terminal: OutcomeRecord[] = [];
      for (let ask = 0; ask < 5 && terminal.length === 0; ask++) {
        const again = await redeliver(p, 3000);
        const record = again.records[0]!;
        expect(record.messageId).not.toBe(original.messageId);
        expect(record.messageAttributes['swarm-send.copy-started-at']?.stringValue).toBe(String(firstReceive));
        // A FIFO renewal stays in its message group.
        if (fifo) expect(record.attributes.MessageGroupId).toBe('g');
        terminal = await outcomesOf(p);
      }
      expect(terminal.map((o) => `${o.outcome}:${o.reason}`)).toStrictEqual(['replicated:feed-complete']);
      // Every renewal carries the first copy start on; one copy, never restarted.
      expect(new Set(renewals.map((r) => r.renewal.copyStartedAtMs))).toStrictEqual(new Set([firstReceive]));
      const counters = p.sim.counters();
      expect([counters.copies, counters.copyMsRestarted, counters.copyMsAbandoned]).toStrictEqual([1, 0, 0]);
      expect(await p.drain(p.dlq)).toStrictEqual([]);
    },
  );

  it('the hold: a delivery while the first SEND still copies (the 12-hour limit, a crash) starts no second copy', async () => {
    p = await largeObjectPipeline(
      disconnect,
      { via: 'long-running-tier', largeAfterSeconds: 1, largeInInvocation: 'when-it-fits' },
      { largeObjectQueue: true },
    );
    // 30 MB: expected 3 s, it fits an invocation with 30 s.
    const obj = p.sim.cluster('baker').put({ size: 30 * MB });
    await p.send(JSON.stringify({ object: { uuid: obj.uuid }, size: 30 * MB }));

    const records = await p.receive(10);
    const copying = p.invoke(records, 30_000);
    // The message is delivered again while its SEND runs, as after SQS's 12 hours.
    await p.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: p.queue.url,
        ReceiptHandle: records[0]!.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await p.receive(10, 1);
    expect(again[0]!.attributes.ApproximateReceiveCount).toBe('2');
    const held = await p.invoke(again, 30_000);
    expect(held.batchItemFailures).toHaveLength(1);
    expect(Object.fromEntries(p.summary.retriesByReason)).toStrictEqual({ 'awaiting-copy': 1 });
    expect(p.sim.counters().sends).toBe(1);

    await copying;
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    // After the expected end the held message finds the copy landed: one SEND in all.
    const later = await redeliver(p, 30_000);
    expect(later.records[0]!.attributes.ApproximateReceiveCount).toBe('3');
    expect((await outcomesOf(p)).map((o) => `${o.outcome}:${o.reason}`)).toStrictEqual([
      'replicated:created',
      'replicated:copy-landed',
    ]);
    expect(p.sim.counters().sends).toBe(1);
    expect(p.sim.counters().copyMsRestarted).toBe(0);
  });

  it('via the long-running tier: the Lambda-like worker moves it, a --long-running worker copies it', async () => {
    p = await largeObjectPipeline(disconnect, { via: 'long-running-tier' }, { largeObjectQueue: true });
    const obj = p.sim.cluster('baker').put({ size: SIZE });
    const body = JSON.stringify({ object: { uuid: obj.uuid }, size: SIZE, correlationId: 'big-1' });
    await p.send(body);

    const moved = await p.deliver(10, 3000);
    expect(moved.response.batchItemFailures).toStrictEqual([]);
    expect((await outcomesOf(p)).map((o) => `${o.outcome}:${o.reason}:${o.correlationId}`)).toStrictEqual([
      'already-present:moved-to-long-running-tier:big-1',
    ]);
    expect(p.sim.counters().sends).toBe(0);

    expect(await runLongRunningTier(p)).toBe(0);
    expect((await outcomesOf(p)).map((o) => `${o.outcome}:${o.reason}:${o.correlationId}`)).toStrictEqual([
      'replicated:created:big-1',
    ]);
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(p.sim.counters().sends).toBe(1);
    expect(await p.drain(p.dlq)).toStrictEqual([]);
  });

  it('the check before a re-send: a SEND cut by the deadline waits out its copy, then DR is asked first', async () => {
    const waits = new Map<string, number>();
    // The policy believes the link 3x faster than it is: a 30 MB object seems to take 1 s and to
    // fit (1 s x 2 < 2.5 s), but takes 3 s: the batch deadline cuts its SEND.
    p = await largeObjectPipeline(
      disconnect,
      { linkMbps: 240, via: 'long-running-tier', largeAfterSeconds: 1, largeInInvocation: 'when-it-fits' },
      { largeObjectQueue: true, queueOps: recordingWaits(waits) },
    );
    const obj = p.sim.cluster('baker').put({ size: 30 * MB });
    await p.send(JSON.stringify({ object: { uuid: obj.uuid }, size: 30 * MB }));

    const first = await p.deliver(10, 3000);
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(Object.fromEntries(p.summary.retriesByReason)).toStrictEqual({ 'awaiting-copy': 1 });
    expect(waits.get(first.records[0]!.messageId)).toBeGreaterThanOrEqual(1);
    expect(p.sim.counters().sends).toBe(1);
    // The copy takes 3 s from the SEND's start; let it end (or be given up) before the re-attempt.
    await sleep(1500);

    const second = await redeliver(p, 30_000);
    expect(second.records[0]!.attributes.ApproximateReceiveCount).toBe('2');
    const [outcome] = await outcomesOf(p);
    if (disconnect === 'copy-finishes') {
      // The copy landed after its client left: found by content identity, no second SEND.
      expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'copy-landed', attempt: 2 });
      expect(p.sim.counters().sends).toBe(1);
    } else {
      // The copy was abandoned with its client: DR has nothing. Not sent again under the cap that
      // cut it: moved to the long-running tier, which sends it once more, with no cap.
      expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'moved-to-long-running-tier', attempt: 2 });
      expect(outcome?.detail).toContain('a re-attempt of a large object');
      expect(p.sim.counters().sends).toBe(1);
      expect(await runLongRunningTier(p)).toBe(0);
      expect((await outcomesOf(p)).map((o) => `${o.outcome}:${o.reason}`)).toStrictEqual(['replicated:created']);
      expect(p.sim.counters().sends).toBe(2);
      expect(p.sim.counters().copyMsAbandoned).toBeGreaterThan(0);
    }
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(p.sim.counters().copyMsRestarted).toBe(0);
  });
});

describe('swarm-send worker: the large-object variables', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('refuses a route via the long-running tier without a large-object queue, except on the long-running worker itself', async () => {
    p = await largeObjectPipeline('copy-finishes', { via: 'long-running-tier' }, { largeObjectQueue: true });
    const registry = join(scratchDir('swarm-send-large-'), 'registry.json');
    writeFileSync(registry, JSON.stringify(registryDocument));
    const env = { SRC_ADMIN: p.secrets.SRC_ADMIN!, DR_ADMIN: p.secrets.DR_ADMIN! };
    const worker = (extra: string[], more: Record<string, string> = {}) =>
      runCli(
        ['worker', '--queue-url', p.queue.url, '--dlq-url', p.dlq.url, '--registry', registry].concat([
          '--sqs-endpoint',
          p.fauxqs.address,
          '--until-idle',
          '--idle-seconds',
          '1',
          ...extra,
        ]),
        { env: { ...env, ...more }, timeoutMs: 60_000 },
      );
    const settings = (r: { stdout: string; stderr: string }) =>
      jsonLines(r.stdout + r.stderr).find((l) => l.message === 'swarm-send worker started')?.settings;

    const refused = await worker([]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '--large-object-queue (or SWARM_SEND_LARGE_OBJECT_QUEUE_URL) is required: route primary->dr moves large objects to the long-running tier (largeObjects.via)',
    );
    // With the queue: a small object, its size from one source HEAD, fits and is sent.
    const small = p.sim.cluster('baker').put({ body: 'small' });
    await p.send(JSON.stringify({ object: { uuid: small.uuid } }));
    const withQueue = await worker([], { SWARM_SEND_LARGE_OBJECT_QUEUE_URL: p.largeObjects!.url });
    expect(withQueue.code).toBe(0);
    expect(settings(withQueue)).toMatchObject({
      largeObjectQueueUrl: p.largeObjects!.url,
      longRunning: false,
      sources: { SWARM_SEND_LARGE_OBJECT_QUEUE_URL: 'SWARM_SEND_LARGE_OBJECT_QUEUE_URL' },
    });
    expect(p.sim.cluster('dr').has({ uuid: small.uuid })).toBe(true);
    // The long-running worker needs none, and its batch deadline is SQS's 12 hours.
    const longRunning = await worker(['--long-running']);
    expect(longRunning.code).toBe(0);
    expect(settings(longRunning)).toMatchObject({
      largeObjectQueueUrl: null,
      longRunning: true,
      functionTimeoutMs: 43_200_000,
      sources: { SWARM_SEND_LONG_RUNNING: '--long-running' },
    });
  }, 60_000);
});
