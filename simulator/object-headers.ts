import { httpDate, httpNow } from './http-date.js';
import type { Header } from './http-response.js';
import { encodeName } from './object-path.js';
import type { StoredObject } from './types.js';

/** The Castor-System-* headers that describe an object, in the founding example's order. */
function systemHeaders(obj: StoredObject, clusterName: string): Header[] {
  const headers: Header[] = [];
  if (obj.alias) headers.push(['Castor-System-Alias', obj.uuid]);
  headers.push(['Castor-System-Cluster', clusterName]);
  headers.push(['Castor-System-Created', httpDate(obj.created)]);
  if (obj.name !== undefined && obj.bucket !== undefined) {
    headers.push(['Castor-System-Name', encodeName(obj.name)]);
    headers.push([
      'Castor-System-Path',
      `/${encodeName(obj.domain ?? '')}/${encodeName(obj.bucket)}/${encodeName(obj.name)}`,
    ]);
  }
  headers.push(['Castor-System-Version', obj.version]);
  return headers;
}

/**
 * Whether a write's header is metadata the object keeps: Content-Disposition, -Encoding and
 * -Language, Lifepoint, Castor-* (never Castor-System-*, which the cluster sets), X-*-Meta-* and X-*-Meta.
 */
export function isKeptMetadata(name: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('castor-system-')) return false;
  return (
    ['content-disposition', 'content-encoding', 'content-language', 'lifepoint'].includes(n) ||
    n.startsWith('castor-') ||
    /^x-.+-meta(?:-|$)/.test(n)
  );
}

/** The object's metadata headers and stored Content-MD5. */
function metadataHeaders(obj: StoredObject): Header[] {
  const headers: Header[] = (obj.meta ?? []).map(([n, v]): Header => [n, v]);
  if (obj.contentMd5 !== undefined) headers.push(['Content-MD5', obj.contentMd5]);
  return headers;
}

/** HEAD/GET headers of an object (the origin cluster in Castor-System-Cluster). */
export function readHeaders(obj: StoredObject, server: string): Header[] {
  const headers = systemHeaders(obj, obj.cluster);
  headers.push(['Content-Type', obj.contentType], ...metadataHeaders(obj));
  headers.push(['Last-Modified', httpDate(obj.created)], ['Etag', obj.etag]);
  if (obj.ec) headers.push(['Manifest', 'ec']);
  headers.push(['Content-Length', String(obj.size)], ['Date', httpNow()], ['Server', server]);
  return headers;
}

/**
 * The HEAD-like headers of a streamed SEND answer, shaped like the founding example:
 * Castor-System-*, `Content-type`, Last-Modified, lower-case `transfer-encoding: chunked`, Etag,
 * (Trailer), Date, Server. Castor-System-Cluster names the source cluster.
 */
export function sendHeaders(obj: StoredObject, sourceCluster: string, server: string, trailer?: string): Header[] {
  const headers = systemHeaders(obj, sourceCluster);
  headers.push(
    ['Content-type', obj.contentType],
    ...metadataHeaders(obj),
    ['Last-Modified', httpDate(obj.created)],
    ['transfer-encoding', 'chunked'],
    ['Etag', obj.etag],
  );
  if (obj.ec) headers.push(['Manifest', 'ec']);
  if (trailer !== undefined) headers.push(['Trailer', trailer]);
  headers.push(['Date', httpNow()], ['Server', server]);
  return headers;
}
