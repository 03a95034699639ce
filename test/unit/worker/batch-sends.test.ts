import { resolveRoute } from '../../../functions/core/registry/registry.js';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { DeadlineError } from '../../../functions/worker/deadline.js';
import type { SendRequest } from '../../../functions/worker/send-attempt.js';
import { clusterLimitsOf } from '../../../functions/worker/concurrency.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { observed } from '../../helpers/observation.js';
import { offlineRegistry, testConfig } from '../../helpers/config.js';
import { FakeSendPort, fakeCredentials, fakeDeps } from '../../helpers/fake-ports.js';

const route = resolveRoute(offlineRegistry());
const req = (uuid: string, alias?: boolean): SendRequest => ({
  route,
  message: { object: { uuid, ...(alias !== undefined && { alias }) } } as SendRequest['message'],
  replicationFeeds: [],
});
const named = (name: string): SendRequest => ({
  route,
  message: { object: { domain: 'd.example', bucket: 'b', name } } as SendRequest['message'],
  replicationFeeds: [],
});
const watch = () => new StragglerWatch({ ...DEFAULT_STRAGGLER_POLICY, enabled: false }, 4);

describe('BatchSends: the SENDs of one batch', () => {
  it('coalesces identical SENDs (the UUID in any case) into one request', async () => {
    const deps = fakeDeps();
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    const [a, b, c] = [
      sends.for(req('a'.repeat(32)), true),
      sends.for(req('A'.repeat(32)), true),
      sends.for(req('a'.repeat(32), true), true),
    ];
    expect(sends.size).toBe(2);
    expect(a).toBe(b);
    await Promise.all([a, b, c]);
    expect(deps.client.inputs).toHaveLength(2);
  });

  it('keeps at most `concurrency` SENDs in flight', async () => {
    let running = 0;
    let most = 0;
    const client = new FakeSendPort([
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return observed();
      },
    ]);
    const deps = fakeDeps({ client, config: testConfig({ concurrency: 2 }) });
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    await Promise.all(Array.from({ length: 6 }, (_, i) => sends.for(req(i.toString(16).repeat(32)), true)));
    expect(client.inputs).toHaveLength(6);
    expect(most).toBe(2);
  });

  it('starts no SEND, and asks for no credentials, after the deadline', async () => {
    const credentials = fakeCredentials();
    const deps = fakeDeps({ credentials });
    const sends = new BatchSends(deps, AbortSignal.abort(), watch());
    await expect(sends.for(req('b'.repeat(32)), true)).rejects.toBeInstanceOf(DeadlineError);
    expect(deps.client.inputs).toHaveLength(0);
    expect(credentials.reads).toStrictEqual([]);
  });
  it('reads a UUID without alias as alias false, and keeps SENDs that ask for different feeds apart', async () => {
    const deps = fakeDeps();
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    const uuid = 'e'.repeat(32);
    const withFeeds = (ids: number[]): SendRequest => ({
      ...req(uuid),
      message: { object: { uuid }, feeds: { ids } } as SendRequest['message'],
    });
    const [plain, explicit, feed2, feed3] = [
      sends.for(req(uuid), true),
      sends.for(req(uuid, false), true),
      sends.for(withFeeds([2]), true),
      sends.for(withFeeds([3]), true),
    ];
    expect(plain).toBe(explicit);
    await Promise.all([plain, explicit, feed2, feed3]);
    expect(deps.client.inputs.map((i) => i.feeds ?? null)).toStrictEqual([null, { ids: [2] }, { ids: [3] }]);
  });

  it('coalesces identical named objects, and keeps names that differ only in case apart', async () => {
    const deps = fakeDeps();
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    const [a, b, c] = [
      sends.for(named('x.txt'), true),
      sends.for(named('x.txt'), true),
      sends.for(named('X.txt'), true),
    ];
    expect(a).toBe(b);
    await Promise.all([a, b, c]);
    expect(deps.client.inputs.map((i) => i.object)).toStrictEqual([
      { domain: 'd.example', bucket: 'b', name: 'x.txt' },
      { domain: 'd.example', bucket: 'b', name: 'X.txt' },
    ]);
  });

  it("cuts the source cluster's limit as soon as a running SEND meets a busy node", async () => {
    let limitDuringSend: number | undefined;
    const deps = fakeDeps({
      client: new FakeSendPort([
        (input) => {
          input.onBusy?.();
          limitDuringSend = clusterLimitsOf(deps).for('primary').limit;
          return observed({}, { busy: 1, requests: 2 });
        },
      ]),
    });
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    await sends.for(req('d'.repeat(32)), true);
    expect(limitDuringSend).toBe(1); // one SEND in flight x 0.7, at least 1
    expect(clusterLimitsOf(deps).for('primary').decreases).toBe(1);
  });

  it('teaches the cluster limit nothing from SENDs that never ran (credentials unavailable)', async () => {
    // Eight SENDs fill the starting limit of 8; their credentials fail once all of them are waiting.
    let reads = 0;
    let failAll!: () => void;
    const gate = new Promise<void>((resolve) => (failAll = resolve));
    const deps = fakeDeps({
      config: testConfig({ concurrency: 8 }),
      credentials: {
        get: async (ref: string) => {
          if (++reads === 16) failAll();
          await gate;
          throw new Error(`Secrets Manager: ThrottlingException (${ref})`);
        },
        refresh: () => undefined,
      },
    });
    const limit = clusterLimitsOf(deps).for('primary');
    expect(limit.limit).toBe(8);
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => sends.for(req(i.toString(16).repeat(32)), true)));
    expect(all.map((h) => h.kind)).toStrictEqual(Array(8).fill('not-sent'));
    expect(deps.client.inputs).toHaveLength(0);
    expect(limit.limit).toBe(8);
    expect(limit.decreases).toBe(0);
  });
});
