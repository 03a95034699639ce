import type { Dispatcher } from 'undici';
import type { ClientErrorCode } from './classify.js';
import type { NodeAddress } from './registry.js';

/** What one node finally answered, after authentication and redirects. */
export interface Exchange {
  readonly status: number | null;
  readonly headers: Dispatcher.ResponseData['headers'];
  readonly body: string;
  readonly trailers: Readonly<Record<string, string>>;
  /** True when the body was read to its very end. */
  readonly complete: boolean;
  readonly error: ClientErrorCode | null;
  /** Log-safe detail: the last Castor-System-Error-* or the network error message. */
  readonly detail: string | null;
  readonly node: NodeAddress | null;
}

/** Reads a body to its end, refusing more than `limit` bytes (a node that streams forever). */
export async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw Object.assign(new Error(`response body larger than ${limit} bytes`), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An exchange that ended in a client-side condition; complete when a whole answer was read. */
export const failure = (node: NodeAddress | null, status: number | null, error: ClientErrorCode, detail: string | null, headers: Exchange['headers'] = {}): Exchange => ({
  status,
  headers,
  body: '',
  trailers: {},
  complete: status !== null,
  error,
  detail,
  node,
});
