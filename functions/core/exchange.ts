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

/**
 * Reads a body to its end, refusing more than `limit` bytes (a node that streams forever). Plain
 * stream events rather than an async iterator: a SEND's answer is one or two chunks, and the
 * iterator's promises per chunk cost more than the reading.
 */
export function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  if (body.errored) return Promise.reject(body.errored);
  if (body.destroyed) return Promise.reject(prematureClose());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      body.off('data', onData);
      reject(
        Object.assign(new Error(`response body larger than ${limit} bytes`), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' }),
      );
      body.destroy();
    };
    body.on('data', onData);
    body.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8')),
    );
    body.once('error', reject);
    // Settles nothing after 'end' or an error: a promise keeps its first outcome.
    body.once('close', () => reject(prematureClose()));
  });
}

/** What a stream closed before its end throws (Node's own code for it). */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** An exchange that ended in a client-side condition; complete when a whole answer was read. */
export const failure = (
  node: NodeAddress | null,
  status: number | null,
  error: ClientErrorCode,
  detail: string | null,
  headers: Exchange['headers'] = {},
): Exchange => ({
  status,
  headers,
  body: '',
  trailers: {},
  complete: status !== null,
  error,
  detail,
  node,
});
