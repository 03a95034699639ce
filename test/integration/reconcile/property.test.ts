import fc from 'fast-check';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { reconcileScope } from '../../../functions/reconcile/engine.js';
import { type Finding } from '../../../functions/reconcile/scope-types.js';
import { sendRepairPort, transportHeadPort, type ReconcileRoute } from '../../../functions/reconcile/ports.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { startSimulator } from '../../../simulator/index.js';
import { ADMIN } from '../../helpers/swarm.js';

const GRACE_MS = 10 * 60_000;
/** Long enough that a lagging write stays out of the listings for the whole run. */
const LAG_MS = 3600_000;

type Kind = 'same' | 'missing' | 'different' | 'extra' | 'young';
interface Spec {
  readonly name: string;
  readonly kind: Kind;
  /** The DR copy (or a young source object) is not yet in its cluster's listing. */
  readonly lagging: boolean;
}

const name = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 10 })
  .filter((s) => s.isWellFormed() && !s.split('/').some((seg) => seg === '.' || seg === '..'));
const spec = fc.record({
  name,
  kind: fc.constantFrom<Kind>('same', 'same', 'same', 'missing', 'different', 'extra', 'young'),
  lagging: fc.boolean(),
});

describe('reconcile property', () => {
  test('reported missing / different / extra equal the true set differences, and after repair DR holds every source object older than the grace period', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(spec, { minLength: 1000, maxLength: 2000, selector: (s) => s.name }),
        fc.integer({ min: 1, max: 5 }),
        async (specs: Spec[], pageK) => {
          const sim = await startSimulator({
            zeroLatency: true,
            clusters: [
              { name: 'baker', nodes: 2, feeds: [{ id: 1, type: 'replication', target: 'dr' }] },
              { name: 'dr', nodes: 1 },
            ],
          });
          const client = new SendClient();
          try {
            const src = sim.cluster('baker');
            const dr = sim.cluster('dr');
            const old = new Date(Date.now() - 2 * GRACE_MS);
            const truth = { missing: new Set<string>(), different: new Set<string>(), extra: new Set<string>() };
            for (const s of specs) {
              const ref = { domain: 'baker', bucket: 'b', name: s.name };
              if (s.kind === 'young') {
                src.put({ ...ref, body: 'young', indexLagMs: s.lagging ? LAG_MS : 0 });
                continue;
              }
              if (s.kind !== 'extra') src.put({ ...ref, body: `v2 ${s.name}`, created: old });
              const lag = s.lagging && s.kind !== 'extra' ? LAG_MS : 0;
              if (s.kind === 'same') dr.put({ ...ref, body: `v2 ${s.name}`, created: old, indexLagMs: lag });
              if (s.kind === 'different')
                dr.put({ ...ref, body: `v1`, created: new Date(old.getTime() - 60_000), indexLagMs: lag });
              if (s.kind === 'extra') dr.put({ ...ref, body: 'only on DR', created: old });
              if (s.kind === 'missing' || s.kind === 'different' || s.kind === 'extra') truth[s.kind].add(s.name);
            }
            const registry = parseRegistry({
              clusters: {
                p: { name: 'baker', nodes: [...src.addresses], credentials: 'x' },
                d: { name: 'dr', target: dr.addresses[0], nodes: [...dr.addresses], credentials: 'x' },
              },
            });
            const route: ReconcileRoute = {
              source: registry.clusters.p!,
              dr: registry.clusters.d!,
              sourceCredentials: ADMIN,
              drCredentials: ADMIN,
              from: 'p',
              to: 'd',
              replicationFeeds: [1],
            };
            const pageSize = 100 * pageK + 37;
            const findings: Finding[] = [];
            const summary = await reconcileScope({
              scope: { kind: 'named', domain: 'baker', bucket: 'b' },
              source: new ListingClient(client.transport, route.source, ADMIN, { pageSize }),
              dr: new ListingClient(client.transport, route.dr, ADMIN, { pageSize }),
              heads: transportHeadPort(client.transport, route),
              repair: sendRepairPort(client, route, 8),
              graceMs: GRACE_MS,
              onFinding: (f) => findings.push(f),
            });
            const reported = (c: string) => new Set(findings.filter((f) => f.category === c).map((f) => f.key));
            expect(summary.complete).toBe(true);
            expect(reported('missing-on-dr')).toEqual(truth.missing);
            expect(reported('different')).toEqual(truth.different);
            expect(reported('extra-on-dr')).toEqual(truth.extra);
            expect(reported('unconfirmed').size).toBe(0);
            // Only confirmed objects were sent: no SEND for in-sync copies, late-listed ones included.
            expect(sim.counters().sends).toBe(truth.missing.size + truth.different.size);
            for (const s of specs) {
              if (s.kind === 'young' || s.kind === 'extra') continue;
              const ref = { domain: 'baker', bucket: 'b', name: s.name };
              expect(dr.get(ref)?.etag).toBe(src.get(ref)!.etag);
            }
            for (const n of truth.extra) expect(dr.has({ domain: 'baker', bucket: 'b', name: n })).toBe(true);
          } finally {
            await client.close();
            await sim.close();
          }
        },
      ),
      { numRuns: 2 },
    );
  }, 240_000);
});
