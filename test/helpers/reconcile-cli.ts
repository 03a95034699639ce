import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../simulator/index.js';
import { scratchDir } from './scratch.js';
import { startSimulatorPair } from './simulator-pair.js';
import { simulatorRegistryDocument } from './swarm.js';

/** The environment the registry's `env:SWARM_TEST_ADMIN` credentials come from. */
export const RECONCILE_ENV = {
  SWARM_TEST_ADMIN: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }),
};

/** Creation time of an object old enough to be out of the grace period. */
export const HOUR_AGO = (): Date => new Date(Date.now() - 3600_000);

/**
 * A simulator with a source cluster `baker` (two nodes) and a DR cluster `dr`, a scratch folder,
 * and a registry file in it (`primary` -> `dr`, the simulator's admin from RECONCILE_ENV): what
 * `swarm-send reconcile` and `check` run against. `drNodes` and `drCredentials` (a reference)
 * override the DR cluster's.
 */
export async function startReconcilePair(
  prefix: string,
  o: { drNodes?: readonly string[]; drCredentials?: string } = {},
): Promise<{ sim: SwarmSimulator; dir: string; registry: string }> {
  const sim = await startSimulatorPair();
  const dir = scratchDir(prefix);
  const registry = join(dir, 'registry.json');
  const credentials = { source: 'env:SWARM_TEST_ADMIN', dr: o.drCredentials ?? 'env:SWARM_TEST_ADMIN' };
  writeFileSync(registry, JSON.stringify(simulatorRegistryDocument(sim, credentials, o.drNodes)));
  return { sim, dir, registry };
}

/** Puts a named object on the source and, unless `missing`, the same version on DR. */
export function putPair(
  sim: SwarmSimulator,
  bucket: string,
  name: string,
  o: { missing?: boolean; body?: string; created?: Date } = {},
): void {
  const created = o.created ?? HOUR_AGO();
  const obj = sim.cluster('baker').put({ bucket, name, body: o.body ?? `body of ${name}`, created });
  if (!o.missing) sim.cluster('dr').put({ ...obj, domain: 'baker', bucket, name, created });
}
