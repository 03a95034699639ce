import { createServer, type Server, type Socket } from 'node:net';

/** A fake node on a raw socket: keeps every byte it received and answers each request head as told. */
export interface RawNode {
  readonly server: Server;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** Every request head (request line and headers) received, in order. */
  readonly requests: string[];
  /** Every byte received, as latin1. */
  bytes(): string;
  close(): Promise<void>;
}

export type Answer = (head: string, socket: Socket, index: number) => void;

/**
 * Starts a raw node on `host` (loopback) and `port` (0: ephemeral). Requests are bodyless.
 * `record: false` keeps nothing (for memory measurements of the client).
 */
export async function startRawNode(
  answer: Answer,
  host = '127.0.0.1',
  port = 0,
  { record = true } = {},
): Promise<RawNode> {
  const seen: Buffer[] = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      if (record) seen.push(Buffer.from(d));
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        if (record) requests.push(head);
        answer(head, socket, count++);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    server,
    port: bound,
    address: `${host}:${bound}`,
    requests,
    bytes: () => Buffer.concat(seen).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A legacy SEND answer that proves a copy: chunked, result line 201. */
export function answerCreated(socket: Socket): void {
  const line = 'Remote cluster returned: 201\r\n';
  socket.write(
    `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${line.length.toString(16)}\r\n${line}\r\n0\r\n\r\n`,
  );
}

/** Value of a header in a request head (case-insensitive), or undefined. */
export function headerOf(head: string, name: string): string | undefined {
  const m = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, 'i').exec(head);
  return m?.[1];
}

/** An answer with this status line (`200 OK`), extra header lines (each ending in CRLF) and body. */
export const answerWith =
  (status: string, headers = '', body = ''): Answer =>
  (_head, socket) =>
    socket.write(`HTTP/1.1 ${status}\r\n${headers}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

/** Answers the i-th request with `answers[i]`, and every request after the last with the last answer. */
export const inTurn =
  (answers: readonly Answer[]): Answer =>
  (head, socket, i) =>
    answers[Math.min(i, answers.length - 1)]!(head, socket, i);
