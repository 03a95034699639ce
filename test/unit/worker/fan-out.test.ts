import type { SQSRecord } from 'aws-lambda';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { processRecord } from '../../../functions/worker/process-record.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { testConfig } from '../../helpers/config.js';
import { fakeDeps } from '../../helpers/fake-ports.js';
import { sqsRecord } from '../../helpers/records.js';

// A record whose message names several destinations (docs/fan-out.md): split through the queue
// port, never SENT, with an outcome of its own.

const UUID = 'c'.repeat(32);
const registry = parseRegistry({
  clusters: {
    primary: { name: 'baker', nodes: ['10.0.0.1:80'], credentials: 'src' },
    dr: { name: 'dr', target: '10.0.1.1:80', credentials: 'dr' },
    dr2: { name: 'dr2', target: '10.0.2.1:80', credentials: 'dr' },
  },
  defaultRoute: { from: 'primary', to: ['dr', 'dr2'] },
});
const body = (o: object = {}) => JSON.stringify({ object: { uuid: UUID }, correlationId: 'corr-1', ...o });

async function run(record: SQSRecord, deadline = new AbortController().signal) {
  const deps = fakeDeps({ config: testConfig({ registry, maxAttempts: 3 }) });
  const sends = new BatchSends(deps, deadline, new StragglerWatch({ ...DEFAULT_STRAGGLER_POLICY, enabled: false }, 4));
  return { deps, run: () => processRecord(record, sends, deps, deadline) };
}

describe('processRecord: a message naming several destinations', () => {
  it('puts one message per destination on its queue and ends fanned-out, without a SEND', async () => {
    const { deps, run: go } = await run(sqsRecord('m1', body({ to: ['dr', 'dr2'], unknownField: 1 })));
    const outcome = await go();
    // Every field of the message kept (unknown ones dropped, as the parser drops them), `to` each destination.
    expect(
      deps.queue.fannedOut.map((f) => [f.id, f.parts.map((p) => [p.destination, JSON.parse(p.body) as unknown])]),
    ).toStrictEqual([
      [
        'm1',
        [
          ['dr', { object: { uuid: UUID }, to: 'dr', correlationId: 'corr-1' }],
          ['dr2', { object: { uuid: UUID }, to: 'dr2', correlationId: 'corr-1' }],
        ],
      ],
    ]);
    expect(deps.client.inputs).toHaveLength(0);
    expect(outcome).toStrictEqual({
      outcome: 'already-present',
      reason: 'fanned-out',
      remoteStatus: null,
      httpStatus: null,
      detail: 'one message per destination: dr, dr2',
      object: { uuid: UUID },
      from: 'primary',
      to: null,
      node: null,
      attempt: 1,
      durationMs: 0,
      messageId: 'm1',
      correlationId: 'corr-1',
      destinations: ['dr', 'dr2'],
    });
  });

  it("splits a message without `to` across the default route's targets, and a list of one is an ordinary SEND", async () => {
    const all = await run(sqsRecord('m1', body()));
    expect(await all.run()).toMatchObject({ reason: 'fanned-out', destinations: ['dr', 'dr2'] });
    const one = await run(sqsRecord('m2', body({ to: ['dr2'] })));
    expect(await one.run()).toMatchObject({ outcome: 'replicated', to: 'dr2' });
    expect(one.deps.queue.fannedOut).toHaveLength(0);
    expect(one.deps.client.inputs).toHaveLength(1);
  });

  it('retries a split the queue did not take (fan-out-unavailable), and dead-letters it once the attempts run out', async () => {
    for (const [receiveCount, outcome] of [
      [1, 'retry'],
      [3, 'failed'],
    ] as const) {
      const { deps, run: go } = await run(sqsRecord('m1', body({ to: ['dr', 'dr2'] }), { receiveCount }));
      deps.queue.fanOutFails = true;
      expect(await go()).toMatchObject({
        outcome,
        reason: 'fan-out-unavailable',
        detail: 'ServiceUnavailable: queue down',
        destinations: ['dr', 'dr2'],
      });
      expect(deps.client.inputs).toHaveLength(0);
    }
  });

  it('refuses the whole message when one destination is not a configured route, splitting nothing', async () => {
    const { deps, run: go } = await run(sqsRecord('m1', body({ to: ['dr', 'elsewhere'] })));
    expect(await go()).toMatchObject({ outcome: 'failed', reason: 'invalid-message' });
    expect(deps.queue.fannedOut).toHaveLength(0);
  });

  it('returns the record unprocessed when the deadline came first', async () => {
    const controller = new AbortController();
    controller.abort();
    const { deps, run: go } = await run(sqsRecord('m1', body({ to: ['dr', 'dr2'] })), controller.signal);
    expect(await go()).toBeNull();
    expect(deps.queue.fannedOut).toHaveLength(0);
  });
});
