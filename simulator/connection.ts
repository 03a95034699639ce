import type { Socket } from 'node:net';
import { RequestParser } from './http-parser.js';
import type { SimRequest } from './http-request.js';
import { ResponseWriter } from './http-response.js';

/** What a connection hands each complete request to. */
export interface ConnectionHandlers {
  /** Answers one request; the next request on the connection waits until this settles. */
  request(req: SimRequest, res: ResponseWriter, conn: ConnectionState): void | Promise<void>;
  /** Answers bytes that are not a valid request (the connection closes afterwards). */
  parseError(status: number, text: string, res: ResponseWriter): void;
  /** A handler threw: answer 500 if still possible. */
  internalError(err: unknown, res: ResponseWriter): void;
}

/** Per-connection state visible to handlers. */
export interface ConnectionState {
  readonly socket: Socket;
  /** Aborts when the peer ends or the socket closes: pending delays are cut short. */
  readonly signal: AbortSignal;
}

/**
 * Serves persistent HTTP/1.1 on one socket: requests are parsed as bytes arrive and answered one
 * after the other (pipelined requests wait). `Connection: close` from either side, parse errors
 * and a peer's FIN end the connection once the current answer is out.
 */
export function serveConnection(socket: Socket, handlers: ConnectionHandlers): void {
  const parser = new RequestParser();
  const abort = new AbortController();
  const state: ConnectionState = { socket, signal: abort.signal };
  let busy = false;
  let closing = false;
  let peerEnded = false;

  socket.setNoDelay(true);
  socket.on('error', () => {
    // Resets and write-after-close are normal for a server facing clients that give up.
  });
  socket.on('close', () => abort.abort());
  socket.on('end', () => {
    // A client that sends FIN has (almost always) given up; the work in progress finishes
    // without waiting, its answer is written if the socket still takes it, then we close.
    peerEnded = true;
    abort.abort();
    if (!busy) finish();
  });
  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    parser.push(chunk);
    if (!busy) pump();
  });

  function finish(): void {
    closing = true;
    if (!socket.destroyed) socket.end();
  }

  function afterResponse(res: ResponseWriter): boolean {
    busy = false;
    if (res.closeAfter || peerEnded || socket.destroyed) {
      finish();
      return false;
    }
    return true;
  }

  function pump(): void {
    while (!closing && !socket.destroyed) {
      const parsed = parser.next();
      if (parsed.kind === 'incomplete') return;
      if (parsed.kind === 'continue') {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        continue;
      }
      if (parsed.kind === 'error') {
        const res = new ResponseWriter(socket, 'GET');
        res.closeAfter = true;
        handlers.parseError(parsed.status, parsed.text, res);
        finish();
        return;
      }
      const res = new ResponseWriter(socket, parsed.request.method);
      if (parsed.request.wantsClose) res.closeAfter = true;
      busy = true;
      // Coalesce the writes of one answer into as few packets as possible; anything still
      // corked when the handler first waits goes out on the next tick.
      socket.cork();
      process.nextTick(() => socket.uncork());
      let pending: void | Promise<void> = undefined;
      try {
        pending = handlers.request(parsed.request, res, state);
      } catch (err) {
        handlers.internalError(err, res);
        res.closeAfter = true;
      }
      if (pending instanceof Promise) {
        pending.then(
          () => {
            if (afterResponse(res)) pump();
          },
          (err: unknown) => {
            handlers.internalError(err, res);
            res.closeAfter = true;
            afterResponse(res);
          },
        );
        return;
      }
      if (!afterResponse(res)) return;
    }
  }
}
