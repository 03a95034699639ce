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

/** HEAD/GET headers of an object (the origin cluster in Castor-System-Cluster). */
export function readHeaders(obj: StoredObject, server: string): Header[] {
  const headers = systemHeaders(obj, obj.cluster);
  headers.push(['Content-Type', obj.contentType], ['Last-Modified', httpDate(obj.created)], ['Etag', obj.etag]);
  if (obj.ec) headers.push(['Manifest', 'ec']);
  for (const lifepoint of obj.lifepoints ?? []) headers.push(['Lifepoint', lifepoint]);
  headers.push(['Content-Length', String(obj.body.length)], ['Date', httpNow()], ['Server', server]);
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
    ['Last-Modified', httpDate(obj.created)],
    ['transfer-encoding', 'chunked'],
    ['Etag', obj.etag],
  );
  if (obj.ec) headers.push(['Manifest', 'ec']);
  if (trailer !== undefined) headers.push(['Trailer', trailer]);
  headers.push(['Date', httpNow()], ['Server', server]);
  return headers;
}
