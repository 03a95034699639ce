import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TransportRequest } from '../../../functions/core/transport/cluster-transport.js';
import type { Answer } from '../../helpers/raw-node.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// How the transport reads an answer's body: the size bound, and a body cut short by the caller.

describe('ClusterTransport reading a body', () => {
  const raw = transportOnRawNodes();
  const get = async (answer: Answer, extra: Partial<TransportRequest> = {}) =>
    raw.get((await raw.start(answer)).cluster, { target: '/b?format=json', ...extra });
  const bodyOf =
    (size: number): Answer =>
    (_head, socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n${'a'.repeat(size)}`);

  it('reads a body of exactly the bound in full', async () => {
    const x = await get(bodyOf(1000), { maxResponseBytes: 1000 });
    expect(x).toMatchObject({ status: 200, complete: true, error: null });
    expect(x.body).toBe('a'.repeat(1000));
  });

  it("discards a body it was told not to read, whatever its size: the exchange's body is empty", async () => {
    const x = await get(bodyOf(5000), { readBody: 'discard', maxResponseBytes: 1000 });
    expect(x).toMatchObject({ status: 200, complete: true, error: null, body: '' });
  });

  it('refuses a body one byte over the bound, keeping none of it', async () => {
    const x = await get(bodyOf(1001), { maxResponseBytes: 1000 });
    expect(x).toMatchObject({ status: 200, complete: false, body: '' });
    expect(x.detail).toBe('response body larger than 1000 bytes');
  });

  it('drops the connection of a body over the bound: the node is not left sending to nobody', async () => {
    const sockets: Socket[] = [];
    const onConnected = (message: unknown) => sockets.push((message as { socket: Socket }).socket);
    subscribe('undici:client:connected', onConnected);
    try {
      // Announces 10 MB and sends 64 KiB of it, then waits: only the client can end this.
      const x = await get(
        (_head, socket) =>
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${10 * 1024 * 1024}\r\n\r\n${'a'.repeat(64 * 1024)}`),
        { maxResponseBytes: 1000 },
      );
      expect(x).toMatchObject({ status: 200, complete: false, body: '' });
      expect(sockets).toHaveLength(1);
      expect(sockets[0]!.destroyed).toBe(true);
    } finally {
      unsubscribe('undici:client:connected', onConnected);
    }
  });

  it("a body cut short by the caller's abort reports deadline-exceeded, the status that came and the abort's reason", async () => {
    // The abort is made when undici reports the first body chunk: the status line is in, the body is not.
    const controller = new AbortController();
    const onChunk = () => controller.abort(new Error('the invocation deadline passed'));
    subscribe('undici:request:bodyChunkReceived', onChunk);
    try {
      const x = await get(
        (_head, socket) => socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 10\r\n\r\n['),
        {
          signal: controller.signal,
        },
      );
      expect(x).toMatchObject({
        status: 500,
        complete: false,
        error: 'deadline-exceeded',
        detail: 'the invocation deadline passed',
        body: '',
      });
    } finally {
      unsubscribe('undici:request:bodyChunkReceived', onChunk);
    }
  });
});
