import { SendClient } from '../../../functions/core/send/send-client.js';
import { answerCreated, startRawNode, type Answer, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN, scriptedRoute } from '../../helpers/swarm.js';
import { sendClientOnRawNodes } from '../../helpers/send-client.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// What sendWithDecision reports beside its decision: the observation, the node, the request count
// and the time the SEND took.

const OBJECT = { uuid: 'd'.repeat(32) };

describe('SendClient observations', () => {
  let node: RawNode;
  let client: SendClient;
  beforeEach(async () => {
    node = await startRawNode((_head, socket) => answerCreated(socket));
    client = new SendClient();
  });
  afterEach(async () => {
    await client.close();
    await node.close();
  });

  it('a SEND refused for its credentials reports that nothing was asked, read or ignored', async () => {
    const route = scriptedRoute([node.address]);
    const r = await sendWithDecision(client, {
      source: route.source,
      destination: route.dr,
      credentials: { username: 'admin', password: 'pw\r\nx' },
      object: OBJECT,
    });
    expect(r).toStrictEqual({
      outcome: 'failed',
      reason: 'credentials-invalid',
      observation: {
        mode: 'legacy',
        httpStatus: null,
        remoteStatus: null,
        complete: false,
        feeds: {},
        requestedFeedIds: [],
        replicationFeedIds: [],
        error: 'credentials-invalid',
      },
      node: null,
      requests: 0,
      busy: 0,
      durationMs: expect.any(Number) as number,
      detail: 'credentials: the password contains a control character (CR, LF, NUL...)',
      etag: null,
      version: null,
      hintIgnored: false,
    });
    expect(node.requests).toStrictEqual([]);
  });

  it('reports the time the SEND took: never more than the call itself', async () => {
    const route = scriptedRoute([node.address]);
    const before = performance.now();
    const r = await sendWithDecision(client, {
      source: route.source,
      destination: route.dr,
      credentials: ADMIN,
      object: OBJECT,
    });
    const took = performance.now() - before;
    expect(r.outcome).toBe('replicated');
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.durationMs).toBeLessThanOrEqual(Math.ceil(took));
  });
});

describe('SendClient observations of answers that end the SEND early', () => {
  const raw = sendClientOnRawNodes();
  const sendTo = async (answer: Answer) => {
    const n = await raw.start(answer);
    const route = scriptedRoute([n.address]);
    return sendWithDecision(raw.client, {
      source: route.source,
      destination: route.dr,
      credentials: ADMIN,
      object: OBJECT,
    });
  };

  it('an answer read to its end (a 401 without a challenge) is complete, with its status', async () => {
    const r = await sendTo((_head, socket) => socket.write('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n'));
    expect(r).toMatchObject({ outcome: 'failed', reason: 'auth-rejected' });
    expect(r.observation).toMatchObject({ httpStatus: 401, complete: true, error: 'auth-rejected' });
  });

  it('a connection closed before any answer is not complete and has no status', async () => {
    const r = await sendTo((_head, socket) => socket.destroy());
    expect(r).toMatchObject({ outcome: 'retry', reason: 'connection-reset' });
    expect(r.observation).toMatchObject({ httpStatus: null, complete: false, error: 'connection-reset' });
  });
});
