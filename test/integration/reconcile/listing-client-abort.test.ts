import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ListingError } from '../../../functions/core/listing/listing.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { ADMIN } from '../../helpers/swarm.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// A walk aborted while a 5xx answer's body is still coming in: the status line said "try again",
// but the abort wins. The abort is made when undici reports the first body chunk (its
// `undici:request:bodyChunkReceived` diagnostics channel), so the status is known and the body
// is not complete, with no timing involved.

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;

describe('a listing page whose 5xx answer is cut short by the walk abort', () => {
  const raw = transportOnRawNodes();

  it('ends as aborted with that status at once: no pause, no second try', async () => {
    // The status line, the headers and one byte of the ten the body announces; then nothing.
    const { cluster } = await raw.start((_head, socket) =>
      socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 10\r\n\r\n['),
    );
    const pauses: number[] = [];
    const client = new ListingClient(raw.transport(), cluster, ADMIN, {
      triesPerPage: 3,
      sleep: async (ms) => void pauses.push(ms),
    });
    const controller = new AbortController();
    const onChunk = () => controller.abort();
    subscribe('undici:request:bodyChunkReceived', onChunk);
    let outcome: unknown;
    try {
      outcome = await client.page(SCOPE, null, controller.signal).catch((err: unknown) => err);
    } finally {
      unsubscribe('undici:request:bodyChunkReceived', onChunk);
    }
    expect(outcome).toBeInstanceOf(ListingError);
    expect(outcome).toMatchObject({ code: 'aborted', status: 500, message: 'listing aborted' });
    expect(pauses).toStrictEqual([]);
    expect(client.requests).toBe(1);
  });
});
