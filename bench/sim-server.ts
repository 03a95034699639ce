/**
 * The benchmark's simulator process: the project's Swarm simulator (zero latency: no keep-alive
 * chunks, no delays) with a source cluster `baker` of two nodes and a DR cluster `dr`, plus a
 * tiny control endpoint on loopback for seeding objects and reading counters. It runs in its
 * own process so the client processes measure their own CPU only. Started by bench.ts with an
 * IPC channel: it sends one `ready` message and stops on `{ type: 'stop' }` or when its parent
 * goes away.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startSimulator, type SwarmSimulator } from '../simulator/index.js';
import { ADMIN, objectUuid, type SimReady, type SimSnapshot } from './harness.js';

/** Source objects are small: the SEND path, not the copy, is what is measured. */
const BODY = 'swarm-send benchmark object\n';

type Route = (sim: SwarmSimulator, body: Record<string, number>) => unknown;

function range(body: Record<string, number>): { prefix: number; count: number } {
  return { prefix: Number(body.prefix ?? 0), count: Number(body.count ?? 0) };
}

const ROUTES: Record<string, Route> = {
  '/snapshot': (sim): SimSnapshot => ({ ...sim.counters(), cpuUs: cpuUs(), rssBytes: process.memoryUsage.rss() }),
  '/seed': (sim, body) => {
    const { prefix, count } = range(body);
    const source = sim.cluster('baker');
    for (let i = 0; i < count; i++)
      source.put({ uuid: objectUuid(prefix, i), alias: true, body: BODY, contentType: 'text/plain' });
    return { seeded: count };
  },
  '/dr-count': (sim, body) => {
    const { prefix, count } = range(body);
    const dr = sim.cluster('dr');
    let present = 0;
    for (let i = 0; i < count; i++) if (dr.has({ uuid: objectUuid(prefix, i) })) present++;
    return { present };
  },
  '/purge': (sim, body) => {
    const { prefix, count } = range(body);
    let deleted = 0;
    for (const cluster of sim.clusters) {
      for (let i = 0; i < count; i++) if (cluster.delete({ uuid: objectUuid(prefix, i) })) deleted++;
    }
    return { deleted };
  },
};

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function readJson(req: IncomingMessage): Promise<Record<string, number>> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk as string;
  return text ? (JSON.parse(text) as Record<string, number>) : {};
}

function serveControl(sim: SwarmSimulator) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = ROUTES[req.url ?? ''];
    try {
      if (!route) throw new Error(`no route ${req.url}`);
      const out = JSON.stringify(route(sim, await readJson(req)));
      res.writeHead(200, { 'content-type': 'application/json' }).end(out);
    } catch (err) {
      res.writeHead(500).end((err as Error).message);
    }
  };
}

async function main(): Promise<void> {
  const admins = { [ADMIN.username]: ADMIN.password };
  const sim = await startSimulator({
    zeroLatency: true,
    seed: 6,
    clusters: [
      { name: 'baker', nodes: 2, admins },
      { name: 'dr', nodes: 1, admins },
    ],
  });
  const control = createServer(serveControl(sim));
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  if (!address || typeof address !== 'object') throw new Error('control endpoint has no port');

  const stop = async (): Promise<void> => {
    control.close();
    await sim.close();
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => void (m.type === 'stop' && stop()));
  process.on('disconnect', () => void stop());

  const ready: SimReady = {
    type: 'ready',
    control: `http://127.0.0.1:${address.port}`,
    source: sim.cluster('baker').addresses,
    dr: sim.cluster('dr').addresses,
  };
  process.send?.(ready);
}

await main();
