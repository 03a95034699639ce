import type { Answer } from '../../helpers/raw-node.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// How many Digest rounds one request may take: a challenge answered, a stale nonce renewed, a
// cached nonce the node has forgotten. A node that keeps asking is refused after three rounds.

const challenge = (nonce: string, stale = false) =>
  'HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n' +
  `www-authenticate: Digest realm="r", nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}\r\n\r\n`;
const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
const signed = (head: string) => /^authorization:/im.test(head);

describe('ClusterTransport Digest rounds', () => {
  const nodeAndTransport = transportOnRawNodes();
  const start = async (answer: Answer) => {
    const { started, cluster } = await nodeAndTransport.start(answer);
    const node = started[0]!;
    return { node, get: () => nodeAndTransport.get(cluster) };
  };

  it('gives up after three rounds with a node that calls every nonce stale: four requests, then auth-rejected', async () => {
    const { node, get } = await start((head, socket, i) => socket.write(challenge(`n${i}`, signed(head))));
    const x = await get();
    expect(x).toMatchObject({ status: 401, error: 'auth-rejected' });
    expect(node.requests).toHaveLength(4);
    expect(node.requests.map(signed)).toEqual([false, true, true, true]);
  });

  it('answers a fresh challenge once when the cached nonce is no longer known (not marked stale)', async () => {
    // First request: challenge, then accepted. Second: the cached nonce is refused with a new
    // challenge (as after a node restart), which is answered, and accepted.
    const { node, get } = await start((head, socket, i) => {
      const nonceOf = /nonce="([^"]+)"/.exec(head)?.[1];
      if (!signed(head)) socket.write(challenge('first'));
      else if (i === 2 && nonceOf === 'first') socket.write(challenge('second'));
      else socket.write(OK);
    });
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(node.requests.map((h) => /nonce="([^"]+)"/.exec(h)?.[1] ?? null)).toEqual([
      null,
      'first',
      'first',
      'second',
    ]);
  });

  it('does not answer a fresh challenge again when the answer to it was refused: the credentials are wrong', async () => {
    const { node, get } = await start((head, socket, i) => socket.write(challenge(`n${i}`)));
    expect(await get()).toMatchObject({ status: 401, error: 'auth-rejected' });
    expect(node.requests.map(signed)).toEqual([false, true]);
    // The refused challenge is forgotten: the next request asks for a fresh one.
    expect(await get()).toMatchObject({ status: 401, error: 'auth-rejected' });
    expect(node.requests.map(signed)).toEqual([false, true, false, true]);
  });

  it('renews a stale nonce when one of several challenges offered says stale', async () => {
    const staleAmongOthers =
      'HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n' +
      'www-authenticate: Digest realm="r", nonce="second", qop="auth", algorithm=MD5, stale=true\r\n' +
      'www-authenticate: Basic realm="r"\r\n\r\n';
    const { node, get } = await start((head, socket, i) => {
      if (i === 0) socket.write(challenge('first'));
      else if (i === 1) socket.write(staleAmongOthers);
      else socket.write(OK);
    });
    expect(await get()).toMatchObject({ status: 200, body: 'ok' });
    expect(node.requests.map((h) => /nonce="([^"]+)"/.exec(h)?.[1] ?? null)).toEqual([null, 'first', 'second']);
  });
});
