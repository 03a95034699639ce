import { processBatch } from '../../../functions/worker/process-batch.js';
import { sqsRecord } from '../../helpers/records.js';
import { FakeSendPort, fakeDeps, observed, roomy } from './fake-ports.js';

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

describe('processBatch: the policy over fake ports', () => {
  it('acknowledges successes, dead-letters failures, keeps retries with a backoff, publishes terminal outcomes, flushes once', async () => {
    const client = new FakeSendPort([
      (i) => observed('uuid' in i.object && i.object.uuid === B ? { httpStatus: 503, remoteStatus: null } : {}),
    ]);
    const deps = fakeDeps({ client });
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

  it('FIFO: holds back the rest of a group behind a success whose outcome could not be published', async () => {
    const deps = fakeDeps();
    deps.queue.publishFails = [0];
    const records = [
      sqsRecord('g1', body(A), { group: 'g' }),
      sqsRecord('g2', body(B), { group: 'g' }),
      sqsRecord('h1', body(C), { group: 'h' }),
    ];
    const response = await processBatch(records, roomy, deps);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toStrictEqual(['g1', 'g2']);
  });
});
