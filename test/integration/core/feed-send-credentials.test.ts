import type { ClusterConfig } from '../../../functions/core/registry/registry.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { answerCreated, headerOf, startRawNode, type Answer, type RawNode } from '../../helpers/raw-node.js';
import { scriptedRoute } from '../../helpers/swarm.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// A feed SEND never uses the destination's admin account (the feed's own configuration reaches
// DR): those credentials are neither checked nor sent, so a destination password that could
// not travel in a header does not stop a feed SEND.

const SOURCE = { username: 'admin', password: 'src-S3cret-pw' };
const UUID = 'ab'.repeat(16);
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth", algorithm=MD5\r\ncontent-length: 0\r\n\r\n';
const challengeThenCreated: Answer = (head, socket) =>
  headerOf(head, 'authorization') ? answerCreated(socket) : socket.write(CHALLENGE);

describe('a feed SEND and the destination credentials', () => {
  let node: RawNode;
  let client: SendClient;
  beforeEach(async () => {
    node = await startRawNode(challengeThenCreated);
    client = new SendClient();
  });
  afterEach(async () => {
    await client.close();
    await node.close();
  });

  it('neither checks nor sends destination credentials that a legacy SEND would refuse', async () => {
    const source: ClusterConfig = scriptedRoute([node.address]).source;
    const destinationCredentials = { username: 'dradmin', password: 'dr-pw\u0000' };
    const input = {
      source,
      destination: scriptedRoute(['127.0.0.1:9']).dr,
      credentials: SOURCE,
      destinationCredentials,
      object: { uuid: UUID },
    };
    const feed = await sendWithDecision(client, { ...input, feeds: { ids: [2] }, replicationFeeds: [2] });
    expect(feed.reason).not.toBe('credentials-invalid');
    expect(feed.requests).toBeGreaterThan(0);
    expect(node.requests.at(-1)).toMatch(/^SEND \/(?:ab){16}\?[^ ]*feedid=2/);
    expect(node.bytes()).not.toMatch(/castor-system-(?:auth|cluster|target)/i);
    expect(node.bytes()).not.toContain('dr-pw');

    // The same credentials stop a legacy SEND before anything is sent.
    const sent = node.bytes().length;
    const legacy = await sendWithDecision(client, input);
    expect(legacy).toMatchObject({ outcome: 'failed', reason: 'credentials-invalid', requests: 0 });
    expect(node.bytes()).toHaveLength(sent);
  });

  it('a legacy SEND carries Castor-System-Auth only when the destination account differs from the source one', async () => {
    const input = {
      source: scriptedRoute([node.address]).source,
      destination: scriptedRoute(['127.0.0.1:9']).dr,
      credentials: SOURCE,
      object: { uuid: UUID },
    };
    await sendWithDecision(client, { ...input, destinationCredentials: { ...SOURCE } });
    expect(node.bytes()).toMatch(/castor-system-target/i);
    expect(node.bytes()).not.toMatch(/castor-system-auth/i);
    await sendWithDecision(client, { ...input, destinationCredentials: { username: 'dradmin', password: 'dr-pw' } });
    expect(node.requests.at(-1)).toMatch(/^castor-system-auth: dradmin:dr-pw\r$/im);
  });

  it('closes its connections when closed', async () => {
    await sendWithDecision(client, {
      source: scriptedRoute([node.address]).source,
      destination: scriptedRoute(['127.0.0.1:9']).dr,
      credentials: SOURCE,
      object: { uuid: UUID },
    });
    const open = () =>
      new Promise<number>((resolve, reject) => node.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    expect(await open()).toBeGreaterThan(0);
    await client.close();
    for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await open()).toBe(0);
  });
});
