import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { settleRecord } from '../../../functions/worker/settle.js';
import { sampleOutcomeRecord, sqsRecord } from '../../helpers/records.js';
import { testConfig } from '../../helpers/config.js';
import { fakeDeps } from '../../helpers/fake-ports.js';
import { roomy } from '../../helpers/lambda.js';

const outcome = (o: Partial<OutcomeRecord>): OutcomeRecord => sampleOutcomeRecord({ node: '10.0.0.1:80', ...o });

describe('settleRecord: acting on one outcome', () => {
  it('acknowledges a success and logs it with the SentTimestamp', async () => {
    const deps = fakeDeps();
    const record = sqsRecord('m1', '{}');
    const s = await settleRecord(record, outcome({}), deps, roomy);
    expect(s).toMatchObject({ keep: false, backoffSeconds: null, outcomeRecord: { reason: 'created' } });
    expect(deps.telemetry.outcomes).toStrictEqual([
      { record: outcome({}), sent: Number(record.attributes.SentTimestamp) },
    ]);
    expect(deps.queue.deadLettered).toHaveLength(0);
  });

  it('keeps a retry on its queue with a jittered exponential backoff', async () => {
    const deps = fakeDeps({ config: testConfig({ backoffBaseSeconds: 10, backoffCapSeconds: 100 }) });
    const s = await settleRecord(
      sqsRecord('m1', '{}'),
      outcome({ outcome: 'retry', reason: 'source-unavailable', attempt: 3 }),
      deps,
      roomy,
    );
    // base 10 s, attempt 3: ceiling 40 s, random 0.5
    expect(s).toMatchObject({ keep: true, backoffSeconds: 20 });
  });

  it('lets a handed-back straggler wait twice as long as it ran, at least 1 s', async () => {
    const deps = fakeDeps();
    expect(
      await settleRecord(
        sqsRecord('m1', '{}'),
        outcome({ outcome: 'retry', reason: 'handed-back', durationMs: 2400 }),
        deps,
        roomy,
      ),
    ).toMatchObject({ keep: true, backoffSeconds: 5 });
    expect(
      await settleRecord(
        sqsRecord('m2', '{}'),
        outcome({ outcome: 'retry', reason: 'handed-back', durationMs: 0 }),
        deps,
        roomy,
      ),
    ).toMatchObject({ backoffSeconds: 1 });
  });

  it('dead-letters a failure and records the outcome as written to the DLQ', async () => {
    const deps = fakeDeps();
    const failed = outcome({
      outcome: 'failed',
      reason: 'internal-error',
      detail: 'unexpected TypeError while sending: x',
      retriesExhausted: true,
    });
    const s = await settleRecord(sqsRecord('m1', '{}'), failed, deps, roomy);
    expect(deps.queue.deadLettered.map((d) => d.outcome)).toStrictEqual([failed]);
    expect(s).toMatchObject({
      keep: false,
      outcomeRecord: { detail: 'unexpected TypeError while sending: x (as written)' },
    });
    expect(deps.telemetry.outcomes[0]?.record.detail).toBe('unexpected TypeError while sending: x (as written)');
  });

  it('keeps a failure the DLQ did not take on its queue, and says so', async () => {
    const deps = fakeDeps();
    deps.queue.deadLetterFails = true;
    const s = await settleRecord(
      sqsRecord('m1', '{}'),
      outcome({ outcome: 'failed', reason: 'invalid-message' }),
      deps,
      roomy,
    );
    expect(s).toMatchObject({ keep: true, backoffSeconds: null, outcomeRecord: { reason: 'invalid-message' } });
    expect(deps.telemetry.warnings).toStrictEqual([
      {
        message: 'dead-lettering failed; the message stays on its queue',
        fields: { messageId: 'm1', error: 'ServiceUnavailable: DLQ down' },
      },
    ]);
  });

  it('returns a record with no outcome (the deadline came first) unprocessed, recording nothing', async () => {
    const deps = fakeDeps();
    expect(await settleRecord(sqsRecord('m1', '{}'), null, deps, roomy)).toMatchObject({
      outcomeRecord: null,
      keep: true,
      backoffSeconds: null,
    });
    expect(deps.telemetry.outcomes).toHaveLength(0);
  });
  it('records the outcome as it was when the DLQ port does not say how it wrote it', async () => {
    const deps = fakeDeps({
      queue: {
        deadLetter: async () => undefined,
        publishOutcomes: async () => [],
        changeVisibility: async () => undefined,
        fanOut: async () => undefined,
        moveToLongRunningTier: async () => undefined,
        renew: async () => undefined,
      },
    });
    const failed = outcome({ outcome: 'failed', reason: 'invalid-message' });
    const s = await settleRecord(sqsRecord('m1', '{}'), failed, deps, roomy);
    expect(s).toStrictEqual({ record: s.record, outcomeRecord: failed, keep: false, backoffSeconds: null });
    expect(deps.telemetry.outcomes[0]?.record).toBe(failed);
  });

  it('draws the jitter from Math.random when no random source is given, within the backoff ceiling', async () => {
    const deps = fakeDeps({ random: undefined });
    for (let i = 0; i < 20; i++) {
      const s = await settleRecord(
        sqsRecord(`m${i}`, '{}'),
        outcome({ outcome: 'retry', reason: 'source-unavailable', attempt: 3 }),
        deps,
        roomy,
      );
      // base 10 s, attempt 3: somewhere in [0, 40] s, whole seconds
      expect(Number.isInteger(s.backoffSeconds)).toBe(true);
      expect(s.backoffSeconds).toBeGreaterThanOrEqual(0);
      expect(s.backoffSeconds).toBeLessThanOrEqual(40);
    }
  });

  it('logs an outcome without a send time when the record has no readable SentTimestamp', async () => {
    const deps = fakeDeps();
    const record = sqsRecord('m1', '{}');
    const odd = { ...record, attributes: { ...record.attributes, SentTimestamp: 'yesterday' } };
    await settleRecord(odd, outcome({}), deps, roomy);
    expect(deps.telemetry.outcomes).toStrictEqual([{ record: outcome({}), sent: null }]);
  });
});

describe('settleRecord: renewing a large object wait that is not a failure', () => {
  const COPY_START = 1_700_000_000_000;
  const wait = (o: Partial<OutcomeRecord>) =>
    outcome({ outcome: 'retry', reason: 'copying-in-background', attempt: 5, retryAfterSeconds: 600, ...o });

  it.each(['copying-in-background', 'awaiting-copy'] as const)(
    'renews %s at maxAttempts: a new message with the copy start, this one acknowledged and saying so',
    async (reason) => {
      const deps = fakeDeps();
      const record = sqsRecord('m1', '{}', { receiveCount: 5 });
      (record.attributes as { ApproximateFirstReceiveTimestamp: string }).ApproximateFirstReceiveTimestamp =
        String(COPY_START);
      const s = await settleRecord(record, wait({ reason }), deps, roomy);
      expect(s).toMatchObject({ keep: false, backoffSeconds: null, outcomeRecord: { outcome: 'retry', reason } });
      expect(s.outcomeRecord?.renewed).toBe(true);
      expect(deps.queue.renewed).toStrictEqual([
        { id: 'm1', renewal: { copyStartedAtMs: COPY_START, delaySeconds: 600 } },
      ]);
      expect(deps.telemetry.outcomes[0]!.record.renewed).toBe(true);
    },
  );

  it("carries a renewed message's own copy start on, not its new first receive", async () => {
    const deps = fakeDeps();
    const record = sqsRecord('m1', '{}', {
      receiveCount: 6,
      messageAttributes: {
        'swarm-send.copy-started-at': {
          dataType: 'Number',
          stringValue: String(COPY_START),
          stringListValues: [],
          binaryListValues: [],
        },
      },
    });
    await settleRecord(record, wait({ attempt: 6 }), deps, roomy);
    expect(deps.queue.renewed[0]!.renewal.copyStartedAtMs).toBe(COPY_START);
  });

  it('gives the wait a visibility change below maxAttempts, and to a delete grace at any attempt', async () => {
    const deps = fakeDeps();
    const below = await settleRecord(sqsRecord('m1', '{}'), wait({ attempt: 4 }), deps, roomy);
    const grace = await settleRecord(sqsRecord('m2', '{}'), wait({ reason: 'delete-grace', attempt: 9 }), deps, roomy);
    expect([below, grace].map((s) => [s.keep, s.backoffSeconds, s.outcomeRecord?.renewed])).toStrictEqual([
      [true, 600, undefined],
      [true, 600, undefined],
    ]);
    expect(deps.queue.renewed).toStrictEqual([]);
  });

  it('waits as today, with a warning, when the queue does not take the renewal', async () => {
    const deps = fakeDeps();
    deps.queue.renewFails = true;
    const s = await settleRecord(sqsRecord('m1', '{}', { receiveCount: 5 }), wait({}), deps, roomy);
    expect(s).toMatchObject({ keep: true, backoffSeconds: 600 });
    expect(s.outcomeRecord?.renewed).toBeUndefined();
    expect(deps.telemetry.warnings.map((w) => [w.message, w.fields?.error])).toStrictEqual([
      [
        'renewal failed; the message waits on its queue (its receives count towards the redrive)',
        'ServiceUnavailable: queue down',
      ],
    ]);
  });
});
