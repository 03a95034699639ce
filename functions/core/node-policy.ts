import { isInNetworks } from './network.js';
import { parseNodeAddress, type ClusterConfig, type NodeAddress } from './registry.js';

/**
 * Which nodes of a cluster a request may go to (and carry admin credentials to): the configured
 * nodes (a message's node hint only when it names one of them), and redirect targets on the
 * cluster's networks, on the nodes' ports or the registry's `ports`. Pure: no I/O, no state.
 */

/** The configured node at the same host and port as `node`, if any (with its own scheme). */
export function configuredNode(cluster: ClusterConfig, node: Pick<NodeAddress, 'host' | 'port'>): NodeAddress | null {
  return cluster.nodes.find((n) => n.host === node.host && n.port === node.port) ?? null;
}

/** Ports a redirect may reach on hosts of the cluster's networks: the nodes' own and the registry's `ports`. */
export function redirectPorts(cluster: ClusterConfig): ReadonlySet<number> {
  return new Set([...cluster.nodes.map((n) => n.port), ...cluster.ports]);
}

/**
 * True when a request (carrying admin credentials) may go to `node`: a configured node, or a host
 * of the cluster's networks on a port of `redirectPorts`.
 */
export function isAllowedNode(cluster: ClusterConfig, node: NodeAddress): boolean {
  return (
    configuredNode(cluster, node) !== null ||
    (redirectPorts(cluster).has(node.port) && isInNetworks(node.host, cluster.networks))
  );
}

/**
 * The node a message's hint names, or null. A hint counts only when it is a configured node
 * (host and port); the scheme is that node's, never guessed.
 */
export function resolveHint(cluster: ClusterConfig, hint: string): NodeAddress | null {
  try {
    return configuredNode(cluster, parseNodeAddress(`http://${hint}`));
  } catch {
    return null;
  }
}

/**
 * Nodes to try, in order: the hint (when it is a configured node), then the configured nodes
 * starting at `start` (round-robin).
 */
export function nodeOrder(
  cluster: ClusterConfig,
  hint: string | undefined,
  start: number,
): { nodes: NodeAddress[]; hintIgnored: boolean } {
  const s = cluster.nodes.length ? start % cluster.nodes.length : 0;
  const nodes = [...cluster.nodes.slice(s), ...cluster.nodes.slice(0, s)];
  if (!hint) return { nodes, hintIgnored: false };
  const hinted = resolveHint(cluster, hint);
  if (!hinted) return { nodes, hintIgnored: true };
  return { nodes: [hinted, ...nodes.filter((n) => n !== hinted)], hintIgnored: false };
}

/**
 * Splits a Location without re-encoding its path: the auth= ticket must stay as given. A
 * relative Location (`/uuid?admin&auth=...`) stays on the current node.
 */
export function parseLocation(location: string, current: NodeAddress): { address: NodeAddress; target: string } | null {
  const text = location.trim();
  if (text.startsWith('/') && !text.startsWith('//')) return { address: current, target: text.replace(/#.*$/, '') };
  const m = /^(https?):\/\/([^/?#]+)([^#]*)/i.exec(text);
  if (!m?.[1] || !m[2]) return null;
  try {
    const address = parseNodeAddress(`${m[1].toLowerCase()}://${m[2]}`);
    const rest = m[3] || '/';
    return { address, target: rest.startsWith('/') ? rest : `/${rest}` };
  } catch {
    return null;
  }
}

export type RedirectDecision =
  { readonly address: NodeAddress; readonly target: string } | { readonly refused: string };

/**
 * Decides whether a redirect from `current` to `location` may be followed. Never out of the
 * cluster, nor from https down to plain http: the request carries admin credentials.
 */
export function acceptRedirect(cluster: ClusterConfig, current: NodeAddress, location: string): RedirectDecision {
  const parsed = parseLocation(location, current);
  if (!parsed) return { refused: 'redirect to an unparsable Location refused' };
  // A configured node is reached with its configured scheme, whatever the Location says.
  const next = { address: configuredNode(cluster, parsed.address) ?? parsed.address, target: parsed.target };
  const downgrade = current.protocol === 'https:' && next.address.protocol !== 'https:';
  if (downgrade || !isAllowedNode(cluster, next.address))
    return { refused: `redirect to ${next.address.hostPort} refused` };
  return next;
}
