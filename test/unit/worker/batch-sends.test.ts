import { resolveRoute } from '../../../functions/core/registry.js';
import { BatchSends } from '../../../functions/worker/batch-sends.js';
import { DeadlineError } from '../../../functions/worker/deadline.js';
import type { SendRequest } from '../../../functions/worker/send-attempt.js';
import { DEFAULT_STRAGGLER_POLICY, StragglerWatch } from '../../../functions/worker/stragglers.js';
import { config, FakeSendPort, fakeDeps, observed } from './fake-ports.js';

const route = resolveRoute(config().registry);
const req = (uuid: string, alias?: boolean): SendRequest => ({
  route,
  message: { object: { uuid, ...(alias !== undefined && { alias }) } } as SendRequest['message'],
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
    const deps = fakeDeps({ client, config: config({ concurrency: 2 }) });
    const sends = new BatchSends(deps, new AbortController().signal, watch());
    await Promise.all(Array.from({ length: 6 }, (_, i) => sends.for(req(i.toString(16).repeat(32)), true)));
    expect(client.inputs).toHaveLength(6);
    expect(most).toBe(2);
  });

  it('starts no SEND after the deadline', async () => {
    const deps = fakeDeps();
    const sends = new BatchSends(deps, AbortSignal.abort(), watch());
    await expect(sends.for(req('b'.repeat(32)), true)).rejects.toBeInstanceOf(DeadlineError);
    expect(deps.client.inputs).toHaveLength(0);
  });
});
