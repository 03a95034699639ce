import '../message/zod-locale.js';
import * as z from 'zod/mini';
import { ConfigError, InvalidMessageError } from '../errors.js';
import { isIP } from 'node:net';
import { parseCidr, type Cidr } from '../transport/network.js';
import { deleteOptionsShape, type DeleteOptions } from './route-deletes.js';
import {
  largeObjectFields,
  largeObjectPolicy,
  largeObjectProblems,
  type LargeObjectPolicy,
} from './route-large-objects.js';
import {
  changedObjectFields,
  changedObjectOptions,
  changedObjectProblems,
  type ChangedObjectOptions,
} from './route-options.js';

/**
 * The cluster registry (DESIGN.md section 2): where SENDs go and with which credentials. It comes
 * only from configuration, never from a message.
 */

const ADDRESS = /^(?:https?:\/\/)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;
const KEY = /^[A-Za-z0-9_.-]{1,64}$/;

const credentialsRef = z.string().check(
  z.minLength(1),
  z.refine((s: string) => !/[\r\n\0]/.test(s), 'must not contain control characters'),
);

const clusterSchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.regex(/^[^\s\0]+$/, 'must be the cluster.name setting, without spaces')),
  nodes: z.optional(
    z.array(z.string().check(z.regex(ADDRESS, 'must be IP:port or http(s)://host:port'))).check(z.minLength(1)),
  ),
  target: z.optional(z.string().check(z.regex(ADDRESS, 'must be IP:port of a destination node or reverse proxy'))),
  networks: z.optional(z.array(z.string())),
  credentials: credentialsRef,
  /** PEM bundle of the CA that signed the nodes' certificates (inline), for https:// nodes. */
  ca: z.optional(z.string()),
  /** Path of a PEM CA bundle; read by the configuration loader, never by the core. */
  caFile: z.optional(z.string()),
  /** More ports (besides the nodes' own) that redirects may reach on hosts of `networks`. */
  ports: z.optional(z.array(z.int().check(z.minimum(1), z.maximum(65535)))),
  /** Answer a Basic challenge (the password itself) on https nodes; never over http. @default false */
  allowBasic: z.optional(z.boolean()),
});

const routeSchema = z.strictObject({
  from: z.string().check(z.regex(KEY)),
  /** One DR cluster, or several (fan-out, docs/fan-out.md): the route stands for one route per target. */
  to: z.union([
    z.string().check(z.regex(KEY)),
    z.array(z.string().check(z.regex(KEY))).check(
      z.minLength(1),
      z.maxLength(16),
      z.refine((keys: string[]) => new Set(keys).size === keys.length, 'must not name a target twice'),
    ),
  ]),
  /** After a 201 or 409, HEAD the object on the destination and compare ETag / length / version. */
  verify: z.optional(z.boolean()),
  /**
   * Ids of the source cluster's replication feeds that copy to `to`. A feed SEND counts as
   * replicated only when one of these reports status 0 (a search or backup feed proves nothing).
   */
  replicationFeeds: z.optional(
    z.array(z.int().check(z.minimum(0), z.maximum(1_000_000))).check(z.minLength(1), z.maxLength(8)),
  ),
  ...deleteOptionsShape,
  ...changedObjectFields,
  ...largeObjectFields,
});

const registrySchema = z.strictObject({
  clusters: z.record(z.string().check(z.regex(KEY, 'cluster keys are 1-64 of [A-Za-z0-9_.-]')), clusterSchema),
  defaultRoute: z.optional(routeSchema),
  routes: z.optional(z.array(routeSchema)),
});

export interface NodeAddress {
  /** `http:` or `https:`. */
  readonly protocol: 'http:' | 'https:';
  /** Host name or IP as written (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** `host:port` (IPv6 in brackets), the form used in logs and outcome records. */
  readonly hostPort: string;
  /** `protocol//host:port`, the origin undici connects to. */
  readonly origin: string;
}

export interface ClusterConfig {
  readonly key: string;
  readonly name: string;
  readonly nodes: readonly NodeAddress[];
  readonly target: string | null;
  readonly networks: readonly Cidr[];
  readonly credentials: string;
  readonly ca: string | null;
  readonly caFile: string | null;
  /** Ports listed in the registry that redirects may reach inside `networks` (the nodes' own always may). */
  readonly ports: readonly number[];
  /** Basic authentication allowed on this cluster's https nodes. */
  readonly allowBasic: boolean;
}

export interface RouteConfig extends DeleteOptions, ChangedObjectOptions {
  readonly from: string;
  readonly to: string;
  readonly verify: boolean;
  /** Replication feed ids of this route (empty: the route cannot prove a feed SEND). */
  readonly replicationFeeds: readonly number[];
  /** How objects too large for an invocation travel (docs/large-objects.md); null: no policy. */
  readonly largeObjects: LargeObjectPolicy | null;
}

export interface Registry {
  readonly clusters: Readonly<Record<string, ClusterConfig>>;
  /** The default route; with several targets, the one to its first target (a single-DR caller's default). */
  readonly defaultRoute: RouteConfig | null;
  /**
   * One route per target of the default route, in the order written: where a message that names
   * no `to` goes (several: fan-out). Absent means `[defaultRoute]` (a registry built by hand).
   */
  readonly defaultRoutes?: readonly RouteConfig[];
  /** Every configured route, one per target (a route written with several targets is several here). */
  readonly routes: readonly RouteConfig[];
}

/** Parses `IP:port`, `host:port` or `http(s)://host:port` (default port 80 / 443). */
export function parseNodeAddress(text: string): NodeAddress {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  const url = new URL(withScheme);
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { protocol, host, port, hostPort, origin: `${protocol}//${hostPort}` };
}

/** True for a node address as the registry takes it: `IP:port`, `host:port` or `http(s)://host:port`. */
export function isNodeAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/**
 * The networks of a cluster that names none: exactly the IP addresses among `hosts` (its nodes
 * and target). Host names need no entry: a configured node is always allowed, by name.
 */
export function defaultNetworks(hosts: readonly string[]): Cidr[] {
  return hosts.filter((host) => isIP(host)).map(parseCidr);
}

function formatIssues(error: z.core.$ZodError): string[] {
  return error.issues.flatMap((i) => {
    const where = i.path.length ? i.path.join('.') : '(root)';
    // A bad record key carries its rule's own message one level down ("Invalid key in record" says nothing).
    const messages = i.code === 'invalid_key' ? i.issues.map((n) => n.message) : [i.message];
    return messages.map((m) => `${where}: ${m}`);
  });
}

/** A route of the document with its defaults filled. */
/** A route of the document, for one of its targets, with its defaults filled. */
const routeConfig = (r: z.infer<typeof routeSchema>, to: string): RouteConfig => ({
  ...r,
  to,
  verify: r.verify ?? false,
  replicationFeeds: r.replicationFeeds ?? [],
  ...changedObjectOptions(r),
  largeObjects: largeObjectPolicy(r.largeObjects),
});

/**
 * Validates a registry document and returns it in resolved form. Throws one `ConfigError` that
 * lists every problem, so an operator fixes the file in one go.
 */
export function parseRegistry(input: unknown): Registry {
  const parsed = registrySchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error), 'cluster registry');
  const problems: string[] = [];
  const clusters: Record<string, ClusterConfig> = {};

  for (const [key, c] of Object.entries(parsed.data.clusters)) {
    const nodes = (c.nodes ?? []).map(parseNodeAddress);
    const networks: Cidr[] = [];
    for (const n of c.networks ?? []) {
      try {
        networks.push(parseCidr(n));
      } catch {
        problems.push(`clusters.${key}.networks: "${n}" is not an IPv4/IPv6 CIDR`);
      }
    }
    if (!c.networks)
      networks.push(
        ...defaultNetworks([...nodes.map((n) => n.host), ...(c.target ? [parseNodeAddress(c.target).host] : [])]),
      );
    if (c.target !== undefined && /^https?:/i.test(c.target)) {
      problems.push(`clusters.${key}.target: Castor-System-Target is IP:port, without a scheme`);
    }
    if (c.ca !== undefined && c.caFile !== undefined) problems.push(`clusters.${key}: give ca or caFile, not both`);
    clusters[key] = {
      key,
      name: c.name,
      nodes,
      target: c.target ?? null,
      networks,
      credentials: c.credentials,
      ca: c.ca ?? null,
      caFile: c.caFile ?? null,
      ports: [...new Set(c.ports ?? [])],
      allowBasic: c.allowBasic ?? false,
    };
  }

  // A route with several targets is one route per target, each with the route's options.
  const routeConfigs = (r: z.infer<typeof routeSchema>): RouteConfig[] =>
    (typeof r.to === 'string' ? [r.to] : r.to).map((to) => routeConfig(r, to));
  const written = (parsed.data.routes ?? []).map((r, i) => [`routes.${i}`, routeConfigs(r)] as const);
  const routes = written.flatMap(([, rs]) => rs);
  const defaultRoutes = parsed.data.defaultRoute ? routeConfigs(parsed.data.defaultRoute) : [];
  const defaultRoute = defaultRoutes[0] ?? null;
  for (const [i, r] of [
    ...written.flatMap(([i, rs]) => rs.map((r) => [i, r] as const)),
    ...defaultRoutes.map((r) => ['defaultRoute', r] as const),
  ]) {
    const from = clusters[r.from];
    const to = clusters[r.to];
    if (!from) problems.push(`${i}.from: no cluster "${r.from}"`);
    else if (from.nodes.length === 0) problems.push(`${i}.from: cluster "${r.from}" has no nodes to SEND on`);
    if (!to) problems.push(`${i}.to: no cluster "${r.to}"`);
    else if (!to.target) problems.push(`${i}.to: cluster "${r.to}" has no target (IP:port for Castor-System-Target)`);
    if (r.from === r.to) problems.push(`${i}: from and to are the same cluster`);
    problems.push(...changedObjectProblems(i, r));
    problems.push(...largeObjectProblems(i, r));
  }
  if (problems.length) throw new ConfigError(problems, 'cluster registry');
  return { clusters, defaultRoute, defaultRoutes, routes };
}

export interface ResolvedRoute extends DeleteOptions, ChangedObjectOptions {
  /** `from->to`, as errors and logs name the route. */
  readonly name: string;
  readonly source: ClusterConfig;
  readonly destination: ClusterConfig;
  readonly verify: boolean;
  readonly replicationFeeds: readonly number[];
  /** How objects too large for an invocation travel (docs/large-objects.md); null: no policy. */
  readonly largeObjects: LargeObjectPolicy | null;
}

const describeRoute = (r: RouteConfig): string => `${r.from}->${r.to}`;

/** One route per target of the default route (`defaultRoutes`, else `defaultRoute` alone). */
export function defaultRoutesOf(registry: Registry): readonly RouteConfig[] {
  return registry.defaultRoutes ?? (registry.defaultRoute ? [registry.defaultRoute] : []);
}

/** Every configured route, one per target: `routes`, then each target of the default route. */
export function configuredRoutes(registry: Registry): RouteConfig[] {
  return [...registry.routes, ...defaultRoutesOf(registry)];
}

/**
 * Picks the configured route for a message's `from` / `to` (either may be left out when the
 * registry has a default route). Only routes the registry lists, or its default route, are
 * allowed: any other pair of clusters, even two that exist, throws `InvalidMessageError`.
 */
export function resolveRoute(registry: Registry, from?: string, to?: string): ResolvedRoute {
  const f = from ?? registry.defaultRoute?.from;
  const t = to ?? registry.defaultRoute?.to;
  if (!f || !t) throw new InvalidMessageError(['no from/to in the message and no defaultRoute in the registry']);
  const configured = configuredRoutes(registry);
  const route = configured.find((r) => r.from === f && r.to === t);
  if (!route) {
    const known = configured.map(describeRoute).join(', ') || 'none';
    throw new InvalidMessageError([`no configured route from "${f}" to "${t}" (configured: ${known})`]);
  }
  const source = registry.clusters[f];
  const destination = registry.clusters[t];
  // parseRegistry already refused routes like these; a hand-built registry may still hold one.
  if (!source || source.nodes.length === 0)
    throw new InvalidMessageError([`route ${describeRoute(route)}: cluster "${f}" has no nodes to SEND on`]);
  if (!destination?.target)
    throw new InvalidMessageError([`route ${describeRoute(route)}: cluster "${t}" has no target`]);
  return {
    name: describeRoute(route),
    source,
    destination,
    verify: route.verify,
    replicationFeeds: route.replicationFeeds,
    deletes: route.deletes,
    deleteGraceSeconds: route.deleteGraceSeconds,
    ...changedObjectOptions(route),
    largeObjects: route.largeObjects ?? null,
  };
}

/**
 * Every route a message's `from` / `to` name: one per destination, in order. `to` may be one
 * registry key or several (fan-out, docs/fan-out.md); left out, the default route's targets
 * (several when the default route has several). Each pair must be a configured route, as for
 * `resolveRoute`, or the whole message is refused (`InvalidMessageError`): a message is never
 * half routed.
 */
export function resolveRoutes(registry: Registry, from?: string, to?: string | readonly string[]): ResolvedRoute[] {
  if (to !== undefined) return (typeof to === 'string' ? [to] : to).map((t) => resolveRoute(registry, from, t));
  const defaults = defaultRoutesOf(registry);
  if (defaults.length === 0) return [resolveRoute(registry, from)];
  return defaults.map((d) => resolveRoute(registry, from, d.to));
}
