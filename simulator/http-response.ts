import type { Socket } from 'node:net';
import { KEEPALIVE_CHUNK } from './constants.js';

/** One response header, written exactly as given (name case and order are kept). */
export type Header = readonly [name: string, value: string];

const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
};

/** The standard reason phrase of a status code. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

/**
 * Writes one response on a raw socket: a whole response ({@link send}) or a chunked stream
 * ({@link startChunked}, {@link chunk}, {@link endChunked}). Headers go out exactly as given; the
 * writer adds only `Connection: close` when {@link closeAfter} is set and the caller did not.
 */
export class ResponseWriter {
  /** Close the connection once this response is written. */
  closeAfter = false;
  private started = false;

  constructor(
    private readonly socket: Socket,
    /** The request method: a HEAD answer carries no body. */
    private readonly method: string,
  ) {}

  /** Whether the peer can still be written to. */
  get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Whether the status line has gone out. */
  get headersSent(): boolean {
    return this.started;
  }

  /** Writes a complete response. The caller supplies Content-Length among the headers. */
  send(status: number, headers: readonly Header[], body?: string | Uint8Array): void {
    if (!this.writable) return;
    const head = this.head(status, headers);
    if (body === undefined || body.length === 0 || this.method === 'HEAD') {
      this.socket.write(head);
    } else if (typeof body === 'string') {
      this.socket.write(head + body);
    } else {
      this.socket.write(head);
      this.socket.write(body);
    }
  }

  /** Writes only the status line and headers (a chunked answer, or a body written in parts). */
  writeHead(status: number, headers: readonly Header[]): void {
    if (this.writable) this.socket.write(this.head(status, headers));
  }

  /** Writes raw body bytes after {@link writeHead}. */
  write(data: string | Uint8Array): void {
    if (this.writable && data.length > 0) this.socket.write(data);
  }

  /**
   * Writes raw body bytes and, when the socket's buffer is full, waits until it drains (a large
   * body written in parts never piles up in memory). Resolves false once the peer is gone.
   */
  writeDrained(data: Uint8Array): Promise<boolean> {
    if (!this.writable) return Promise.resolve(false);
    if (this.socket.write(data)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve(this.writable);
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Writes one chunk (never the zero chunk: an empty `data` writes nothing). */
  chunk(data: string): void {
    if (!this.writable || data.length === 0) return;
    this.socket.write(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
  }

  /** Writes a keep-alive chunk: a single LF. */
  keepalive(): void {
    if (this.writable) this.socket.write(KEEPALIVE_CHUNK);
  }

  /** Writes the zero chunk, then the trailers (if any) and the final CRLF. */
  endChunked(trailers: readonly Header[] = []): void {
    if (!this.writable) return;
    let text = '0\r\n';
    for (const [name, value] of trailers) text += `${name}: ${value}\r\n`;
    this.socket.write(text + '\r\n');
  }

  /** Resolves once everything written so far has been handed to the kernel. */
  flushed(): Promise<void> {
    if (!this.writable) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('close', done);
      this.socket.write('', done);
    });
  }

  private head(status: number, headers: readonly Header[]): string {
    this.started = true;
    let text = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    let hasConnection = false;
    for (const [name, value] of headers) {
      if (name.length === 10 && name.toLowerCase() === 'connection') hasConnection = true;
      text += `${name}: ${value}\r\n`;
    }
    if (this.closeAfter && !hasConnection) text += 'Connection: close\r\n';
    return text + '\r\n';
  }
}
