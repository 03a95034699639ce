/**
 * The reconcile benchmark's simulator process: the project's simulator (zero latency) with a
 * source cluster `baker` and a DR cluster `dr`, one node each, seeded over IPC with up to
 * millions of named objects in one bucket. Bodies come from a small shared pool (sizes 1 to 16
 * KiB), so an object costs the store its record and index entry, not its bytes. Runs in its own
 * process so the reconcile runner's RSS and CPU are its own.
 *
 * IPC: `{ type: 'seed', count, missingEvery, extraEvery }` -> `{ type: 'seeded', ... }`;
 * `{ type: 'usage' }` -> `{ type: 'usage', cpuUs }` (this process's CPU so far, user + system);
 * `{ type: 'stop' }` ends it. Replies `{ type: 'ready', source, dr }` first.
 */
import { startSimulator } from '../simulator/index.js';
import type { ObjectStore } from '../simulator/store.js';
import { ADMIN } from './harness.js';
import { BENCH_BUCKET, BENCH_DOMAIN, benchName, type SeedRequest } from './reconcile-objects.js';

const POOL = Array.from({ length: 16 }, (_v, k) => new Uint8Array((k + 1) * 1024).fill(65 + k));
const CREATED = new Date(Date.now() - 24 * 3600_000);

async function main(): Promise<void> {
  const sim = await startSimulator({
    zeroLatency: true,
    clusters: [
      { name: 'baker', nodes: 1, admins: { [ADMIN.username]: ADMIN.password } },
      { name: 'dr', nodes: 1, admins: { [ADMIN.username]: ADMIN.password } },
    ],
  });
  const stores = (['baker', 'dr'] as const).map((n) => (sim.cluster(n) as unknown as { store: ObjectStore }).store);
  process.on('message', (m: SeedRequest | { type: 'stop' } | { type: 'usage' }) => {
    if (m.type === 'stop') {
      void sim.close().then(() => process.exit(0));
      return;
    }
    if (m.type === 'usage') {
      const cpu = process.cpuUsage();
      process.send!({ type: 'usage', cpuUs: cpu.user + cpu.system });
      return;
    }
    const started = Date.now();
    let missing = 0;
    for (let i = 0; i < m.count; i++) {
      const obj = {
        domain: BENCH_DOMAIN,
        bucket: BENCH_BUCKET,
        name: benchName(i),
        body: POOL[i % POOL.length]!,
        created: CREATED,
      };
      const stored = sim.cluster('baker').put(obj);
      if (m.missingEvery > 0 && i % m.missingEvery === m.missingEvery - 1) missing++;
      else stores[1]!.insert(stored);
    }
    // Sort both indexes now (the first listing page would), outside the measured window.
    for (const s of stores) s.index.page({ kind: 'named', domain: BENCH_DOMAIN, bucket: BENCH_BUCKET }, '', 1);
    // And collect the seeding's garbage now (with --expose-gc), so the walk does not pay for it.
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({
      type: 'seeded',
      count: m.count,
      missing,
      seedMs: Date.now() - started,
      rssBytes: process.memoryUsage.rss(),
    });
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', source: [...sim.cluster('baker').addresses], dr: [...sim.cluster('dr').addresses] });
}

void main();
