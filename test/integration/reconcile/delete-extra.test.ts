import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { transportDeletePort } from '../../../functions/reconcile/delete-extra.js';
import { reconcileScope } from '../../../functions/reconcile/engine.js';
import { type Finding } from '../../../functions/reconcile/scope-types.js';
import { transportHeadPort, type ReconcileRoute } from '../../../functions/reconcile/ports.js';
import { ADMIN, pairRoute, startSwarmPair, type SwarmPair } from '../../helpers/swarm.js';

// Reconcile's --delete-extra against the simulator: objects only on DR are deleted with the
// delete proof (the source's HEAD 404 at the time of deleting), a lifepoint's refusal is
// reported and never overridden, and without the option nothing is deleted.

const HOUR_AGO = () => new Date(Date.now() - 3600_000);
const BUCKET = { kind: 'named', domain: 'baker', bucket: 'b' } as const;
let pair: SwarmPair;
let client: SendClient;

beforeEach(async () => {
  pair = await startSwarmPair();
  client = new SendClient();
  const src = pair.sim.cluster('baker');
  const dr = pair.sim.cluster('dr');
  for (const c of [src, dr]) c.put({ domain: 'baker', bucket: 'b', name: 'same', body: 'v1', created: HOUR_AGO() });
  dr.put({ domain: 'baker', bucket: 'b', name: 'extra', body: 'x', created: HOUR_AGO() });
  dr.put({
    domain: 'baker',
    bucket: 'b',
    name: 'locked',
    body: 'x',
    created: HOUR_AGO(),
    lifepoints: ['[] deletable=no'],
  });
});

afterEach(async () => {
  await client.close();
  await pair.close();
});

const route = (): ReconcileRoute => pairRoute(pair);

async function reconcile(deleteExtra: boolean) {
  const transport = client.transport;
  const findings: Finding[] = [];
  const summary = await reconcileScope({
    scope: BUCKET,
    source: new ListingClient(transport, pair.source, ADMIN, { sleep: async () => undefined }),
    dr: new ListingClient(transport, pair.dr, ADMIN, { sleep: async () => undefined }),
    heads: transportHeadPort(transport, route()),
    deleteExtra: deleteExtra ? transportDeletePort(transport, route(), 4) : null,
    onFinding: (f) => findings.push(f),
  });
  return { summary, findings };
}

const has = (name: string) => pair.sim.cluster('dr').has({ domain: 'baker', bucket: 'b', name });

describe('reconcile --delete-extra', () => {
  it('deletes what is only on DR after the source HEAD answers 404, reports the refused one, counts them per scope', async () => {
    const { summary, findings } = await reconcile(true);
    expect(summary.counts['extra-on-dr']).toBe(2);
    expect(summary.repairs).toMatchObject({ deleted: 1, failed: 1, sent: 0 });
    expect(has('extra')).toBe(false);
    expect(has('locked')).toBe(true);
    expect(has('same')).toBe(true);
    const byKey = Object.fromEntries(findings.map((f) => [f.key, f.repair]));
    expect(byKey.extra).toStrictEqual({ action: 'deleted', detail: expect.stringMatching(/^replicated\/deleted: /) });
    expect(byKey.locked).toMatchObject({
      action: 'failed',
      detail: expect.stringMatching(/^failed\/delete-refused: /),
    });
    // Each deleted object: HEAD on the source (404), DELETE on DR, HEAD on DR; the refused one stops at the DELETE.
    const sourceHeads = pair.sim
      .cluster('baker')
      .nodes.reduce((n, node) => n + (node.counters().byMethod.HEAD ?? 0), 0);
    expect(sourceHeads).toBeGreaterThanOrEqual(2);
  });

  it('without the option, extra objects are reported and nothing is deleted', async () => {
    const { summary } = await reconcile(false);
    expect(summary.counts['extra-on-dr']).toBe(2);
    expect(summary.repairs.deleted).toBe(0);
    expect(has('extra')).toBe(true);
    const drDeletes = pair.sim.cluster('dr').nodes.reduce((n, node) => n + (node.counters().byMethod.DELETE ?? 0), 0);
    expect(drDeletes).toBe(0);
  });

  it('the proof is asked again at the time of deleting: an object the source holds by then is left alone (source-present)', async () => {
    // Listed on DR only, but the source has it when the delete port asks (written after the listing).
    pair.sim.cluster('baker').put({ bucket: 'b', name: 'extra', body: 'back' });
    const [result] = await transportDeletePort(client.transport, route()).delete([
      { domain: 'baker', bucket: 'b', name: 'extra' },
    ]);
    expect(result).toStrictEqual({
      action: 'not-repaired',
      detail: expect.stringMatching(/^already-present\/source-present: source HEAD answered 200/),
    });
    expect(has('extra')).toBe(true);
  });

  it('a DR that cannot answer the DELETE is a failed deletion, the copy kept, for the next run', async () => {
    pair.sim.faults.add({ match: { cluster: 'dr', method: 'DELETE' }, kind: { type: 'status', status: 503 } });
    const [result] = await transportDeletePort(client.transport, route()).delete([
      { domain: 'baker', bucket: 'b', name: 'extra' },
    ]);
    expect(result).toMatchObject({ action: 'failed', detail: expect.stringMatching(/^failed\/remote-unavailable: /) });
    expect(has('extra')).toBe(true);
  });
});
