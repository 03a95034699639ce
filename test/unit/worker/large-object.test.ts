import type { SQSRecord } from 'aws-lambda';
import type { HeadResult } from '../../../functions/core/send/observation.js';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { LinkEstimates } from '../../../functions/worker/link-estimates.js';
import { processRecord } from '../../../functions/worker/process-record.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { offlineRegistry, testConfig } from '../../helpers/config.js';
import { FakeSendPort, fakeDeps } from '../../helpers/fake-ports.js';
import { feedObserved, observed } from '../../helpers/observation.js';
import { sqsRecord } from '../../helpers/records.js';

const UUID = 'c'.repeat(32);
const GB = 1_000_000_000;
/** 80 Mbit/s: 10 MB/s, so a GB is expected to take 100 s (large: over 60 s). */
const LINK_MBPS = 80;
const body = (o: object = {}) => JSON.stringify({ object: { uuid: UUID }, ...o });

/**
 * Deps on a route with a policy via `via` (null: none). The policy lets a large object be SENT in
 * an invocation when it fits (`largeInInvocation: "when-it-fits"`), so both sides of the budget
 * are reachable; the default, `never`, has a test of its own.
 */
function depsFor(
  via: 'feed' | 'long-running-tier' | null,
  client = new FakeSendPort(),
  largeInInvocation: 'never' | 'when-it-fits' = 'when-it-fits',
) {
  const route = via ? { largeObjects: { linkMbps: LINK_MBPS, via, largeInInvocation } } : {};
  return fakeDeps({
    config: testConfig({ registry: offlineRegistry({ route }) }),
    client,
    linkEstimates: new LinkEstimates(),
  });
}

/** One record through processRecord with `remainingMs` left for SENDs (null: a long-running worker). */
async function run(record: SQSRecord, deps: ReturnType<typeof depsFor>, remainingMs: number | null) {
  const deadline = new AbortController().signal;
  const sends = new BatchSends(deps, deadline, new StragglerWatch({ ...DEFAULT_STRAGGLER_POLICY, enabled: false }, 4));
  return processRecord(record, sends, deps, deadline, () => remainingMs);
}

/** A record first received `agoMs` ago (a copy taken to have started then). */
function receivedAgo(record: SQSRecord, agoMs: number): SQSRecord {
  (record.attributes as { ApproximateFirstReceiveTimestamp: string }).ApproximateFirstReceiveTimestamp = String(
    Date.now() - agoMs,
  );
  return record;
}

/** A renewed record: attempt `receiveCount`, carrying the copy start of `agoMs` ago. */
const renewedRecord = (id: string, b: string, agoMs: number, receiveCount = 1): SQSRecord =>
  sqsRecord(id, b, {
    receiveCount,
    messageAttributes: {
      'swarm-send.copy-started-at': {
        dataType: 'Number',
        stringValue: String(Date.now() - agoMs),
        stringListValues: [],
        binaryListValues: [],
      },
    },
  });

const head = (o: Partial<HeadResult> = {}): HeadResult => ({
  status: 200,
  etag: '"e1"',
  contentLength: GB,
  version: null,
  node: '10.0.0.1:80',
  error: null,
  ...o,
});

describe('large objects: the size', () => {
  it('asks nothing extra on a route without a policy: no HEAD, the usual SEND', async () => {
    const deps = depsFor(null);
    const outcome = await run(sqsRecord('m1', body()), deps, 1000);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'created' });
    expect(deps.client.heads).toStrictEqual([]);
    expect(deps.client.inputs).toHaveLength(1);
  });

  it("takes the message's size without a HEAD", async () => {
    const deps = depsFor('feed');
    const outcome = await run(sqsRecord('m1', body({ size: 1000 })), deps, 600_000);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'created' });
    expect(deps.client.heads).toStrictEqual([]);
  });

  it('otherwise HEADs the source once and plans on its Content-Length', async () => {
    const deps = depsFor('long-running-tier');
    deps.client.headAnswers = { primary: head({ contentLength: 10 * GB }) };
    const outcome = await run(sqsRecord('m1', body()), deps, 600_000);
    expect(deps.client.heads).toStrictEqual(['primary']);
    // 10 GB is expected to take 1000 s: it does not fit 600 s and moves on.
    expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'moved-to-long-running-tier' });
  });

  it.each([
    ['gave no Content-Length', head({ contentLength: null })],
    ['answered 503', head({ status: 503, contentLength: null })],
    ['answered connect-timeout', head({ status: null, contentLength: null, error: 'connect-timeout' })],
  ])('makes a source HEAD that %s size-unknown, sending nothing', async (detail, answer) => {
    const deps = depsFor('feed');
    deps.client.headAnswer = answer;
    const outcome = await run(sqsRecord('m1', body()), deps, 600_000);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'size-unknown' });
    expect(outcome?.detail).toContain(detail);
    expect(deps.client.inputs).toHaveLength(0);
  });
});

describe('large objects: one that does not fit, via the feed', () => {
  it('makes a feed SEND on the replication feeds with the short timeout, never force', async () => {
    const deps = depsFor('feed', new FakeSendPort([() => feedObserved(1)]));
    await run(sqsRecord('m1', body({ size: GB })), deps, 100_000);
    expect(deps.client.inputs).toHaveLength(1);
    expect(deps.client.inputs[0]!.feeds).toStrictEqual({ ids: [2], timeout: 5 });
    expect(deps.client.inputs[0]!.replicationFeeds).toStrictEqual([2]);
  });

  it('makes status 1 copying-in-background, back after the rest of the copy, never dead-lettered', async () => {
    const deps = depsFor('feed', new FakeSendPort([() => feedObserved(1)]));
    const record = sqsRecord('m1', body({ size: GB }), { receiveCount: 5 });
    const outcome = await run(record, deps, 100_000);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'copying-in-background' });
    expect(outcome?.retriesExhausted).toBeUndefined();
    // First received now, expected to take 100 s: back in about 100 s.
    expect(outcome?.retryAfterSeconds).toBeGreaterThan(90);
    expect(outcome?.retryAfterSeconds).toBeLessThanOrEqual(100);
  });

  it('past the expected end (first received an hour ago) asks again after half the time the copy has run', async () => {
    const deps = depsFor('feed', new FakeSendPort([() => feedObserved(1)]));
    const record = receivedAgo(sqsRecord('m1', body({ size: GB }), { receiveCount: 3 }), 3_600_000);
    const wait = (await run(record, deps, 100_000))?.retryAfterSeconds;
    // Half of the hour the copy has run, to the whole second above.
    expect(wait).toBeGreaterThanOrEqual(1800);
    expect(wait).toBeLessThanOrEqual(1801);
  });

  it("takes a renewed message's copy start from its attribute, not from its own first receive", async () => {
    const deps = depsFor('feed', new FakeSendPort([() => feedObserved(1)]));
    const wait = (await run(renewedRecord('m1', body({ size: GB }), 3_600_000), deps, 100_000))?.retryAfterSeconds;
    expect(wait).toBeGreaterThanOrEqual(1800);
    expect(wait).toBeLessThanOrEqual(1801);
  });

  it('takes status 0 as replicated feed-complete', async () => {
    const deps = depsFor('feed', new FakeSendPort([() => feedObserved(0)]));
    expect(await run(sqsRecord('m1', body({ size: GB })), deps, 100_000)).toMatchObject({
      outcome: 'replicated',
      reason: 'feed-complete',
    });
  });
});

describe('large objects: one that does not fit, via the long-running tier', () => {
  it('moves the record to the large-object queue and acknowledges it, sending nothing', async () => {
    const deps = depsFor('long-running-tier');
    const outcome = await run(sqsRecord('m1', body({ size: GB })), deps, 100_000);
    expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'moved-to-long-running-tier' });
    expect(deps.queue.moved).toStrictEqual(['m1']);
    expect(deps.client.inputs).toHaveLength(0);
  });

  it('retries when the large-object queue refuses it', async () => {
    const deps = depsFor('long-running-tier');
    deps.queue.moveFails = true;
    const outcome = await run(sqsRecord('m1', body({ size: GB })), deps, 100_000);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'long-running-tier-unavailable' });
    expect(outcome?.detail).toContain('large-object queue down');
  });

  it('copies every object on the long-running worker itself (no cap)', async () => {
    const deps = depsFor('long-running-tier');
    const outcome = await run(sqsRecord('m1', body({ size: 1000 * GB })), deps, null);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'created' });
    expect(deps.queue.moved).toStrictEqual([]);
  });
});

describe('large objects: largeInInvocation', () => {
  it('by default (never) sends no large object under a cap, though it fits: the policy way', async () => {
    const deps = depsFor('long-running-tier', new FakeSendPort(), 'never');
    // 1 GB: expected 100 s, x 2 = 200 s, well within the 600 s left; large (over 60 s).
    const outcome = await run(sqsRecord('m1', body({ size: GB })), deps, 600_000);
    expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'moved-to-long-running-tier' });
    expect(deps.client.inputs).toHaveLength(0);
    expect(deps.queue.moved).toHaveLength(1);
  });

  it('by default still sends an object under largeAfterSeconds that fits, and everything on the tier', async () => {
    const deps = depsFor('long-running-tier', new FakeSendPort(), 'never');
    expect(await run(sqsRecord('m1', body({ size: 500_000_000 })), deps, 600_000)).toMatchObject({
      reason: 'created',
    });
    expect(await run(sqsRecord('m2', body({ size: GB })), deps, null)).toMatchObject({ reason: 'created' });
    expect(deps.queue.moved).toHaveLength(0);
  });
});

describe('large objects: the check before a re-send', () => {
  it('finds the copy landed by content identity on a re-attempt: copy-landed, no SEND', async () => {
    const deps = depsFor('long-running-tier');
    deps.client.headAnswers = { primary: head(), dr: head({ node: '10.0.1.1:80' }) };
    const outcome = await run(sqsRecord('m1', body({ size: GB }), { receiveCount: 2 }), deps, null);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'copy-landed' });
    expect(deps.client.heads.sort()).toStrictEqual(['dr', 'primary']);
    expect(deps.client.inputs).toHaveLength(0);
  });

  it.each([
    ['no copy on DR', head({ status: 404, etag: null, contentLength: null })],
    ['another version on DR', head({ etag: '"e0"', contentLength: GB - 1 })],
  ])('sends again when the re-attempt, past the copy expected end, finds %s', async (_what, dr) => {
    const deps = depsFor('long-running-tier');
    deps.client.headAnswers = { primary: head(), dr };
    // Expected to take 100 s, first received 101 s ago: an earlier copy would have ended.
    const outcome = await run(
      receivedAgo(sqsRecord('m1', body({ size: GB }), { receiveCount: 2 }), 101_000),
      deps,
      null,
    );
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'created' });
    expect(deps.client.inputs).toHaveLength(1);
  });

  it.each([
    ['long-running-tier' as const, { moved: 1, sends: 0, reason: 'moved-to-long-running-tier' }],
    ['feed' as const, { moved: 0, sends: 1, reason: 'copying-in-background' }],
  ])(
    'under a cap, sends a large re-attempt past its expected end the policy way (%s), never again here',
    async (via, expected) => {
      const client = new FakeSendPort([() => feedObserved(1)]);
      const deps = depsFor(via, client);
      deps.client.headAnswers = { primary: head(), dr: head({ status: 404, etag: null, contentLength: null }) };
      // It fits the 600 s left (100 s x 2), but its first attempt here did not end it.
      const record = receivedAgo(sqsRecord('m1', body({ size: GB }), { receiveCount: 2 }), 101_000);
      const outcome = await run(record, deps, 600_000);
      expect(outcome).toMatchObject({ reason: expected.reason });
      expect(deps.queue.moved).toHaveLength(expected.moved);
      expect(deps.client.inputs).toHaveLength(expected.sends);
      if (via === 'feed') expect(deps.client.inputs[0]?.feeds).toMatchObject({ ids: [2], timeout: 5 });
      if (via === 'long-running-tier') expect(outcome?.detail).toContain('a re-attempt of a large object');
    },
  );

  it('checks nothing on a first attempt, nor for an object under largeAfterSeconds', async () => {
    const first = depsFor('long-running-tier');
    await run(sqsRecord('m1', body({ size: GB })), first, null);
    const small = depsFor('long-running-tier');
    await run(sqsRecord('m2', body({ size: 1000 })), small, null);
    expect([first.client.heads, small.client.heads]).toStrictEqual([[], []]);
  });

  it('holds a re-attempt while an earlier copy may still run: awaiting-copy, no SEND, never a failure', async () => {
    const deps = depsFor('long-running-tier');
    deps.client.headAnswers = { primary: head(), dr: head({ status: 404, etag: null, contentLength: null }) };
    // The long-running tier's redelivery (or a crash) 40 s into a copy expected to take 100 s, on the last attempt.
    const record = receivedAgo(sqsRecord('m1', body({ size: GB }), { receiveCount: 5 }), 40_000);
    const outcome = await run(record, deps, null);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy' });
    expect(outcome?.detail).toContain('held, nothing sent');
    expect(outcome?.retriesExhausted).toBeUndefined();
    expect(outcome?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(outcome?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(deps.client.inputs).toHaveLength(0);
  });

  it('checks DR on a renewed message although its receive count is 1, and holds it', async () => {
    const deps = depsFor('long-running-tier');
    deps.client.headAnswers = { primary: head(), dr: head({ status: 404, etag: null, contentLength: null }) };
    const outcome = await run(renewedRecord('m1', body({ size: GB }), 10_000), deps, null);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy', attempt: 1 });
    expect(deps.client.heads.sort()).toStrictEqual(['dr', 'primary']);
    expect(deps.client.inputs).toHaveLength(0);
  });

  it("makes a large object's SEND that ended on the client's side awaiting-copy, waiting out its copy", async () => {
    const ended = observed({ error: 'idle-timeout', remoteStatus: null, httpStatus: null }, { durationMs: 30_000 });
    const deps = depsFor('long-running-tier', new FakeSendPort([() => ended]));
    const outcome = await run(sqsRecord('m1', body({ size: GB })), deps, null);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'awaiting-copy' });
    expect(outcome?.detail).toContain('idle-timeout');
    expect(outcome?.retryAfterSeconds).toBeGreaterThan(90);
  });
});

describe('large objects: the link estimate', () => {
  it("bounds the route's estimate by a large SEND that ended on the client's side", async () => {
    const ended = observed({ error: 'idle-timeout', remoteStatus: null, httpStatus: null }, { durationMs: 200_000 });
    const deps = depsFor('long-running-tier', new FakeSendPort([() => ended]));
    await run(sqsRecord('m1', body({ size: GB })), deps, null);
    // 1 GB not finished in 200 s: the link is slower than 5 MB/s; the estimate moves from 10 MB/s towards it.
    expect(deps.linkEstimates!.for({ name: 'primary->dr' }, LINK_MBPS).rate).toStrictEqual({
      bytesPerSecond: 9_000_000,
      samples: 1,
    });
  });

  it("plans on the route's rate shared with its large SENDs running in this process", async () => {
    let release = () => {};
    const pending = new Promise<void>((resolve) => (release = resolve));
    const deps = depsFor('long-running-tier', new FakeSendPort([async () => (await pending, observed())]));
    // Alone, 1 GB at 10 MB/s takes 100 s: it fits 250 s with the safety factor 2.
    const first = run(sqsRecord('m1', body({ size: GB })), deps, 250_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(deps.linkEstimates!.inFlight({ name: 'primary->dr' })).toBe(1);
    // Beside it, at half the rate, 200 s x 2 does not fit: it moves on.
    const second = await run(sqsRecord('m2', body({ size: GB })), deps, 250_000);
    expect(second).toMatchObject({ reason: 'moved-to-long-running-tier' });
    release();
    expect(await first).toMatchObject({ reason: 'created' });
    expect(deps.linkEstimates!.inFlight({ name: 'primary->dr' })).toBe(0);
  });

  it("refines the route's estimate from a measured 201, and not from a 409", async () => {
    const copied = observed({}, { durationMs: 50_000 });
    const deps = depsFor('feed', new FakeSendPort([() => copied, () => observed({ remoteStatus: 409 })]));
    await run(sqsRecord('m1', body({ size: GB })), deps, null);
    const estimate = deps.linkEstimates!.for({ name: 'primary->dr' }, LINK_MBPS);
    expect(estimate.rate.samples).toBe(1);
    // 1 GB in 50 s is 20 MB/s: the estimate moves from 10 MB/s towards it.
    expect(estimate.rate.bytesPerSecond).toBeGreaterThan(10_000_000);
    await run(sqsRecord('m2', body({ size: GB })), deps, null);
    expect(estimate.rate.samples).toBe(1);
  });

  it("takes no measure from a feed's status 0: the feed may have copied the object before the SEND asked", async () => {
    const instant = { ...feedObserved(0), durationMs: 50 };
    const deps = depsFor('feed', new FakeSendPort([() => instant]));
    const outcome = await run(sqsRecord('m1', body({ size: GB, feeds: { ids: [2] } })), deps, null);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'feed-complete' });
    expect(deps.linkEstimates!.for({ name: 'primary->dr' }, LINK_MBPS).rate).toStrictEqual({
      bytesPerSecond: 10_000_000,
      samples: 0,
    });
  });
});
