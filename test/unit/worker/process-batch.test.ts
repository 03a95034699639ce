import type { SQSRecord } from 'aws-lambda';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { sqsRecord } from '../../helpers/records.js';
import type { SendInput } from '../../../functions/core/send/send-client.js';
import { observed } from '../../helpers/observation.js';
import { testConfig } from '../../helpers/config.js';
import { FakeSendPort, fakeDeps } from '../../helpers/fake-ports.js';
import { roomy } from '../../helpers/lambda.js';

const OUTCOMES = 'http://127.0.0.1/outcomes';
const body = (uuid: string) => JSON.stringify({ object: { uuid } });
const [A, B, C] = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];

/** Fake ports whose telemetry throws (a bug) when it records the outcome of `id`. */
function depsFailingToRecord(id: string) {
  const deps = fakeDeps();
  const outcome = deps.telemetry.outcome.bind(deps.telemetry);
  deps.telemetry.outcome = (record, sent) => {
    if (record.messageId === id) throw new RangeError('telemetry bug');
    outcome(record, sent);
  };
  return deps;
}

/** Group g: g1 then g2; group h: h1. */
const twoGroups = () => [
  sqsRecord('g1', body(A), { group: 'g' }),
  sqsRecord('g2', body(B), { group: 'g' }),
  sqsRecord('h1', body(C), { group: 'h' }),
];

describe('processBatch: the policy over fake ports', () => {
  it('acknowledges successes, dead-letters failures, keeps retries with a backoff, publishes terminal outcomes, flushes once', async () => {
    const client = new FakeSendPort([
      (i) => observed('uuid' in i.object && i.object.uuid === B ? { httpStatus: 503, remoteStatus: null } : {}),
    ]);
    const deps = fakeDeps({
      client,
      config: testConfig({ backoffBaseSeconds: 10, backoffCapSeconds: 100, outcomesQueueUrl: OUTCOMES }),
    });
    const response = await processBatch(
      [sqsRecord('ok', body(A)), sqsRecord('bad', 'nope'), sqsRecord('busy', body(B))],
      roomy,
      deps,
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'busy' }] });
    expect(deps.queue.deadLettered.map((d) => [d.record.messageId, d.outcome.reason])).toStrictEqual([
      ['bad', 'invalid-message'],
    ]);
    expect(deps.queue.visibility).toStrictEqual([{ id: 'busy', seconds: 5 }]);
    expect(deps.queue.published.flat().map((o) => o.messageId)).toStrictEqual(['ok', 'bad']);
    expect(deps.telemetry.flushes).toBe(1);
  });

  it('never fails the rest of the batch for one record whose processing hits a bug', async () => {
    const client = new FakeSendPort([
      (i) => {
        if ('uuid' in i.object && i.object.uuid === B) throw new TypeError('bug');
        return observed();
      },
    ]);
    const deps = fakeDeps({ client });
    const response = await processBatch(
      [sqsRecord('a', body(A)), sqsRecord('b', body(B)), sqsRecord('c', body(C))],
      roomy,
      deps,
    );
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'b' }]);
    expect(deps.telemetry.of('b')).toMatchObject({ outcome: 'retry', reason: 'internal-error' });
    expect([deps.telemetry.of('a')?.outcome, deps.telemetry.of('c')?.outcome]).toStrictEqual([
      'replicated',
      'replicated',
    ]);
  });

  it('keeps a record whose settling hits a bug on its queue, and still answers for the others', async () => {
    const deps = depsFailingToRecord('b');
    const response = await processBatch([sqsRecord('a', body(A)), sqsRecord('b', body(B))], roomy, deps);
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'b' }]);
    expect(deps.telemetry.warnings.find((w) => w.message.startsWith('unexpected error settling'))).toMatchObject({
      fields: { messageId: 'b', stack: expect.stringContaining('RangeError: telemetry bug') },
    });
  });

  it('keeps such a record on its queue even when logging its failure fails too', async () => {
    const deps = depsFailingToRecord('b');
    const warn = deps.telemetry.warn.bind(deps.telemetry);
    deps.telemetry.warn = (message, fields) => {
      if (fields?.messageId === 'b') throw new Error('log down');
      warn(message, fields);
    };
    const response = await processBatch([sqsRecord('a', body(A)), sqsRecord('b', body(B))], roomy, deps);
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'b' }]);
    expect(deps.telemetry.of('a')).toMatchObject({ outcome: 'replicated' });
  });

  it('returns every record unprocessed when no time is left, starting no SEND', async () => {
    const deps = fakeDeps();
    const response = await processBatch(
      [sqsRecord('a', body(A)), sqsRecord('b', body(B))],
      { getRemainingTimeInMillis: () => 50 },
      deps,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toStrictEqual(['a', 'b']);
    expect(deps.client.inputs).toHaveLength(0);
  });

  it("FIFO: a retry ends its group's turn: the rest of the group is returned unsent, other groups go on", async () => {
    const client = new FakeSendPort([
      (i) => observed('uuid' in i.object && i.object.uuid === A ? { httpStatus: 503, remoteStatus: null } : {}),
    ]);
    const deps = fakeDeps({ client });
    const response = await processBatch(twoGroups(), roomy, deps);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toStrictEqual(['g1', 'g2']);
    expect(client.inputs.map((i) => ('uuid' in i.object ? i.object.uuid : null)).sort()).toStrictEqual([A, C]);
    expect(deps.telemetry.of('g2')).toBeUndefined();
  });

  it('FIFO: holds back the rest of a group behind a success whose outcome could not be published', async () => {
    const deps = fakeDeps({ config: testConfig({ outcomesQueueUrl: OUTCOMES }) });
    deps.queue.publishFails = [0];
    const response = await processBatch(twoGroups(), roomy, deps);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toStrictEqual(['g1', 'g2']);
  });
});

/**
 * A SEND port whose SEND of `slow` runs until its signal aborts (then answers as the client does
 * for an aborted SEND) or the test lets it finish; every other SEND answers at once.
 */
function oneSlowSend(slow: string) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let signal: AbortSignal | undefined;
  const client = new FakeSendPort([
    async (i: SendInput) => {
      if (!('uuid' in i.object) || i.object.uuid !== slow) return observed();
      signal = i.signal;
      const aborted = new Promise<void>((resolve) => i.signal?.addEventListener('abort', () => resolve()));
      await Promise.race([aborted, finished]);
      return i.signal?.aborted
        ? observed({ httpStatus: null, remoteStatus: null, error: 'deadline-exceeded' }, { durationMs: 1200 })
        : observed();
    },
  ]);
  return { client, finish, signal: () => signal };
}

describe('processBatch and the straggler policy (fake timers move the clock and the tail check)', () => {
  const timers = import.meta.jest;
  beforeEach(() => timers.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
  afterEach(() => timers.useRealTimers());

  it("hands back a standard batch's straggler by the configured policy, keeping its message for twice its run time", async () => {
    const slow = oneSlowSend(C);
    const deps = fakeDeps({
      client: slow.client,
      config: testConfig({ stragglers: { enabled: true, tailShare: 0.25, factor: 4, minMs: 300 } }),
    });
    const batch = processBatch(
      [sqsRecord('a', body(A)), sqsRecord('b', body(B)), sqsRecord('c', body(C))],
      roomy,
      deps,
    );
    await timers.advanceTimersByTimeAsync(400); // past the configured 300 ms floor, short of the default 500 ms
    const handedBack = slow.signal()?.aborted;
    slow.finish(); // (were it not handed back, the batch would wait for this)
    const response = await batch;
    expect(handedBack).toBe(true);
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: 'c' }]);
    expect(deps.telemetry.of('c')).toMatchObject({ outcome: 'retry', reason: 'handed-back' });
    expect(deps.queue.visibility).toStrictEqual([{ id: 'c', seconds: 3 }]); // 2 x 1.2 s, rounded up
    // The watch's tail check does not outlive the batch.
    expect(timers.getTimerCount()).toBe(0);
  });

  it('hands back stragglers by default', async () => {
    const slow = oneSlowSend(C);
    const deps = fakeDeps({ client: slow.client }); // no straggler policy configured
    const batch = processBatch([sqsRecord('a', body(A)), sqsRecord('c', body(C))], roomy, deps);
    await timers.advanceTimersByTimeAsync(600); // past the default 500 ms floor
    const handedBack = slow.signal()?.aborted;
    slow.finish();
    expect((await batch).batchItemFailures).toStrictEqual([{ itemIdentifier: 'c' }]);
    expect(handedBack).toBe(true);
  });

  /** Runs a batch whose SEND of C lasts 10 s of fake time, unless it is handed back first. */
  async function withTenSecondSend(records: SQSRecord[]) {
    const slow = oneSlowSend(C);
    const deps = fakeDeps({ client: slow.client });
    const batch = processBatch(records, roomy, deps);
    await timers.advanceTimersByTimeAsync(10_000);
    const handedBack = slow.signal()?.aborted;
    slow.finish();
    return { handedBack, response: await batch, deps };
  }

  it('waits in full for a message on its second receive: it is handed back at most once', async () => {
    const { handedBack, response, deps } = await withTenSecondSend([
      sqsRecord('a', body(A)),
      sqsRecord('b', body(B)),
      sqsRecord('c', body(C), { receiveCount: 2 }),
    ]);
    expect(handedBack).toBe(false);
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(deps.telemetry.of('c')).toMatchObject({ outcome: 'replicated', attempt: 2 });
  });

  it('waits in full for a FIFO record, however long its SEND runs', async () => {
    const { handedBack, response, deps } = await withTenSecondSend(
      ['g', 'h', 'i'].map((group, i) => sqsRecord('abc'[i]!, body([A, B, C][i]!), { group })),
    );
    expect(handedBack).toBe(false);
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(deps.telemetry.of('c')).toMatchObject({ outcome: 'replicated' });
    // No straggler watch ran for the FIFO batch: no tail check is left behind.
    expect(timers.getTimerCount()).toBe(0);
  });
});
