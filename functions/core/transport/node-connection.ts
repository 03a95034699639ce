import { Client, type Dispatcher, type buildConnector } from 'undici';
import type { ClientErrorCode } from './network.js';
import type { NodeAddress } from '../registry/registry.js';

/**
 * One keep-alive connection to a node (an undici Client), with two fixes to what undici does on
 * its own, both at the socket:
 * - a bodyless SEND gets `content-length: 0` on the wire. undici leaves the header out for
 *   methods it does not expect a body on (RFC 9110's SHOULD NOT), whatever the caller sets; the
 *   founding SEND has it and some proxies refuse a custom method without it.
 * - an answer framed by the connection's end (no Content-Length, not chunked; HTTP/1.0) that ends
 *   in a reset is an error, not a complete body. undici takes an ECONNRESET after such a response
 *   as its normal end (lib/dispatcher/client-h1.js, onHttpSocketError).
 */

/** Adds `content-length: 0` to the header block of a bodyless SEND that has no framing header. */
export function withZeroContentLength(head: string): string {
  if (!head.startsWith('SEND ') || !head.endsWith('\r\n\r\n')) return head;
  if (/\r\n(?:content-length|transfer-encoding):/i.test(head)) return head;
  return `${head.slice(0, -2)}content-length: 0\r\n\r\n`;
}

interface SocketState {
  reset: boolean;
}

type Socket = Parameters<buildConnector.Callback>[1] & { write: (...args: unknown[]) => boolean };

function watch(socket: Socket, state: SocketState): void {
  // Registered before undici's own listener, so the flag is set when undici ends the response.
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET') state.reset = true;
  });
  const write = socket.write;
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    return write.call(this, typeof chunk === 'string' ? withZeroContentLength(chunk) : chunk, ...rest);
  };
}

/** Passes every callback on, but turns the end of a close-delimited answer cut by a reset into an error. */
class ResetGuard implements Dispatcher.DispatchHandler {
  #closeDelimited = false;
  #state: SocketState | null = null;

  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly current: () => SocketState,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[]>,
    socket: never,
  ): void {
    this.inner.onRequestUpgrade?.(controller, status, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
  ): void {
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    this.#closeDelimited =
      status >= 200 &&
      status !== 204 &&
      status !== 304 &&
      headers['content-length'] === undefined &&
      !te.includes('chunked');
    this.#state = this.current();
    this.inner.onResponseStart?.(controller, status, headers as Record<string, string | string[]>, text);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[]>): void {
    if (this.#closeDelimited && this.#state?.reset) {
      const err = Object.assign(
        new Error('connection reset before the end of an answer framed by the connection close'),
        { code: 'ECONNRESET' },
      );
      this.inner.onResponseError?.(controller, err);
      return;
    }
    this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    this.inner.onResponseError?.(controller, err);
  }

  onBodySent(chunk: unknown): void {
    (this.inner as { onBodySent?: (c: unknown) => void }).onBodySent?.(chunk);
  }

  onRequestSent(): void {
    (this.inner as { onRequestSent?: () => void }).onRequestSent?.();
  }
}

/** The Client a Pool makes per connection (its `factory` option). */
export function nodeConnection(origin: string | URL, options: Client.Options): Dispatcher {
  const connect = options.connect as buildConnector.connector;
  let current: SocketState = { reset: false };
  const wrapped: buildConnector.connector = (opts, callback) =>
    connect(opts, (err, socket) => {
      if (socket) {
        current = { reset: false };
        watch(socket as Socket, current);
      }
      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
  const client = new Client(origin, { ...options, connect: wrapped });
  return client.compose((dispatch) => (opts, handler) => dispatch(opts, new ResetGuard(handler, () => current)));
}

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
    // Set once 'end', an error or the size limit has settled the promise: a later 'close' is the
    // stream's normal last event, and builds no error (an Error's stack costs on every body).
    let settled = false;
    const fail = (err: unknown): void => {
      settled = true;
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      body.off('data', onData);
      fail(
        Object.assign(new Error(`response body larger than ${limit} bytes`), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' }),
      );
      body.destroy();
    };
    body.on('data', onData);
    body.once('end', () => {
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
    body.once('error', fail);
    body.once('close', () => {
      if (!settled) reject(prematureClose());
    });
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
