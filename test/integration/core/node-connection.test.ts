import { buildConnector, type Dispatcher } from 'undici';
import { nodeConnection, withZeroContentLength } from '../../../functions/core/transport/node-connection.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';

// The connection the transport's pools make per node wraps each request's handler (to catch a
// reset that ends a close-delimited answer): every other callback must reach the caller as is.

describe('a node connection passes every callback of a request on', () => {
  const nodes: RawNode[] = [];
  const dispatchers: Dispatcher[] = [];
  const connect = async (answer: Parameters<typeof startRawNode>[0]) => {
    const node = await startRawNode(answer);
    nodes.push(node);
    const dispatcher = nodeConnection(`http://${node.address}`, { connect: buildConnector({}) });
    dispatchers.push(dispatcher);
    return dispatcher;
  };
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.destroy()));
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  it('tells the caller each chunk of a request body as it is sent, then the answer', async () => {
    const dispatcher = await connect((_head, socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
    const sent: string[] = [];
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const handler = {
        onRequestStart: () => events.push('start'),
        onBodySent: (chunk: unknown) => sent.push(String(chunk)),
        onRequestSent: () => events.push('sent'),
        onResponseStart: (_c: unknown, status: number) => events.push(`status ${status}`),
        onResponseData: () => undefined,
        onResponseEnd: () => resolve(),
        onResponseError: (_c: unknown, err: Error) => reject(err),
      };
      dispatcher.dispatch({ path: '/o', method: 'PUT', body: 'hello body' }, handler as Dispatcher.DispatchHandler);
    });
    expect(sent.join('')).toBe('hello body');
    expect(events).toStrictEqual(['start', 'sent', 'status 204']);
  });

  it('hands an upgrade answer and its socket to the caller', async () => {
    const dispatcher = await connect((_head, socket) =>
      socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: test-protocol\r\n\r\n'),
    );
    const { headers, socket } = await dispatcher.upgrade({ path: '/o', protocol: 'test-protocol' });
    expect(headers.upgrade).toBe('test-protocol');
    socket.destroy();
  });
});

describe('withZeroContentLength', () => {
  const head = (first: string, ...headers: string[]) =>
    `${first}\r\nhost: n\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

  it('adds content-length: 0 to the header block of a bodyless SEND', () => {
    expect(withZeroContentLength(head('SEND /u?admin HTTP/1.1'))).toBe(
      'SEND /u?admin HTTP/1.1\r\nhost: n\r\ncontent-length: 0\r\n\r\n',
    );
  });

  it.each([
    ['a SEND that already says its length', head('SEND /u HTTP/1.1', 'Content-Length: 0')],
    ['a chunked SEND', head('SEND /u HTTP/1.1', 'transfer-encoding: chunked')],
    ['another method', head('GET /u HTTP/1.1')],
    ['a method that only starts with SEND', head('SENDX /u HTTP/1.1')],
    ['a write that is not a whole header block', 'SEND /u HTTP/1.1\r\nhost: n\r\n'],
  ])('leaves %s as it is', (_what, text) => {
    expect(withZeroContentLength(text)).toBe(text);
  });
});
