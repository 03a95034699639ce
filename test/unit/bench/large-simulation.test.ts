import { MIN_RENEWAL_ATTEMPT } from '../../../functions/core/outcome/large-object-decision.js';
import { HOLD_REASON, simulate } from '../../../bench/large-simulation.js';
import { DEFAULT_PIPELINE, type Disconnect, type Scenario, type Strategy } from '../../../bench/large-scenario.js';
import { DEFAULT_WORKLOAD, GB, MB, generateWorkload, type WorkloadObject } from '../../../bench/large-workload.js';

// The simulation of `npm run bench:large` (bench/large-simulation.ts): deterministic for a seed,
// and on scenarios small enough to work out by hand, the counts they must give.

// The policy lets a large object that fits be SENT in an invocation (`when-it-fits`), so the
// hand-worked cases reach both sides of the budget; the default (`never`) has its own case.
const scenario = (strategy: Strategy, disconnect: Disconnect, seed = 7): Scenario => ({
  linkMbps: 1000,
  sharing: 'fair-share',
  disconnect,
  strategy,
  model: DEFAULT_PIPELINE,
  seed,
  policy: { largeInInvocation: 'when-it-fits' },
});

/** 1 Gbit/s: bytes per ms. */
const RATE = 125_000;
const M = DEFAULT_PIPELINE;
/** From an invocation's start to its SEND's first byte. */
const BEFORE_COPY = M.invokeOverheadMs + M.sendSetupMs;
/** From an invocation's start to its deadline. */
const CAP = M.lambdaTimeoutMs - M.deadlineMarginMs;

/** One small object at 0 and one large object alone on the link 10 s later. */
function pair(largeBytes: number): WorkloadObject[] {
  return [
    { id: 0, bytes: 1 * MB, arrivalMs: 0, tail: false },
    { id: 1, bytes: largeBytes, arrivalMs: 10_000, tail: true },
  ];
}

describe('large-object simulation: deterministic for a seed', () => {
  const spec = {
    ...DEFAULT_WORKLOAD,
    windowMs: 600_000,
    small: { ...DEFAULT_WORKLOAD.small, count: 300 },
    tail: [
      { name: 'medium', count: 3, minBytes: 1 * GB, maxBytes: 100 * GB },
      { name: 'large', count: 1, minBytes: 100 * GB, maxBytes: 200 * GB },
    ],
    largestBytes: 150 * GB,
  };

  it('generates the same workload twice, and another one for another seed', () => {
    expect(generateWorkload(spec)).toEqual(generateWorkload(spec));
    expect(generateWorkload({ ...spec, seed: spec.seed + 1 })).not.toEqual(generateWorkload(spec));
    expect(generateWorkload(spec, false)).toEqual(generateWorkload(spec).filter((o) => !o.tail));
  });

  it.each<[Strategy, Disconnect]>([
    ['today', 'copy-finishes'],
    ['today', 'copy-abandoned'],
    ['feed', 'copy-abandoned'],
    ['long-running-tier', 'copy-finishes'],
  ])('gives the same result twice: %s, %s', (strategy, disconnect) => {
    const objects = generateWorkload(spec);
    const first = simulate(objects, scenario(strategy, disconnect));
    expect(simulate(objects, scenario(strategy, disconnect))).toEqual(first);
    expect(first.objects).toBe(304);
    expect(first.small.replicated).toBe(300);
  });
});

describe('large-object simulation: counts worked out by hand', () => {
  it('a small object alone: one invocation, its lag the round trips and 8 ms of copy', () => {
    const r = simulate([{ id: 0, bytes: 1 * MB, arrivalMs: 0, tail: false }], scenario('today', 'copy-finishes'));
    expect(r.small).toMatchObject({ replicated: 1, lagP50Ms: BEFORE_COPY + 8, waitP99Ms: 0 });
    expect(r.lambdaInvocations).toBe(1);
    expect(r.linkUsedSeconds).toBeCloseTo(0.008, 9);
    expect(r.linkWastedSeconds).toBe(0);
  });

  it('today, copy abandoned: 200 GB is copied for a whole invocation maxAttempts times, then dead-lettered', () => {
    const r = simulate(pair(200 * GB), scenario('today', 'copy-abandoned'));
    const perAttemptMs = CAP - BEFORE_COPY;
    expect(r).toMatchObject({ deadLettered: 1, redriven: 0, notOnDr: 1 });
    expect(r.reasons).toEqual({ replicated: 1, 'deadline-exceeded': M.maxAttempts });
    expect(r.tail).toMatchObject({ cutAttempts: M.maxAttempts, invocationsPerObject: M.maxAttempts });
    expect(r.tail.lambdaSecondsPerObject).toBeCloseTo((M.maxAttempts * CAP) / 1000, 6);
    expect(r.linkWastedSeconds).toBeCloseTo((M.maxAttempts * perAttemptMs) / 1000, 6);
    expect(r.linkUsedSeconds).toBeCloseTo(r.linkWastedSeconds + 0.008, 6);
  });

  it('today, copy finishes: the retry of 120 GB starts a second copy, stopped when the first lands', () => {
    const r = simulate(pair(120 * GB), scenario('today', 'copy-finishes'));
    expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0 });
    expect(r.reasons).toEqual({ replicated: 1, 'deadline-exceeded': 1, 'already-present': 1 });
    expect(r.tail).toMatchObject({ cutAttempts: 1, invocationsPerObject: 2 });
    // The second copy moved bytes that were thrown away; the first moved all 120 GB.
    expect(r.linkWastedSeconds).toBeGreaterThan(0);
    expect(r.linkUsedSeconds - r.linkWastedSeconds).toBeCloseTo((120 * GB) / RATE / 1000 + 0.008, 6);
  });

  it('today, copy abandoned: the same 120 GB restarts from zero every time and is dead-lettered', () => {
    const r = simulate(pair(120 * GB), scenario('today', 'copy-abandoned'));
    expect(r).toMatchObject({ deadLettered: 1, notOnDr: 1 });
    expect(r.tail.cutAttempts).toBe(M.maxAttempts);
  });

  it.each<Disconnect>(['copy-finishes', 'copy-abandoned'])(
    'long-running tier, %s: 200 GB is moved in one short invocation and copied once by the tier',
    (disconnect) => {
      const r = simulate(pair(200 * GB), scenario('long-running-tier', disconnect));
      const copyMs = (200 * GB) / RATE;
      expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0, linkWastedSeconds: 0 });
      expect(r.reasons).toEqual({ replicated: 2, 'moved-to-long-running-tier': 1 });
      expect(r.tail).toMatchObject({ cutAttempts: 0, invocationsPerObject: 1 });
      expect(r.tail.lambdaSecondsPerObject).toBeCloseTo((M.invokeOverheadMs + M.enqueueMs) / 1000, 9);
      // The tier's batch starts when the message is moved, and ends when the copy lands.
      expect(r.tail.tierTaskSecondsPerObject).toBeCloseTo((BEFORE_COPY + copyMs) / 1000, 6);
    },
  );

  it.each<Disconnect>(['copy-finishes', 'copy-abandoned'])(
    'feed, %s: 200 GB starts the feed copy, answers 1 after the timeout, and the re-ask after the expected 1,600 s finds it done',
    (disconnect) => {
      const r = simulate(pair(200 * GB), scenario('feed', disconnect));
      const checkMs = M.invokeOverheadMs + M.sendSetupMs;
      expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0, linkWastedSeconds: 0 });
      expect(r.reasons).toEqual({ replicated: 2, 'copying-in-background': 1 });
      expect(r.tail).toMatchObject({ cutAttempts: 0, invocationsPerObject: 2, maxReceives: 2 });
      // The first check waits the policy's 5 s timeout; the second answers once its round trips are done.
      expect(r.tail.lambdaSecondsPerObject).toBeCloseTo((checkMs + 5000 + checkMs) / 1000, 3);
      expect(r.linkUsedSeconds).toBeCloseTo(1600 + 0.008, 6);
    },
  );

  it.each<Disconnect>(['copy-finishes', 'copy-abandoned'])(
    'feed, %s, the default largeInInvocation (never): the same three 50 GB objects go straight to the feed, none is cut',
    (disconnect) => {
      const objects = [0, 1, 2].map((id) => ({ id, bytes: 50 * GB, arrivalMs: 0, tail: true }));
      const r = simulate(objects, { ...scenario('feed', disconnect), policy: {} });
      expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0, linkWastedSeconds: 0 });
      expect(r.tail.cutAttempts).toBe(0);
      expect(r.reasons['awaiting-copy']).toBeUndefined();
      expect(r.reasons['copying-in-background']).toBeGreaterThanOrEqual(3);
    },
  );

  it.each<Disconnect>(['copy-finishes', 'copy-abandoned'])(
    'feed, %s: three 50 GB SENDs at once each fit alone (2 x 400 s <= 897 s) but share the link, so each is cut at the cap once; the cut bounds the estimate and the re-attempt goes to the feed',
    (disconnect) => {
      // Each arrives alone, so each is planned in its own invocation with the link to itself.
      const objects = [0, 1, 2].map((id) => ({ id, bytes: 50 * GB, arrivalMs: 0, tail: true }));
      const r = simulate(objects, scenario('feed', disconnect));
      expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0, renewals: 0 });
      expect(r.tail.cutAttempts).toBe(3);
      // recordUnfinished(50 GB, ~897 s): 125 MB/s + 0.2 x (55.7 - 125) = 111.1 MB/s, so 2 x 450 s > 897 s.
      expect(r.reasons['awaiting-copy']).toBe(3);
      expect(r.reasons['copying-in-background']).toBeGreaterThanOrEqual(3);
    },
  );

  it('sharedRate: of two 50 GB objects in one batch the second is planned at half the rate (2 x 800 s > 897 s) and goes to the tier', () => {
    // One invocation at once: a small object first, so the two large ones queue behind it and share a batch.
    const model = { ...M, lambdaConcurrency: 1 };
    const objects: WorkloadObject[] = [
      { id: 0, bytes: 1 * MB, arrivalMs: 0, tail: false },
      { id: 1, bytes: 50 * GB, arrivalMs: 1, tail: true },
      { id: 2, bytes: 50 * GB, arrivalMs: 2, tail: true },
    ];
    const r = simulate(objects, { ...scenario('long-running-tier', 'copy-abandoned'), model });
    expect(r).toMatchObject({ deadLettered: 0, notOnDr: 0, linkWastedSeconds: 0 });
    expect(r.reasons).toEqual({ replicated: 3, 'moved-to-long-running-tier': 1 });
    expect(r.tail.cutAttempts).toBe(0);
  });
});

describe('large-object simulation: renewal (rule 1)', () => {
  it('four 200 GB feed copies sharing the link: every second receive is renewed, none reaches the redrive', () => {
    // maxAttempts 2, maxReceiveCount 4. Each copy takes 4 x 1,600 s = 6,400 s. Per message (seconds):
    // receive 1 at 0 (wait to the expected end, 1,600), receive 2 at 1,600 (wait 803, renewed: delay 803),
    // receive 1 at 2,408 (wait 1,207), receive 2 at 3,620 (wait 1,813, renewed: delay 900),
    // receive 1 at 4,525 (wait 2,266), receive 2 at 6,796: landed. Without renewal: 6 receives > 4.
    const model = { ...M, maxAttempts: 2, maxReceiveCount: 4 };
    const objects = [0, 1, 2, 3].map((id) => ({ id, bytes: 200 * GB, arrivalMs: 0, tail: true }));
    const r = simulate(objects, { ...scenario('feed', 'copy-finishes'), model });
    expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0, renewals: 8, linkWastedSeconds: 0 });
    expect(r.reasons).toEqual({ 'copying-in-background': 20, replicated: 4 });
    expect(r.tail.maxReceives).toBe(2);
  });

  it('never renews a first receive (MIN_RENEWAL_ATTEMPT), even with maxAttempts 1', () => {
    // Four 200 GB feed copies sharing the link (6,400 s each, 1,600 s expected): each receive 1
    // waits by visibility, each receive 2 is renewed; renewing at receive 1 would never reach a 2nd.
    const model = { ...M, maxAttempts: 1, maxReceiveCount: 3 };
    const objects = [0, 1, 2, 3].map((id) => ({ id, bytes: 200 * GB, arrivalMs: 0, tail: true }));
    const r = simulate(objects, { ...scenario('feed', 'copy-finishes'), model });
    expect(r).toMatchObject({ deadLettered: 0, redriven: 0, notOnDr: 0 });
    expect(r.renewals).toBeGreaterThan(0);
    expect(r.tail.maxReceives).toBe(MIN_RENEWAL_ATTEMPT);
  });
});

describe('large-object simulation: the hold (rule 2)', () => {
  // One invocation at once. X (1 MB) keeps it 48 ms; S (1 MB) and M (7 GB, 56 s alone: not large)
  // share the next batch; S's SEND takes 46 ms, so M is handed back at 500 ms, back in 1 s (its copy
  // left to the node). Y (200 MB) holds the invocation past that; then L (10 GB, 80 s alone: large)
  // and M share a batch: M is planned at half the rate (about 112 s: large, fits), its DR HEAD finds
  // nothing, and its copy start (first receive, 48 ms) + 112 s is ahead, so it holds instead of sending.
  const objects: WorkloadObject[] = [
    { id: 0, bytes: 1 * MB, arrivalMs: 0, tail: false },
    { id: 1, bytes: 1 * MB, arrivalMs: 1, tail: false },
    { id: 2, bytes: 7 * GB, arrivalMs: 2, tail: true },
    { id: 3, bytes: 200 * MB, arrivalMs: 600, tail: false },
    { id: 4, bytes: 10 * GB, arrivalMs: 1000, tail: true },
  ];
  const model = { ...M, lambdaConcurrency: 1 };

  it('copy-finishes: the hold starts no second copy; the re-attempt after it finds the copy landed', () => {
    const r = simulate(objects, { ...scenario('long-running-tier', 'copy-finishes'), model });
    expect(r).toMatchObject({ deadLettered: 0, notOnDr: 0, linkWastedSeconds: 0, renewals: 0, holds: 1 });
    expect(HOLD_REASON).toBe('awaiting-copy');
    expect(r.reasons).toEqual({ replicated: 4, 'handed-back': 1, [HOLD_REASON]: 1, 'copy-landed': 1 });
  });

  it('copy-abandoned: the hold waits the same (DR cannot tell an abandoned copy), then the object is sent again', () => {
    const r = simulate(objects, { ...scenario('long-running-tier', 'copy-abandoned'), model });
    expect(r).toMatchObject({ deadLettered: 0, notOnDr: 0, renewals: 0, holds: 1 });
    expect(r.linkWastedSeconds).toBeGreaterThan(0);
    expect(r.reasons).toEqual({ replicated: 5, 'handed-back': 1, [HOLD_REASON]: 1 });
  });
});
