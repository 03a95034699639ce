import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN, scriptedRoute } from '../../helpers/swarm.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// What a SEND reports when an answer framed by the end of the connection (no length, not
// chunked) is cut by a reset: the detail names that, so an operator can tell it from a plain reset.

describe('a close-delimited answer cut by a reset', () => {
  let node: RawNode;
  let client: SendClient;
  // The node resets the connection only once the client has parsed the answer's head.
  let afterHead: (() => void) | null = null;
  const onHead = () => {
    const f = afterHead;
    afterHead = null;
    f?.();
  };
  beforeAll(() => subscribe('undici:request:headers', onHead));
  afterAll(() => unsubscribe('undici:request:headers', onHead));
  beforeEach(async () => {
    node = await startRawNode((_head, socket) => {
      afterHead = () => socket.resetAndDestroy();
      socket.write('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nRemote cluster returned: 201\r\n');
    });
    client = new SendClient();
  });
  afterEach(async () => {
    await client.close();
    await node.close();
  });

  it('is a connection reset whose detail says the answer had no other end', async () => {
    const route = scriptedRoute([node.address]);
    const r = await sendWithDecision(client, {
      source: route.source,
      destination: route.dr,
      credentials: ADMIN,
      object: { uuid: 'd'.repeat(32) },
    });
    expect(r).toMatchObject({
      outcome: 'retry',
      reason: 'connection-reset',
      detail: 'connection reset before the end of an answer framed by the connection close',
    });
  });
});
