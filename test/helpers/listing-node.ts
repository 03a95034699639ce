import type { Answer } from './raw-node.js';

/** One listed row of a scripted node: every row the same size and ETag, so both sides agree. */
export const row = (name: string): string =>
  JSON.stringify({ name, bytes: 1, hash: '0123456789abcdef0123456789abcdef' });

/** The rows after `marker` in byte order (the honest listing), `size` at most. */
export function honest(names: readonly string[], url: URL, extra = 0): string[] {
  const marker = url.searchParams.get('marker') ?? '';
  const size = Number(url.searchParams.get('size') ?? 1000);
  return [...names]
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .filter((n) => marker === '' || Buffer.compare(Buffer.from(n), Buffer.from(marker)) > 0)
    .slice(0, size + extra);
}

/**
 * A raw node that answers listing GETs with the JSON rows `rowsOf` gives for the request-target,
 * `du` queries with `headers`, and every HEAD with 404.
 */
export function listingNode(rowsOf: (url: URL) => string[], duHeaders = ''): Answer {
  return (head, socket) => {
    const [method, target] = head.split(' ');
    const url = new URL(target!, 'http://node');
    if (method === 'HEAD') return void socket.write('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    if (url.searchParams.has('du'))
      return void socket.write(`HTTP/1.1 200 OK\r\n${duHeaders}content-length: 0\r\n\r\n`);
    const body = Buffer.from(`[${rowsOf(url).join(',')}]`);
    socket.write(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  };
}
