import { isInNetworks } from './network.js';
import { parseNodeAddress, type ClusterConfig, type NodeAddress } from './registry.js';

/**
 * Which nodes of a cluster a request may go to (and carry admin credentials to): the configured
 * nodes, a message's node hint when it names an allowed node, and redirect targets inside the
 * cluster. Pure: no I/O, no state.
 */

/** True when `node` is one of the cluster's configured nodes (host and port). */
export function isConfiguredNode(cluster: ClusterConfig, node: NodeAddress): boolean {
  return cluster.nodes.some((n) => n.host === node.host && n.port === node.port);
}

/** Redirects and hints may lead only to configured nodes or into the cluster's networks. */
export function isAllowedNode(cluster: ClusterConfig, node: NodeAddress): boolean {
  return isConfiguredNode(cluster, node) || isInNetworks(node.host, cluster.networks);
}

/** The node a hint names, or null when it is not one the cluster allows. */
export function resolveHint(cluster: ClusterConfig, hint: string): NodeAddress | null {
  let hinted: NodeAddress;
  try {
    const first = cluster.nodes[0];
    hinted = parseNodeAddress(first?.protocol === 'https:' ? `https://${hint}` : hint);
  } catch {
    return null;
  }
  return isAllowedNode(cluster, hinted) ? hinted : null;
}

/**
 * Nodes to try, in order: the hint (when allowed), then the configured nodes starting at
 * `start` (round-robin).
 */
export function nodeOrder(cluster: ClusterConfig, hint: string | undefined, start: number): { nodes: NodeAddress[]; hintIgnored: boolean } {
  const s = cluster.nodes.length ? start % cluster.nodes.length : 0;
  const nodes = [...cluster.nodes.slice(s), ...cluster.nodes.slice(0, s)];
  if (!hint) return { nodes, hintIgnored: false };
  const hinted = resolveHint(cluster, hint);
  if (!hinted) return { nodes, hintIgnored: true };
  return { nodes: [hinted, ...nodes.filter((n) => n.origin !== hinted.origin)], hintIgnored: false };
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

export type RedirectDecision = { readonly address: NodeAddress; readonly target: string } | { readonly refused: string };

/**
 * Decides whether a redirect from `current` to `location` may be followed. Never out of the
 * cluster, nor from https down to plain http: the request carries admin credentials.
 */
export function acceptRedirect(cluster: ClusterConfig, current: NodeAddress, location: string): RedirectDecision {
  const next = parseLocation(location, current);
  const downgrade = next !== null && current.protocol === 'https:' && next.address.protocol !== 'https:';
  if (!next || downgrade || !isAllowedNode(cluster, next.address)) {
    return { refused: `redirect to ${next?.address.hostPort ?? 'an unparsable Location'} refused` };
  }
  return next;
}
