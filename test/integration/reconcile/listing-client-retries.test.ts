import { ListingError } from '../../../functions/core/listing/listing.js';
import { ListingClient, type ListingClientOptions } from '../../../functions/core/listing/listing-client.js';
import { answerWith, inTurn, type Answer } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// When the listing client tries a page again, and how long it pauses first. The pauses are
// recorded by the client's `sleep` option (no real waiting).

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;

describe('ListingClient tries of a page', () => {
  const raw = transportOnRawNodes();
  /** A client on one raw node answering its i-th request with answers[i] (the last one after that), and its pauses. */
  const clientOn = async (answers: Answer[], options: ListingClientOptions = {}) => {
    const { cluster } = await raw.start(inTurn(answers));
    const pauses: number[] = [];
    const client = new ListingClient(raw.transport(), cluster, ADMIN, {
      ...options,
      sleep: async (ms) => void pauses.push(ms),
    });
    return { client, pauses };
  };

  it('pause before each new try, doubling from 250 ms by default', async () => {
    const { client, pauses } = await clientOn([answerWith('503 Service Unavailable')]);
    await expect(client.page(SCOPE, null)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    expect(pauses).toStrictEqual([250, 500, 1000]);
    expect(client.requests).toBe(4);
  });

  it('pause from the configured delay, doubling each time', async () => {
    const { client, pauses } = await clientOn([answerWith('503 Service Unavailable')], {
      retryDelayMs: 10,
      triesPerPage: 5,
    });
    await expect(client.page(SCOPE, null)).rejects.toMatchObject({ code: 'unavailable' });
    expect(pauses).toStrictEqual([10, 20, 40, 80]);
    expect(client.requests).toBe(5);
  });

  it('stop at once on a page with a row that has no key: trying again cannot mend it', async () => {
    const { client, pauses } = await clientOn([
      answerWith('200 OK', '', '[{"bytes":1}]'),
      answerWith('200 OK', '', '[{"name":"a"}]'),
    ]);
    const err: unknown = await client.page(SCOPE, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListingError);
    expect(err).toMatchObject({
      code: 'bad-page',
      status: 200,
      message: 'a listing page could not be used: row 0 has no name',
    });
    expect(pauses).toStrictEqual([]);
    expect(client.requests).toBe(1);
  });
});
