import type { SQSRecord } from 'aws-lambda';
import type { ObjectAnswer } from '../../../functions/core/send/object-request.js';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { processRecord } from '../../../functions/worker/process-record.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { sqsRecord } from '../../helpers/records.js';
import { offlineRegistry, testConfig } from '../../helpers/config.js';
import { fakeCredentials, fakeDeps, FakeSendPort } from '../../helpers/fake-ports.js';

// A delete message through processRecord: the route's policy, the grace, the credentials, the
// proof steps in order (the requests are scripted; the real ones are in
// test/integration/worker/deletes.test.ts), and its outcome record.

const UUID = 'c'.repeat(32);
const deleteBody = (o: object = {}) =>
  JSON.stringify({ op: 'delete', object: { uuid: UUID }, correlationId: 'del-1', ...o });
const answer = (status: number | null, o: Partial<ObjectAnswer> = {}): ObjectAnswer => ({
  status,
  error: null,
  node: '10.0.1.1:80',
  detail: null,
  requests: 2,
  ...o,
});

function deps(
  route: Record<string, unknown>,
  answers: Record<string, ObjectAnswer> = {},
  credentials = fakeCredentials(),
) {
  const client = new FakeSendPort();
  client.objectAnswers = answers;
  const config = testConfig({ registry: offlineRegistry({ route }), maxAttempts: 3 });
  return { ...fakeDeps({ config, client, credentials }), credentials };
}

async function run(record: SQSRecord, d: ReturnType<typeof deps>) {
  const deadline = new AbortController().signal;
  const sends = new BatchSends(d, deadline, new StragglerWatch({ ...DEFAULT_STRAGGLER_POLICY, enabled: false }, 4));
  return processRecord(record, sends, d, deadline);
}

const PROPAGATE = { deletes: 'propagate', deleteGraceSeconds: 0 };

describe('a delete message in the worker', () => {
  it('on a route that ignores deletes: delete-ignored, no credentials read, no request, no SEND', async () => {
    const d = deps({});
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(outcome).toMatchObject({
      outcome: 'already-present',
      reason: 'delete-ignored',
      httpStatus: null,
      remoteStatus: null,
      requests: 0,
      correlationId: 'del-1',
    });
    expect(d.client.objectRequests).toStrictEqual([]);
    expect(d.client.inputs).toStrictEqual([]);
    expect(d.credentials.reads).toStrictEqual([]);
  });

  it('asks the source, then DR, then DR again, in that order, and counts every request', async () => {
    const d = deps(PROPAGATE, {
      'HEAD primary': answer(404, { node: '10.0.0.1:80' }),
      'DELETE dr': answer(204),
      'HEAD dr': answer(404, { requests: 1 }),
    });
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(d.client.objectRequests).toStrictEqual(['HEAD primary', 'DELETE dr', 'HEAD dr']);
    expect(outcome).toMatchObject({
      outcome: 'replicated',
      reason: 'deleted',
      httpStatus: 204,
      node: '10.0.1.1:80',
      requests: 5,
      object: { uuid: UUID },
      from: 'primary',
      to: 'dr',
    });
    expect(d.client.inputs).toStrictEqual([]);
  });

  it('stops at a source that still has the object: source-present, DR never asked', async () => {
    const d = deps(PROPAGATE, { 'HEAD primary': answer(200, { node: '10.0.0.1:80' }) });
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(d.client.objectRequests).toStrictEqual(['HEAD primary']);
    expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'source-present', httpStatus: 200 });
  });

  it('inside the grace asks nothing and says how long to wait', async () => {
    const d = deps({ deletes: 'propagate', deleteGraceSeconds: 300 });
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(d.client.objectRequests).toStrictEqual([]);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'delete-grace', requests: 0 });
    expect(outcome!.retryAfterSeconds).toBeGreaterThan(298);
    expect(outcome!.retryAfterSeconds).toBeLessThanOrEqual(300);
  });

  it('credentials that cannot be read: credentials-unavailable (retry), nothing asked', async () => {
    const d = deps(PROPAGATE, {}, fakeCredentials(undefined, new Error('secrets manager down')));
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'credentials-unavailable' });
    expect(d.client.objectRequests).toStrictEqual([]);
  });

  it('ignores feeds: a delete with a feed selection the route cannot prove is not refused', async () => {
    const d = deps({ ...PROPAGATE, replicationFeeds: [2] }, { 'HEAD primary': answer(200) });
    const outcome = await run(sqsRecord('m1', deleteBody({ feeds: { types: ['search'] } })), d);
    expect(outcome).toMatchObject({ reason: 'source-present' });
  });

  it('a port that throws is an internal-error retry, its stack in the log', async () => {
    const d = deps(PROPAGATE);
    const outcome = await run(sqsRecord('m1', deleteBody()), d);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'internal-error' });
    expect(outcome!.detail).toContain('no scripted answer for HEAD primary');
    expect(d.telemetry.warnings.map((w) => w.message)).toStrictEqual([
      'unexpected error processing a message (internal-error)',
    ]);
  });
});
