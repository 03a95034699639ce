import { isIP } from 'node:net';
import { ClusterImpl } from './cluster.js';
import { DEFAULT_SERVER_VERSION } from './constants.js';
import type { ResolvedOptions, SimContext } from './context.js';
import { sumCounters } from './counters.js';
import { FaultRegistry } from './faults.js';
import { LinkCopies } from './link-copies.js';
import type { NodeImpl } from './node-server.js';
import { createRandom } from './random.js';
import { TransferModel, transferProblems } from './transfer.js';
import type { Counters, SimulatorOptions, SwarmSimulator } from './types.js';

/** Checks the options and applies the defaults; throws one error listing every problem. */
function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const problems: string[] = [];
  if (options.clusters.length === 0) problems.push('clusters: at least one cluster is needed');
  const names = new Set<string>();
  for (const spec of options.clusters) {
    if (!spec.name) problems.push('clusters: every cluster needs a name');
    if (names.has(spec.name)) problems.push(`clusters: duplicate name "${spec.name}"`);
    names.add(spec.name);
    if (!Number.isInteger(spec.nodes) || spec.nodes < 1) problems.push(`${spec.name}: nodes must be an integer >= 1`);
    const ids = new Set<number>();
    const timeout = spec.defaultFeedSendTimeoutSeconds;
    if (timeout !== undefined && !(timeout > 0))
      problems.push(`${spec.name}: defaultFeedSendTimeoutSeconds must be > 0`);
    for (const feed of spec.feeds ?? []) {
      if (ids.has(feed.id)) problems.push(`${spec.name}: duplicate feed id ${feed.id}`);
      ids.add(feed.id);
    }
  }
  for (const spec of options.clusters) {
    for (const feed of spec.feeds ?? []) {
      if (feed.target !== undefined && !names.has(feed.target)) {
        problems.push(`${spec.name}: feed ${feed.id} targets unknown cluster "${feed.target}"`);
      }
    }
  }
  const rate = options.redirectRate ?? 0;
  if (!(rate >= 0 && rate <= 1)) problems.push('redirectRate must be between 0 and 1');
  const keepalive = options.keepalive ?? { count: 2, intervalMs: 0 };
  if (!(keepalive.count >= 0) || !(keepalive.intervalMs >= 0))
    problems.push('keepalive: count and intervalMs must be >= 0');
  if (options.transfer) problems.push(...transferProblems(options.transfer));
  if (problems.length > 0) throw new Error(`invalid simulator options:\n  - ${problems.join('\n  - ')}`);
  const zeroLatency = options.zeroLatency ?? false;
  return {
    host: options.host ?? '127.0.0.1',
    keepalive: zeroLatency ? { count: 0, intervalMs: 0 } : keepalive,
    nonceLifetimeMs: options.nonceLifetimeMs ?? 300_000,
    acceptBasic: options.acceptBasic ?? true,
    redirectRate: rate,
    alreadyPresent: options.alreadyPresent ?? 'body',
    olderAtDestination: options.olderAtDestination ?? 'conflict',
    zeroLatency,
    server: `CAStor Cluster/${options.serverVersion ?? DEFAULT_SERVER_VERSION}`,
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;
const UNSPECIFIED = /^(0\.0\.0\.0|::|\[::\])$/;

/** Splits `host:port` / `[v6]:port`. */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address.trim());
  if (!m) return undefined;
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

class Simulator implements SwarmSimulator {
  constructor(
    readonly clusters: readonly ClusterImpl[],
    readonly faults: FaultRegistry,
    private readonly copies: LinkCopies,
  ) {}

  private get allNodes(): NodeImpl[] {
    return this.clusters.flatMap((c) => [...c.nodes]);
  }

  cluster(name: string): ClusterImpl {
    const found = this.clusters.find((c) => c.name === name);
    if (!found)
      throw new Error(
        `unknown cluster "${name}"; the simulator has ${this.clusters.map((c) => `"${c.name}"`).join(', ')}`,
      );
    return found;
  }

  counters(): Counters {
    return sumCounters(this.allNodes.map((n) => n.counters()));
  }

  resetCounters(): void {
    for (const node of this.allNodes) node.stats.reset();
  }

  async close(): Promise<void> {
    this.copies.close();
    await Promise.all(this.allNodes.map((n) => n.stop()));
  }
}

/**
 * Starts the simulated clusters: every node listens on its own port (ephemeral unless a cluster
 * sets `basePort`) and serves SCSP over raw HTTP/1.1 until {@link SwarmSimulator.close}.
 */
export async function startSimulator(options: SimulatorOptions): Promise<SwarmSimulator> {
  const resolved = resolveOptions(options);
  const byPort = new Map<number, NodeImpl>();
  const clusters = new Map<string, ClusterImpl>();
  const sim: SimContext = {
    options: resolved,
    random: createRandom(options.seed),
    faults: new FaultRegistry(),
    transfer: options.transfer ? new TransferModel(options.transfer) : undefined,
    copies: new LinkCopies(),
    clusterNamed: (name) => clusters.get(name),
    nodeAt(address) {
      const parsed = splitAddress(address);
      if (!parsed) return undefined;
      const node = byPort.get(parsed.port);
      if (!node) return undefined;
      const ours =
        parsed.host === resolved.host ||
        UNSPECIFIED.test(resolved.host) ||
        (LOOPBACK.test(parsed.host) && (LOOPBACK.test(resolved.host) || isIP(resolved.host) === 0));
      return ours ? node : undefined;
    },
  };
  for (const spec of options.clusters) clusters.set(spec.name, new ClusterImpl(sim, spec));
  const simulator = new Simulator([...clusters.values()], sim.faults, sim.copies);
  try {
    for (const cluster of clusters.values()) {
      await Promise.all(cluster.nodes.map((n) => n.start()));
      for (const node of cluster.nodes) byPort.set(node.port, node);
    }
  } catch (err) {
    await simulator.close();
    throw err;
  }
  return simulator;
}
