import { isNamed, type FeedSelection, type ObjectRef } from '../message/message.js';

/**
 * Percent-encodes one path segment. A `.` or `..` segment is a name, not a step: it goes as `%2E`
 * / `%2E%2E`, so no client, proxy or node can resolve it into another bucket or object
 * (RFC 3986 5.2.4 removes only literal dot segments).
 */
export function encodeSegment(segment: string): string {
  if (segment === '.' || segment === '..') return segment.replaceAll('.', '%2E');
  return encodeURIComponent(segment);
}

/**
 * Builds the request-target of a SEND (swarm-scsp.md 1.2, 2.1, 3.2): `/<uuid>` or
 * `/<bucket>/<percent-encoded name>`, then the query: `alias` for aliases, `admin` (the
 * administrator realm SEND needs), `domain=` for named objects, and the feed arguments.
 */
export function buildSendTarget(object: ObjectRef, feeds?: FeedSelection): string {
  const query: string[] = [];
  let path: string;
  if (isNamed(object)) {
    // The name may hold '/' (kept as a separator) and any UTF-8 (percent-encoded per segment).
    const name = object.name.split('/').map(encodeSegment).join('/');
    path = `/${encodeSegment(object.bucket)}/${name}`;
  } else {
    path = `/${object.uuid.toLowerCase()}`;
    if (object.alias) query.push('alias');
  }
  query.push('admin');
  // `domain=` overrides the Host header, so the node's IP can stay in Host (swarm-scsp.md 3.2:
  // a Host that is not an IP or a known domain makes Swarm retry the lookup until it times out).
  // An empty domain leaves the choice to the node: its default domain (the cluster name).
  if (isNamed(object) && object.domain) query.push(`domain=${encodeURIComponent(object.domain)}`);
  if (feeds) {
    for (const id of feeds.ids ?? []) query.push(`feedid=${id}`);
    for (const type of feeds.types ?? []) query.push(`feedtype=${type}`);
    if (feeds.timeout !== undefined) query.push(`timeout=${feeds.timeout}`);
    if (feeds.force !== undefined) query.push(`force=${feeds.force ? 'true' : 'false'}`);
  }
  return `${path}?${query.join('&')}`;
}

export interface LegacyHeaders {
  /** The destination's cluster.name. */
  cluster: string;
  /** IP:port of a destination node or reverse proxy. */
  target: string;
  /** `username:password` of a destination admin, only when it differs from the source's. */
  remoteAuth?: { username: string; password: string } | undefined;
}

/** Request headers of a SEND: legacy SENDs carry the Castor-System-* trio, feed SENDs none. */
export function buildSendHeaders(legacy: LegacyHeaders | null, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-length': '0', 'user-agent': userAgent };
  if (legacy) {
    headers['castor-system-cluster'] = legacy.cluster;
    headers['castor-system-target'] = legacy.target;
    if (legacy.remoteAuth) {
      headers['castor-system-auth'] = `${legacy.remoteAuth.username}:${legacy.remoteAuth.password}`;
    }
  }
  return headers;
}

/**
 * Why no request can name this object, or null when one can: a name the request builder refuses
 * (a lone UTF-16 surrogate, which `encodeURIComponent` and UTF-8 cannot carry). Such an object is
 * reported, never sent a request.
 */
export function unnameableReason(object: ObjectRef): string | null {
  try {
    buildSendTarget(object);
    return null;
  } catch (err) {
    const name = isNamed(object) ? `${object.bucket}/${object.name}` : object.uuid;
    return name.isWellFormed()
      ? `no request can name it (${err instanceof Error ? err.message : String(err)})`
      : 'its name holds a lone UTF-16 surrogate, which no UTF-8 request can carry';
  }
}

/** The product's name: the prefix of its user agent and of the attributes it adds to messages. */
export const PRODUCT_NAME = 'swarm-send';

/** The product's version, as `swarm-send --version` prints it (package.json's; a test keeps them equal). */
export const PRODUCT_VERSION = '0.2.0';

/** The User-Agent of every request to a Swarm node: the name and the major.minor version. */
export const USER_AGENT = `${PRODUCT_NAME}/${PRODUCT_VERSION.split('.').slice(0, 2).join('.')}`;
