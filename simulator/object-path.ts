import { isIP } from 'node:net';
import type { SimRequest } from './http-request.js';
import type { ObjectRef } from './types.js';
import { UUID_PATTERN } from './constants.js';

/** What a request-target addresses. */
export type Target =
  | { kind: 'root' }
  | { kind: 'uuid'; uuid: string }
  | { kind: 'bucket'; domain: string; bucket: string }
  | { kind: 'named'; domain: string; bucket: string; name: string }
  | { kind: 'invalid'; text: string };

/**
 * Resolves the request-target: `/` (node status), `/<uuid>`, `/<bucket>` or
 * `/<bucket>/<name>` (percent-encoded UTF-8; the name may contain `/`). The domain comes from
 * `?domain=` (which wins), else from a Host that is not an IP address, else the default domain.
 */
export function resolveTarget(req: SimRequest, defaultDomain: string): Target {
  const path = req.path;
  if (!path.startsWith('/')) return { kind: 'invalid', text: 'The request-target must start with /' };
  if (path === '/') return { kind: 'root' };
  const rest = path.slice(1);
  const slash = rest.indexOf('/');
  const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawName = slash < 0 ? '' : rest.slice(slash + 1);
  if (rawName === '' && UUID_PATTERN.test(rawBucket)) return { kind: 'uuid', uuid: rawBucket.toLowerCase() };
  let bucket: string;
  let name: string;
  try {
    bucket = decodeURIComponent(rawBucket);
    name = decodeURIComponent(rawName);
  } catch {
    return { kind: 'invalid', text: 'Malformed percent-encoding in the request-target' };
  }
  if (bucket === '' || /[:,/]/.test(bucket)) return { kind: 'invalid', text: `Invalid bucket name: ${bucket}` };
  const domain = domainOf(req, defaultDomain);
  if (name === '') return { kind: 'bucket', domain, bucket };
  return { kind: 'named', domain, bucket, name };
}

/** The request's domain (see {@link resolveTarget}). */
export function domainOf(req: SimRequest, defaultDomain: string): string {
  const fromQuery = req.query.get('domain');
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery.toLowerCase();
  const host = hostName(req.headers.get('host') ?? '');
  if (host === '' || host === 'localhost' || isIP(host) !== 0) return defaultDomain;
  return host.toLowerCase();
}

/** The host part of a Host header (without port or IPv6 brackets). */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** The store reference of an object target. */
export function refOfTarget(target: Target): ObjectRef | undefined {
  if (target.kind === 'uuid') return { uuid: target.uuid };
  if (target.kind === 'named') return { domain: target.domain, bucket: target.bucket, name: target.name };
  return undefined;
}

/** The keys faults match the target's object on: its UUID or 'bucket/name'. */
export function faultKeysOf(target: Target): readonly string[] {
  if (target.kind === 'uuid') return [target.uuid];
  if (target.kind === 'named') return [`${target.bucket}/${target.name}`];
  return [];
}

/** Percent-encodes a name for a header or a URL path, keeping `/` readable. */
export function encodeName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/g, '/');
}
