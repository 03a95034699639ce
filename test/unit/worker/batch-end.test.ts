import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { applyBackoffs, batchResponse, publishOutcomes } from '../../../functions/worker/batch-end.js';
import type { Settled } from '../../../functions/worker/settle.js';
import { sqsRecord } from '../../helpers/records.js';
import { testConfig } from '../../helpers/config.js';
import { fakeDeps } from '../../helpers/fake-ports.js';
import { roomy } from '../../helpers/lambda.js';

const settled = (
  id: string,
  kind: OutcomeRecord['outcome'] | null,
  keep: boolean,
  backoffSeconds: number | null = null,
): Settled => {
  const record: SQSRecord = sqsRecord(id, '{}');
  return {
    record,
    outcomeRecord: kind === null ? null : ({ outcome: kind, messageId: id } as OutcomeRecord),
    keep,
    backoffSeconds,
  };
};

/** Fake ports with an outcomes queue configured. */
const withOutcomesQueue = () => fakeDeps({ config: testConfig({ outcomesQueueUrl: 'http://127.0.0.1/outcomes' }) });

describe('the end of a batch', () => {
  const batch = [
    settled('ok', 'replicated', false),
    settled('dead', 'failed', false),
    settled('again', 'retry', true, 7),
    settled('late', null, true),
  ];

  it('publishes only terminal outcomes that left the queue', async () => {
    const deps = withOutcomesQueue();
    const keep = new Set<string>();
    await publishOutcomes(batch, keep, deps, roomy);
    expect(deps.queue.published).toStrictEqual([[batch[0]!.outcomeRecord, batch[1]!.outcomeRecord]]);
    expect(keep.size).toBe(0);
    expect(deps.telemetry.warnings).toStrictEqual([]);
  });

  it('never publishes a retry as an outcome, even one that is not held on the queue', async () => {
    // settleRecord always keeps a retry; publishing still judges the outcome itself, not only `keep`.
    const deps = withOutcomesQueue();
    await publishOutcomes([settled('loose', 'retry', false), batch[0]!], new Set(), deps, roomy);
    expect(deps.queue.published).toStrictEqual([[batch[0]!.outcomeRecord]]);
  });

  it('keeps a success whose outcome could not be published, not a dead-lettered failure', async () => {
    const deps = withOutcomesQueue();
    deps.queue.publishFails = [0, 1];
    const keep = new Set<string>();
    await publishOutcomes(batch, keep, deps, roomy);
    expect([...keep]).toStrictEqual(['ok']);
    expect(deps.telemetry.warnings).toStrictEqual([
      { message: 'outcomes could not be published', fields: { count: 2 } },
    ]);
  });

  it('reads a rejected publish as nothing published', async () => {
    const deps = withOutcomesQueue();
    deps.queue.publishFails = 'reject';
    const keep = new Set<string>();
    await publishOutcomes(batch, keep, deps, roomy);
    expect([...keep]).toStrictEqual(['ok']);
  });

  it('publishes nothing without an outcomes queue', async () => {
    const deps = fakeDeps({ config: testConfig({ outcomesQueueUrl: null }) });
    await publishOutcomes(batch, new Set(), deps, roomy);
    expect(deps.queue.published).toHaveLength(0);
  });

  it('sets the backoffs of the retries; a refused one is logged, not thrown', async () => {
    const deps = fakeDeps();
    await applyBackoffs(batch, deps, roomy);
    expect(deps.queue.visibility).toStrictEqual([{ id: 'again', seconds: 7 }]);
    deps.queue.visibilityFails = true;
    await expect(applyBackoffs(batch, deps, roomy)).resolves.toBeUndefined();
    expect(deps.telemetry.warnings).toStrictEqual([
      { message: 'backoff not applied', fields: { error: 'AccessDenied: refused' } },
    ]);
  });

  it('makes no visibility call when no record waits for a backoff', async () => {
    const deps = fakeDeps();
    deps.queue.visibilityFails = true; // any call would be logged as refused
    await applyBackoffs([batch[0]!, batch[1]!, batch[3]!], deps, roomy);
    expect(deps.telemetry.warnings).toStrictEqual([]);
  });

  it('warns of nothing when every record was processed', () => {
    const deps = fakeDeps();
    expect(batchResponse(batch.slice(0, 3), new Set(['again']), deps)).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: 'again' }],
    });
    expect(deps.telemetry.warnings).toStrictEqual([]);
  });

  it('answers with the kept messages, and counts those returned unprocessed', () => {
    const deps = fakeDeps();
    expect(batchResponse(batch, new Set(['again', 'late']), deps)).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: 'again' }, { itemIdentifier: 'late' }],
    });
    expect(deps.telemetry.warnings).toStrictEqual([
      { message: 'records returned to the queue unprocessed (deadline or FIFO order)', fields: { count: 1 } },
    ]);
  });
});
