import { MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADER_LINE_BYTES } from './constants.js';
import { QueryArgs, RequestHeaders, splitTarget, type SimRequest } from './http-request.js';

/** What the parser has for the connection right now. */
export type ParseResult =
  | { kind: 'request'; request: SimRequest }
  /** More bytes are needed. */
  | { kind: 'incomplete' }
  /** The head is complete and the client waits for `100 Continue` before its body (once). */
  | { kind: 'continue' }
  /** The bytes cannot be a valid request: answer `status` and close the connection. */
  | { kind: 'error'; status: 400 | 413 | 505; text: string };

type Framing = { kind: 'length'; length: number } | { kind: 'chunked' };

interface PendingHead {
  method: string;
  target: string;
  version: string;
  headers: RequestHeaders;
  framing: Framing;
  expectContinue: boolean;
  continueSent: boolean;
  wantsClose: boolean;
}

/** Decoder state of a chunked request body. */
interface ChunkState {
  parts: Buffer[];
  size: number;
  phase: 'size' | 'data' | 'data-end' | 'trailer';
  remaining: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/\d\.\d)$/;
const EMPTY = Buffer.alloc(0);

/**
 * Incremental HTTP/1.1 request parser for a raw `net` socket (Node's http server refuses the
 * SEND method). Feed it with {@link push}, then call {@link next} until it says `incomplete`.
 * Requests are delivered one at a time, in order.
 */
export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private head: PendingHead | undefined;
  private chunked: ChunkState | undefined;

  /** Appends received bytes. */
  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next request, or what stops one from being complete. */
  next(): ParseResult {
    if (!this.head) {
      const headResult = this.parseHead();
      if (headResult) return headResult;
      if (!this.head) return { kind: 'incomplete' };
    }
    const head: PendingHead = this.head;
    const body = head.framing.kind === 'length' ? this.readLengthBody(head.framing.length) : this.readChunkedBody();
    if (body === 'error') return { kind: 'error', status: 400, text: 'Malformed chunked request body' };
    if (body === undefined) {
      if (head.expectContinue && !head.continueSent) {
        head.continueSent = true;
        return { kind: 'continue' };
      }
      return { kind: 'incomplete' };
    }
    this.head = undefined;
    this.chunked = undefined;
    const { path, rawQuery } = splitTarget(head.target);
    return {
      kind: 'request',
      request: {
        method: head.method,
        target: head.target,
        version: head.version,
        path,
        rawQuery,
        query: new QueryArgs(rawQuery),
        headers: head.headers,
        body,
        wantsClose: head.wantsClose,
      },
    };
  }

  /** Parses a complete head into `this.head`; returns an error result, or undefined. */
  private parseHead(): ParseResult | undefined {
    // RFC 9112 2.2: ignore empty lines before a request line.
    while (this.pos < this.buf.length && (this.buf[this.pos] === 13 || this.buf[this.pos] === 10)) this.pos++;
    const end = this.buf.indexOf('\r\n\r\n', this.pos, 'latin1');
    if (end < 0) {
      if (this.buf.length - this.pos > MAX_HEAD_BYTES) return tooLarge();
      return undefined;
    }
    if (end - this.pos > MAX_HEAD_BYTES) return tooLarge();
    const text = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 4;
    const lines = text.split('\r\n');
    const requestLine = REQUEST_LINE.exec(lines[0] ?? '');
    if (!requestLine) return { kind: 'error', status: 400, text: 'Malformed request line' };
    const [, method = '', target = '', version = ''] = requestLine;
    if (version !== 'HTTP/1.1') {
      return { kind: 'error', status: 505, text: `HTTP version ${version} is not supported; use HTTP/1.1` };
    }
    const headers = new RequestHeaders();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.length > MAX_HEADER_LINE_BYTES) return tooLarge();
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) return { kind: 'error', status: 400, text: 'Malformed header line' };
      headers.append(name, line.slice(colon + 1).trim());
    }
    const framing = framingOf(headers);
    if ('error' in framing) return { kind: 'error', status: framing.status, text: framing.error };
    const connection = headers.getAll('connection').join(',').toLowerCase();
    this.head = {
      method,
      target,
      version,
      headers,
      framing,
      expectContinue: (headers.get('expect') ?? '').toLowerCase() === '100-continue',
      continueSent: false,
      wantsClose: /(^|[\s,])close($|[\s,])/.test(connection),
    };
    return undefined;
  }

  private readLengthBody(length: number): Buffer | undefined {
    if (length === 0) return EMPTY;
    if (this.buf.length - this.pos < length) return undefined;
    const body = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return body;
  }

  private readChunkedBody(): Buffer | undefined | 'error' {
    const st = (this.chunked ??= { parts: [], size: 0, phase: 'size', remaining: 0 });
    for (;;) {
      if (st.phase === 'data') {
        const take = Math.min(st.remaining, this.buf.length - this.pos);
        if (take === 0) return undefined;
        st.parts.push(Buffer.from(this.buf.subarray(this.pos, this.pos + take)));
        this.pos += take;
        st.remaining -= take;
        if (st.remaining === 0) st.phase = 'data-end';
        continue;
      }
      const eol = this.buf.indexOf('\r\n', this.pos, 'latin1');
      if (eol < 0) return this.buf.length - this.pos > MAX_HEADER_LINE_BYTES ? 'error' : undefined;
      const line = this.buf.toString('latin1', this.pos, eol);
      this.pos = eol + 2;
      if (st.phase === 'data-end') {
        if (line !== '') return 'error';
        st.phase = 'size';
      } else if (st.phase === 'size') {
        const size = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(line);
        if (!size) return 'error';
        const n = parseInt(size[1] ?? '', 16);
        st.size += n;
        if (st.size > MAX_BODY_BYTES) return 'error';
        if (n === 0) st.phase = 'trailer';
        else {
          st.phase = 'data';
          st.remaining = n;
        }
      } else if (line === '') {
        return Buffer.concat(st.parts);
      }
      // Request trailers are read and ignored.
    }
  }
}

function tooLarge(): ParseResult {
  return { kind: 'error', status: 400, text: 'Request header too large (limit 32 KB in total, 16 KB per header)' };
}

function framingOf(headers: RequestHeaders): Framing | { error: string; status: 400 | 413 } {
  const te = headers.getAll('transfer-encoding').join(',').toLowerCase().trim();
  if (te !== '') {
    if (te === 'chunked') return { kind: 'chunked' };
    return { error: `Unsupported Transfer-Encoding: ${te}`, status: 400 };
  }
  const lengths = headers.getAll('content-length');
  if (lengths.length === 0) return { kind: 'length', length: 0 };
  const distinct = new Set(lengths.flatMap((v) => v.split(',').map((s) => s.trim())));
  const [only] = distinct;
  if (distinct.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
    return { error: 'Invalid Content-Length', status: 400 };
  }
  const length = Number(only);
  if (length > MAX_BODY_BYTES) return { error: 'Request body too large', status: 413 };
  return { kind: 'length', length };
}
