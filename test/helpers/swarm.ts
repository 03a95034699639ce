import type { Credentials } from '../../functions/core/digest-auth.js';
import type { ObjectRef } from '../../functions/core/message.js';
import { parseRegistry, type ClusterConfig } from '../../functions/core/registry.js';
import type { ReconcileRoute } from '../../functions/reconcile/ports.js';
import {
  SendClient,
  type SendClientOptions,
  type SendInput,
  type SendResult,
} from '../../functions/core/send-client.js';
import { pairRegistry } from '../../local/pair-registry.js';
import {
  SIM_DEFAULT_ADMIN,
  startSimulator,
  type ClusterSpec,
  type SimulatorOptions,
  type SwarmSimulator,
} from '../../simulator/index.js';

export const ADMIN: Credentials = { username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password };

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
  const sim = await startSimulator({
    ...options.sim,
    clusters: [
      { name: 'baker', nodes: 2, ...options.source },
      { name: 'dr', nodes: 1, ...options.dr },
    ],
  });
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
    send: (object, extra = {}) => client.send({ source, destination: dr, credentials: ADMIN, object, ...extra }),
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
