import { parseRegistry, type Registry } from '../functions/core/registry/registry.js';

/** A registry document as JSON takes it (before `parseRegistry`), open to changes. */
export interface PairRegistryDocument {
  clusters: Record<string, Record<string, unknown>>;
  defaultRoute?: Record<string, unknown>;
  routes?: Record<string, unknown>[];
}

/** Where a local source/DR pair listens and as whom it is reached. */
export interface PairRegistryOptions {
  /** The source cluster's node addresses. */
  readonly source: readonly string[];
  /** The DR cluster's node addresses: the first is the SEND target. */
  readonly dr: readonly string[];
  /** Credentials references (`env:VAR`...): one for both clusters, or each its own. */
  readonly credentials: string | { readonly source: string; readonly dr: string };
  /** The DR nodes other requests (verify's HEADs) go to, when not all of `dr`. @default dr */
  readonly drNodes?: readonly string[];
  /** The source cluster's `networks` (where redirects may go). @default its nodes' addresses */
  readonly networks?: readonly string[];
  /** The default route HEADs the DR copy after the SEND. @default false */
  readonly verify?: boolean;
  /** More options of the default route (`replaceStale`, `deletes`, ...). @default none */
  readonly route?: Readonly<Record<string, unknown>>;
}

/**
 * The registry document of a local pair, as the demo, the benchmarks and the tests run it: the
 * source cluster `baker` under the key `primary`, the DR cluster `dr` under `dr`, and the
 * default route between them.
 */
export function pairRegistryDocument(o: PairRegistryOptions): PairRegistryDocument {
  const target = o.dr[0];
  if (!target) throw new Error('the DR cluster has no node');
  const credentials = typeof o.credentials === 'string' ? { source: o.credentials, dr: o.credentials } : o.credentials;
  const networks = o.networks && { networks: [...o.networks] };
  return {
    clusters: {
      primary: { name: 'baker', nodes: [...o.source], ...networks, credentials: credentials.source },
      dr: { name: 'dr', target, nodes: [...(o.drNodes ?? o.dr)], credentials: credentials.dr },
    },
    defaultRoute: { from: 'primary', to: 'dr', ...(o.verify && { verify: true }), ...o.route },
  };
}

/** The parsed registry of a local pair (`pairRegistryDocument`). */
export function pairRegistry(o: PairRegistryOptions): Registry {
  return parseRegistry(pairRegistryDocument(o));
}
