import { ConfigError } from '../functions/core/errors.js';
import {
  configuredRoutes,
  parseNodeAddress,
  parseRegistry,
  type Registry,
} from '../functions/core/registry/registry.js';
import { isInNetworks, parseCidr, type Cidr } from '../functions/core/transport/network.js';

/**
 * The synth-time view of the cluster registry (DESIGN.md section 2): the same validation the
 * handler runs at start, plus what the infrastructure derives from it (egress rules, secrets).
 */

/**
 * A registry document as JSON (for example `JSON.parse` of a file). Only the outline is typed
 * here; `parseRegistry` from functions/core is the one authority on the full shape.
 */
export interface RegistryDocument {
  readonly clusters: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** Prefixes of credentials references that do not name a Secrets Manager secret. */
export const NON_SECRET_CREDENTIAL_PREFIXES = ['env:', 'file:'] as const;

/** Validates a registry document; throws a `ConfigError` that lists every problem. */
export function validateRegistry(document: RegistryDocument): Registry {
  return parseRegistry(document);
}

/**
 * A registry document parsed once: the registry when it is valid, else its problems. The
 * pipeline checks its `registry` prop once and hands this to the constructs that need it.
 */
export interface CheckedRegistry {
  /** The document as given (what the function receives, inline or in a parameter). */
  readonly document: RegistryDocument;
  /** The parsed registry; undefined when the document has problems. */
  readonly registry: Registry | undefined;
  /** Every problem, each prefixed `registry: ` (empty when valid). */
  readonly problems: readonly string[];
}

/** Parses a registry document once, keeping its problems instead of throwing them. */
export function checkRegistry(document: RegistryDocument): CheckedRegistry {
  try {
    return { document, registry: parseRegistry(document), problems: [] };
  } catch (err) {
    if (err instanceof ConfigError)
      return { document, registry: undefined, problems: err.problems.map((p) => `registry: ${p}`) };
    throw err;
  }
}

/** Problems of a registry document as strings (empty when valid). */
export function registryProblems(document: RegistryDocument): string[] {
  return [...checkRegistry(document).problems];
}

/** True when a credentials reference names a Secrets Manager secret (name or ARN). */
export function isSecretsManagerReference(credentials: string): boolean {
  return !NON_SECRET_CREDENTIAL_PREFIXES.some((p) => credentials.startsWith(p));
}

/** The distinct Secrets Manager references of the registry, in cluster order. */
export function secretReferences(registry: Registry): string[] {
  const refs = Object.values(registry.clusters)
    .map((c) => c.credentials)
    .filter(isSecretsManagerReference);
  return [...new Set(refs)];
}

/** One allowed destination of the function's traffic. */
export interface ClusterEgressRule {
  /** Registry key of the cluster. */
  readonly cluster: string;
  /** Canonical CIDR (`10.0.0.0/24`, `10.0.0.12/32`, `fd00:0:0:0:0:0:0:0/8`). */
  readonly cidr: string;
  readonly family: 4 | 6;
  readonly port: number;
  /** Why the function talks there: SENDs on source nodes, or HEADs on a verified destination. */
  readonly purpose: 'send' | 'verify';
}

function bigIntToAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':');
}

/** The CIDR in canonical form: host bits cleared, prefix length always written. */
export function canonicalCidr(cidr: Cidr): string {
  return `${bigIntToAddress(cidr.family, cidr.base)}/${cidr.bits}`;
}

/**
 * Where the function must be able to connect, derived from the registry:
 * - every cluster with `nodes` (a possible SEND source): its `networks` (which bound redirects
 *   on other hosts; by default the nodes' own hosts) on the ports its nodes listen on and its `ports`;
 * - every destination of a route with `verify` (the handler HEADs the object there after a 201):
 *   its `networks` if listed, else the host of its `target`, on the target's port.
 */
export function clusterEgressRules(registry: Registry): ClusterEgressRule[] {
  const rules = new Map<string, ClusterEgressRule>();
  const add = (cluster: string, cidr: Cidr, port: number, purpose: ClusterEgressRule['purpose']) => {
    const text = canonicalCidr(cidr);
    const key = `${text}|${port}`;
    if (!rules.has(key)) rules.set(key, { cluster, cidr: text, family: cidr.family, port, purpose });
  };

  for (const cluster of Object.values(registry.clusters)) {
    // The nodes' ports, and the registry's extra redirect `ports` (only for clusters with nodes).
    const ports = cluster.nodes.length ? [...new Set([...cluster.nodes.map((n) => n.port), ...cluster.ports])] : [];
    for (const network of cluster.networks) for (const port of ports) add(cluster.key, network, port, 'send');
  }

  const verified = configuredRoutes(registry)
    .filter((r) => r.verify)
    .map((r) => r.to);
  for (const key of new Set(verified)) {
    const cluster = registry.clusters[key];
    if (!cluster?.target) continue;
    const target = parseNodeAddress(cluster.target);
    const networks = cluster.networks.length > 0 ? cluster.networks : safeCidr(target.host);
    for (const network of networks) add(cluster.key, network, target.port, 'verify');
  }
  return [...rules.values()];
}

function safeCidr(host: string): Cidr[] {
  try {
    return [parseCidr(host)];
  } catch {
    return [];
  }
}

/**
 * Problems that `parseRegistry` accepts but that break the function's network fence: a node
 * outside its cluster's listed `networks` (the security group would block it), or a verified
 * destination whose target is a host name with no `networks` to open egress to.
 */
export function egressProblems(registry: Registry): string[] {
  const problems: string[] = [];
  for (const cluster of Object.values(registry.clusters)) {
    for (const node of cluster.nodes) {
      if (parseCidrOrNull(node.host) && !isInNetworks(node.host, cluster.networks)) {
        problems.push(
          `registry: clusters.${cluster.key}.nodes: ${node.hostPort} is outside the cluster's networks, so egress to it would be blocked`,
        );
      }
    }
  }
  const verified = configuredRoutes(registry).filter((r) => r.verify);
  for (const key of new Set(verified.map((r) => r.to))) {
    const cluster = registry.clusters[key];
    if (cluster?.target && cluster.networks.length === 0 && !parseCidrOrNull(parseNodeAddress(cluster.target).host)) {
      problems.push(
        `registry: clusters.${key}: verified destination target "${cluster.target}" is a host name; list "networks" so egress can be opened`,
      );
    }
  }
  return problems;
}

function parseCidrOrNull(host: string): Cidr | null {
  try {
    return parseCidr(host);
  } catch {
    return null;
  }
}
