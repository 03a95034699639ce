import { writeFileSync } from 'node:fs';
import type { Credentials } from '../../functions/core/transport/digest-auth.js';
import type { ObjectRef } from '../../functions/core/message/message.js';
import { parseRegistry, type ClusterConfig } from '../../functions/core/registry/registry.js';
import { SendClient, type SendClientOptions, type SendInput } from '../../functions/core/send/send-client.js';
import { type SendResult } from '../../functions/core/outcome/outcome.js';
import { sendWithDecision } from '../../functions/core/outcome/decide.js';
import type { ReconcileRoute } from '../../functions/reconcile/ports.js';
import {
  pairRegistry,
  pairRegistryDocument,
  type PairRegistryOptions,
  type PairRegistryDocument,
} from '../../local/pair-registry.js';
import {
  SIM_DEFAULT_ADMIN,
  type ClusterSpec,
  type SimulatorOptions,
  type SwarmSimulator,
} from '../../simulator/index.js';
import { startSimulatorPair } from './simulator-pair.js';

export const ADMIN: Credentials = { username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password };

/**
 * The registry document of simulator `sim`'s pair (`pairRegistryDocument`): cluster `baker` as
 * `primary`, `dr` as `dr` (its nodes `drNodes`, the first the SEND target), the default route
 * between them; `credentials` one reference for both clusters or each its own.
 */
export function simulatorRegistryDocument(
  sim: SwarmSimulator,
  credentials: PairRegistryOptions['credentials'],
  drNodes: readonly string[] = sim.cluster('dr').addresses,
): PairRegistryDocument {
  return pairRegistryDocument({ source: sim.cluster('baker').addresses, dr: drNodes, credentials });
}

/** Writes `simulatorRegistryDocument(sim, credentials)` to `path` as JSON (for --registry); returns `path`. */
export function writeSimulatorRegistry(
  path: string,
  sim: SwarmSimulator,
  credentials: PairRegistryOptions['credentials'],
): string {
  writeFileSync(path, JSON.stringify(simulatorRegistryDocument(sim, credentials)));
  return path;
}

/**
 * A source cluster `p` on `nodes` (with `extra` registry fields: networks, ports...) and a DR
 * cluster `dr` at `drTarget` that nobody serves: the route of a client test against scripted nodes.
 */
export function scriptedRoute(
  nodes: readonly string[],
  o: { extra?: Record<string, unknown>; drTarget?: string } = {},
): { source: ClusterConfig; dr: ClusterConfig } {
  const registry = parseRegistry({
    clusters: {
      p: { name: 'p', nodes: [...nodes], credentials: 'x', ...o.extra },
      d: { name: 'dr', target: o.drTarget ?? '127.0.0.1:9', credentials: 'y' },
    },
  });
  return { source: registry.clusters.p!, dr: registry.clusters.d! };
}

/** A running source ("baker") / DR ("dr") simulator pair, its registry view and a client. */
export interface SwarmPair {
  readonly sim: SwarmSimulator;
  readonly source: ClusterConfig;
  readonly dr: ClusterConfig;
  readonly client: SendClient;
  send(object: ObjectRef, extra?: Partial<SendInput>): Promise<SendResult>;
  close(): Promise<void>;
}

export async function startSwarmPair(
  options: {
    sim?: Omit<Partial<SimulatorOptions>, 'clusters'>;
    source?: Partial<ClusterSpec>;
    dr?: Partial<ClusterSpec>;
    client?: SendClientOptions;
    networks?: string[];
  } = {},
): Promise<SwarmPair> {
  const sim = await startSimulatorPair(options.sim, options.source, options.dr);
  const registry = pairRegistry({
    source: sim.cluster('baker').addresses,
    dr: sim.cluster('dr').addresses,
    credentials: 'test',
    ...(options.networks && { networks: options.networks }),
  });
  const client = new SendClient(options.client);
  const source = registry.clusters.primary!;
  const dr = registry.clusters.dr!;
  return {
    sim,
    source,
    dr,
    client,
    send: (object, extra = {}) =>
      sendWithDecision(client, { source, destination: dr, credentials: ADMIN, object, ...extra }),
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

/** The reconcile route of a simulated pair: both clusters as the default admin. */
export function pairRoute(pair: Pick<SwarmPair, 'source' | 'dr'>, replicationFeeds: number[] = []): ReconcileRoute {
  return {
    source: pair.source,
    dr: pair.dr,
    sourceCredentials: ADMIN,
    drCredentials: ADMIN,
    from: 'primary',
    to: 'dr',
    replicationFeeds,
  };
}
