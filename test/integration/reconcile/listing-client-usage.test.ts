import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import type { Answer } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// The bucket usage check (`du=withoutreps&size=0`): only a plain decimal Castor-System-Bytes-Used
// is a number of bytes.

const BUCKET = { domain: 'example.com', bucket: 'b' };

describe('ListingClient usage', () => {
  const raw = transportOnRawNodes();
  const clientOn = async (answer: Answer) => {
    const { cluster } = await raw.start(answer);
    return new ListingClient(raw.transport(), cluster, ADMIN);
  };

  it.each([['12 bytes'], ['5x'], ['0x10']])('reads "%s" as no number', async (value) => {
    const client = await clientOn((_head, socket) =>
      socket.write(`HTTP/1.1 200 OK\r\ncastor-system-bytes-used: ${value}\r\ncontent-length: 0\r\n\r\n`),
    );
    expect(await client.usage(BUCKET)).toBeNull();
  });
});
