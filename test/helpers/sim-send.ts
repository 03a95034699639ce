import { basicHeader, PW, RawConnection, request, type RawResponse } from './raw-client.js';

/** A SEND under way on a connection of its own. */
export interface OpenSend {
  readonly conn: RawConnection;
  /** The whole answer, or undefined when the connection ended before one came. */
  readonly answer: Promise<RawResponse | undefined>;
}

/** Starts a SEND of `target` on a new connection to `node`, with the admin's Basic credentials. */
export async function startSend(node: string, target: string, headers: Record<string, string> = {}): Promise<OpenSend> {
  const conn = await RawConnection.open(node);
  conn.write(request('SEND', target, node, { ...headers, Authorization: basicHeader('admin', PW) }));
  const answer = conn.read().then(
    (res) => res,
    () => undefined,
  );
  return { conn, answer };
}

/** A whole SEND on a connection of its own (closed afterwards); throws when no whole answer came. */
export async function sendOnce(
  node: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const send = await startSend(node, target, headers);
  try {
    const res = await send.answer;
    if (!res) throw new Error(`SEND ${target}: the connection ended before the answer`);
    return res;
  } finally {
    send.conn.close();
  }
}

/** Polls `check` every few milliseconds until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits `ms` of real time. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
