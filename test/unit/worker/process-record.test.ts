import type { SQSRecord } from 'aws-lambda';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { processRecord } from '../../../functions/worker/process-record.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { sqsRecord } from '../../helpers/records.js';
import { observed } from '../../helpers/observation.js';
import { testConfig } from '../../helpers/config.js';
import { FakeSendPort, fakeDeps } from '../../helpers/fake-ports.js';

const UUID = 'c'.repeat(32);
const body = (o: object = {}) => JSON.stringify({ object: { uuid: UUID }, correlationId: 'corr-1', ...o });

async function run(record: SQSRecord, deps = fakeDeps(), deadline = new AbortController().signal) {
  const sends = new BatchSends(deps, deadline, new StragglerWatch({ ...DEFAULT_STRAGGLER_POLICY, enabled: false }, 4));
  return { outcome: await processRecord(record, sends, deps, deadline), deps };
}

describe('processRecord: one record up to its outcome record', () => {
  it('records a replicated SEND with the message and the SEND facts', async () => {
    const { outcome } = await run(sqsRecord('m1', body()));
    expect(outcome).toStrictEqual({
      outcome: 'replicated',
      reason: 'created',
      remoteStatus: 201,
      httpStatus: 200,
      detail: null,
      object: { uuid: UUID },
      from: 'primary',
      to: 'dr',
      node: '10.0.0.1:80',
      attempt: 1,
      durationMs: 12,
      messageId: 'm1',
      correlationId: 'corr-1',
      requests: 1,
    });
  });

  it('fails a body that is not JSON as invalid-message, sending nothing', async () => {
    const { outcome, deps } = await run(sqsRecord('m1', 'not json'));
    expect(outcome).toMatchObject({
      outcome: 'failed',
      reason: 'invalid-message',
      detail: 'invalid message: body is not valid JSON',
      object: null,
      node: null,
      durationMs: 0,
    });
    expect(outcome).not.toHaveProperty('requests');
    expect(deps.client.inputs).toHaveLength(0);
    // A bad message is no bug: nothing goes to the log's internal-error warnings.
    expect(deps.telemetry.warnings).toStrictEqual([]);
  });

  it("fails a route the registry lacks as invalid-message, keeping the message's from, to and object", async () => {
    const { outcome } = await run(sqsRecord('m1', body({ from: 'dr', to: 'primary' })));
    expect(outcome).toMatchObject({
      outcome: 'failed',
      reason: 'invalid-message',
      from: 'dr',
      to: 'primary',
      object: { uuid: UUID },
      correlationId: 'corr-1',
    });
  });

  it('makes a bug in the SEND port an internal-error retry, its stack in the log and not in the record', async () => {
    const deps = fakeDeps({
      client: new FakeSendPort([
        () => {
          throw new TypeError("Cannot read properties of undefined (reading 'status')");
        },
      ]),
    });
    const { outcome } = await run(sqsRecord('m1', body()), deps);
    expect(outcome).toMatchObject({
      outcome: 'retry',
      reason: 'internal-error',
      detail: "unexpected TypeError while sending: Cannot read properties of undefined (reading 'status')",
    });
    expect(JSON.stringify(outcome)).not.toContain('    at ');
    expect(deps.telemetry.warnings).toHaveLength(1);
    expect(deps.telemetry.warnings[0]).toMatchObject({
      message: 'unexpected error processing a message (internal-error)',
      fields: { messageId: 'm1', step: 'send', stack: expect.stringContaining('    at ') },
    });
  });

  it('dead-letters the bug with its own reason once the attempts run out', async () => {
    const deps = fakeDeps({
      config: testConfig({ maxAttempts: 3 }),
      client: new FakeSendPort([
        () => {
          throw new Error('bug');
        },
      ]),
    });
    const { outcome } = await run(sqsRecord('m1', body(), { receiveCount: 3 }), deps);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'internal-error', attempt: 3, retriesExhausted: true });
  });

  it('applies the attempt limit to a transient SEND answer', async () => {
    const deps = fakeDeps({
      client: new FakeSendPort([() => observed({ httpStatus: 503, remoteStatus: null })]),
      config: testConfig({ maxAttempts: 2 }),
    });
    expect((await run(sqsRecord('m1', body(), { receiveCount: 1 }), deps)).outcome).toMatchObject({
      outcome: 'retry',
      reason: 'source-unavailable',
    });
    expect((await run(sqsRecord('m2', body(), { receiveCount: 2 }), deps)).outcome).toMatchObject({
      outcome: 'failed',
      reason: 'source-unavailable',
      retriesExhausted: true,
    });
  });

  it('returns no outcome when the deadline came before the SEND, but still decides an invalid body', async () => {
    expect((await run(sqsRecord('m1', body()), fakeDeps(), AbortSignal.abort())).outcome).toBeNull();
    expect((await run(sqsRecord('m2', '[]'), fakeDeps(), AbortSignal.abort())).outcome).toMatchObject({
      reason: 'invalid-message',
    });
  });

  it('records the feeds of a feed SEND', async () => {
    const feeds = { '2': { status: 0, statusTime: null } };
    const deps = fakeDeps({
      client: new FakeSendPort([
        () => observed({ mode: 'feed', remoteStatus: null, feeds, requestedFeedIds: [2], replicationFeedIds: [2] }),
      ]),
    });
    const { outcome } = await run(sqsRecord('m1', body({ feeds: { ids: [2] } })), deps);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'feed-complete', feeds });
    expect(deps.client.inputs[0]).toMatchObject({ feeds: { ids: [2] }, replicationFeeds: [2] });
  });
  it('counts a record whose receive count is missing or unreadable as a first attempt', async () => {
    const record = sqsRecord('m1', body());
    const unreadable = { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: 'many' } };
    const withoutCount: Partial<SQSRecord['attributes']> = { ...record.attributes };
    delete withoutCount.ApproximateReceiveCount;
    const missing = { ...record, attributes: withoutCount } as SQSRecord;
    expect((await run(unreadable)).outcome).toMatchObject({ outcome: 'replicated', attempt: 1 });
    expect((await run(missing)).outcome).toMatchObject({ outcome: 'replicated', attempt: 1 });
  });

  it('logs the warnings of reading the body against the message, and still SENDs it', async () => {
    const { outcome, deps } = await run(sqsRecord('m1', body({ nodeHint: 'not a node' })));
    expect(outcome).toMatchObject({ outcome: 'replicated' });
    expect(deps.telemetry.warnings).toStrictEqual([
      { message: 'nodeHint ignored: not host:port (port 1-65535)', fields: { messageId: 'm1' } },
    ]);
    expect(deps.client.inputs[0]?.nodeHint).toBeUndefined();
  });

  it('returns no outcome when the deadline comes while the SEND waits for its credentials', async () => {
    const deadline = new AbortController();
    let asked!: () => void;
    const reading = new Promise<void>((resolve) => (asked = resolve));
    const deps = fakeDeps({
      credentials: {
        get: () => (asked(), new Promise(() => undefined)),
        refresh: () => undefined,
      },
    });
    const pending = run(sqsRecord('m1', body()), deps, deadline.signal);
    await reading;
    deadline.abort();
    const { outcome } = await pending;
    expect(outcome).toBeNull();
    expect(deps.client.inputs).toHaveLength(0);
    expect(deps.telemetry.warnings).toHaveLength(0);
  });
});
