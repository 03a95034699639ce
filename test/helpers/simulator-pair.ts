import {
  startSimulator,
  type ClusterSpec,
  type SimCluster,
  type SimulatorOptions,
  type SwarmSimulator,
} from '../../simulator/index.js';

/** A running source ("baker") and DR ("dr") pair, with the addresses tests use most. */
export interface Pair {
  sim: SwarmSimulator;
  source: SimCluster;
  dr: SimCluster;
  /** First source node. */
  src: string;
  /** The DR node. */
  drNode: string;
  /** The legacy SEND headers naming the DR cluster. */
  legacy: Record<string, string>;
}

/** Starts a simulator of two clusters: source "baker" (2 nodes unless overridden) and DR "dr" (1 node). */
export function startSimulatorPair(
  options: Omit<Partial<SimulatorOptions>, 'clusters'> = {},
  sourceSpec: Partial<ClusterSpec> = {},
  drSpec: Partial<ClusterSpec> = {},
): Promise<SwarmSimulator> {
  return startSimulator({
    ...options,
    clusters: [
      { name: 'baker', nodes: 2, ...sourceSpec },
      { name: 'dr', nodes: 1, ...drSpec },
    ],
  });
}

/** `startSimulatorPair`, with the addresses and legacy SEND headers the simulator's suites use. */
export async function startPair(
  options: Omit<Partial<SimulatorOptions>, 'clusters'> = {},
  sourceSpec: Partial<ClusterSpec> = {},
  drSpec: Partial<ClusterSpec> = {},
): Promise<Pair> {
  const sim = await startSimulatorPair(options, sourceSpec, drSpec);
  const source = sim.cluster('baker');
  const dr = sim.cluster('dr');
  const drNode = dr.addresses[0] ?? '';
  return {
    sim,
    source,
    dr,
    src: source.addresses[0] ?? '',
    drNode,
    legacy: { 'Castor-System-Cluster': 'dr', 'Castor-System-Target': drNode },
  };
}
