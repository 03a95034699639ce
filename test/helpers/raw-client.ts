import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One response read off a raw socket, with its exact bytes. */
export interface RawResponse {
  /** Every byte of the response as latin1 text (status line to the end of the body/trailers). */
  raw: string;
  status: number;
  statusLine: string;
  /** Headers in wire order, names as sent. */
  headers: [string, string][];
  /** The decoded body. */
  body: string;
  /** Chunked bodies: each chunk's data, in order. */
  chunks: string[];
  trailers: [string, string][];
  /** The first value of a header (case-insensitive). */
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

/**
 * A client connection that writes raw bytes and parses responses itself, so the tests see
 * exactly what the simulator puts on the wire (header order, case, chunk framing).
 */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private ended = false;
  private error: NodeJS.ErrnoException | undefined;
  private wake: (() => void) | undefined;
  readonly closed: Promise<{ error?: string }>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err;
      this.notify();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.notify();
        resolve(this.error?.code ? { error: this.error.code } : {});
      }),
    );
  }

  static open(address: string): Promise<RawConnection> {
    const [host = '', port = ''] = address.split(/:(?=\d+$)/);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Everything the server sends until the connection closes or resets (after any response already read). */
  async drain(): Promise<{ text: string; error?: string }> {
    const { error } = await this.closed;
    const text = this.buf.toString('latin1');
    this.buf = Buffer.alloc(0);
    return error ? { text, error } : { text };
  }

  /** Whether the server closed (or reset) the connection. */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Reads one response; pass `head` for the answer to a HEAD request (no body). */
  async read(options: { head?: boolean } = {}): Promise<RawResponse> {
    let pos: number;
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) < 0) await this.more();
    const headText = this.buf.toString('latin1', 0, end);
    pos = end + 4;
    const [statusLine = '', ...lines] = headText.split('\r\n');
    const headers = lines.map((l): [string, string] => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon), l.slice(colon + 1).trim()];
    });
    const status = Number(statusLine.split(' ')[1]);
    const get = (list: [string, string][], name: string): string[] =>
      list.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
    const chunks: string[] = [];
    const trailers: [string, string][] = [];
    let body = '';
    const te = get(headers, 'transfer-encoding')[0];
    const length = get(headers, 'content-length')[0];
    if (options.head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      // no body
    } else if (te?.toLowerCase() === 'chunked') {
      for (;;) {
        let eol: number;
        while ((eol = this.buf.indexOf('\r\n', pos)) < 0) await this.more();
        const size = parseInt(this.buf.toString('latin1', pos, eol), 16);
        pos = eol + 2;
        if (size === 0) {
          for (;;) {
            while ((eol = this.buf.indexOf('\r\n', pos)) < 0) await this.more();
            const line = this.buf.toString('latin1', pos, eol);
            pos = eol + 2;
            if (line === '') break;
            const colon = line.indexOf(':');
            trailers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
          }
          break;
        }
        while (this.buf.length < pos + size + 2) await this.more();
        const data = this.buf.toString('utf8', pos, pos + size);
        chunks.push(data);
        body += data;
        pos += size + 2;
      }
    } else if (length !== undefined) {
      while (this.buf.length < pos + Number(length)) await this.more();
      body = this.buf.toString('utf8', pos, pos + Number(length));
      pos += Number(length);
    } else {
      while (!this.ended) await this.more();
      body = this.buf.toString('utf8', pos);
      pos = this.buf.length;
    }
    const raw = this.buf.toString('latin1', 0, pos);
    this.buf = this.buf.subarray(pos);
    return {
      raw,
      status,
      statusLine,
      headers,
      body,
      chunks,
      trailers,
      header: (name) => get(headers, name)[0],
      headerAll: (name) => get(headers, name),
    };
  }

  /** Sends a request and reads its response. */
  async exchange(request: string, options: { head?: boolean } = {}): Promise<RawResponse> {
    this.write(request);
    return this.read(options);
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private more(): Promise<void> {
    if (this.error)
      return Promise.reject(Object.assign(new Error(`socket error ${this.error.code}`), { code: this.error.code }));
    if (this.ended)
      return Promise.reject(Object.assign(new Error('connection closed by the server'), { code: 'CLOSED' }));
    return new Promise((resolve) => (this.wake = resolve));
  }
}

/** Builds a request: `METHOD target HTTP/1.1`, the given headers (Host first), an optional body. */
export function request(
  method: string,
  target: string,
  host: string,
  headers: Record<string, string> = {},
  body = '',
): string {
  let text = `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (body !== '' || method === 'PUT' || method === 'POST') text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${text}\r\n${body}`;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** The fields of a `WWW-Authenticate: Digest ...` challenge. */
export function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)) {
    out[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  }
  return out;
}

/**
 * An RFC 2617 Digest Authorization header (MD5, qop=auth), computed here with node:crypto, the
 * way a client would: HA1 = MD5(user:realm:pw), HA2 = MD5(method:uri),
 * response = MD5(HA1:nonce:nc:cnonce:auth:HA2).
 */
export function digestHeader(input: {
  challenge: string;
  user: string;
  password: string;
  method: string;
  uri: string;
  nc?: number;
  cnonce?: string;
}): string {
  const c = parseChallenge(input.challenge);
  const realm = c['realm'] ?? '';
  const nonce = c['nonce'] ?? '';
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = md5(`${input.user}:${realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username="${input.user}", realm="${realm}", nonce="${nonce}", uri="${input.uri}", ` +
    `response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}", opaque="${c['opaque'] ?? ''}", algorithm=MD5`
  );
}

/** A Basic Authorization header. */
export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The Swarm default admin password (what every test cluster uses unless it says otherwise). */
export const PW = 'ourpwdofchoicehere';

/** Options of {@link sendWithDigest}. */
export interface DigestRequest {
  method?: string;
  target: string;
  host: string;
  headers?: Record<string, string>;
  user?: string;
  password?: string;
  /** A challenge to answer; when absent the request is first sent without credentials. */
  challenge?: string;
  nc?: number;
}

/**
 * Sends a request the way `curl --anyauth` does: without credentials first (expecting the 401),
 * then with a Digest answer to the challenge. Returns the final response and the challenge used.
 */
export async function sendWithDigest(
  conn: RawConnection,
  r: DigestRequest,
): Promise<{ res: RawResponse; challenge: string }> {
  const method = r.method ?? 'SEND';
  let challenge = r.challenge;
  if (challenge === undefined) {
    const first = await conn.exchange(request(method, r.target, r.host, r.headers));
    if (first.status !== 401) throw new Error(`expected a 401 challenge, got ${first.statusLine}`);
    challenge = first.headerAll('www-authenticate').find((h) => h.startsWith('Digest')) ?? '';
  }
  const authorization = digestHeader({
    challenge,
    method,
    uri: r.target,
    user: r.user ?? 'admin',
    password: r.password ?? PW,
    nc: r.nc ?? 1,
  });
  const res = await conn.exchange(request(method, r.target, r.host, { ...r.headers, Authorization: authorization }), {
    head: method === 'HEAD',
  });
  return { res, challenge };
}
