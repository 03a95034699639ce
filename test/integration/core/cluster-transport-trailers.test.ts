import { parseSendBody } from '../../../functions/core/send/response-parser.js';
import { transportOnRawNodes } from '../../helpers/transport.js';
import { ADMIN } from '../../helpers/swarm.js';

// The trailers of a chunked answer as the transport hands them on. A feed SEND's status is a
// single value (swarm-scsp.md 2.4); a trailer that came twice is malformed, and the transport
// does not pick one of its values: the body's copy of the status decides, and without one the
// result is unknown, so the SEND is retried rather than acknowledged on a guess.

describe('ClusterTransport reading trailers', () => {
  const { transport, start } = transportOnRawNodes();
  const answerWith = async (body: string, trailerLines: string[]) => {
    const { cluster } = await start((_head, socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: Feed-1-Status\r\n\r\n' +
          `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n` +
          trailerLines.map((l) => `${l}\r\n`).join('') +
          '\r\n',
      ),
    );
    return transport().request({
      cluster,
      credentials: ADMIN,
      method: 'POST',
      target: '/b/k?send&feedid=1&feedtype=replication',
      headers: {},
      readBody: 'text',
    });
  };

  it('keeps a single trailer, its name in lower case', async () => {
    const x = await answerWith('\n', ['Feed-1-Status: 201', 'Feed-1-StatusTime: 1764000000']);
    expect(x).toMatchObject({ status: 200, complete: true, error: null });
    expect(x.trailers).toEqual({ 'feed-1-status': '201', 'feed-1-statustime': '1764000000' });
    expect(parseSendBody(x.body, x.trailers).feeds['1']).toEqual({ status: 201, statusTime: '1764000000' });
  });

  it('drops a trailer that came twice, and keeps the others', async () => {
    const x = await answerWith('\n', ['Feed-1-Status: 500', 'Feed-1-Status: 201', 'Feed-1-StatusTime: 1764000000']);
    expect(x).toMatchObject({ status: 200, complete: true, error: null });
    expect(x.trailers).toEqual({ 'feed-1-statustime': '1764000000' });
    // Without a copy in the body, nothing tells the status: not a success.
    expect(parseSendBody(x.body, x.trailers).feeds['1']).toEqual({ status: null, statusTime: '1764000000' });
  });

  it("a repeated status trailer leaves the body's copy to decide", async () => {
    const x = await answerWith('\nFeed-1-Status: 201\n', ['Feed-1-Status: 500', 'Feed-1-Status: 500']);
    expect(x.trailers).toEqual({});
    expect(parseSendBody(x.body, x.trailers).feeds['1']?.status).toBe(201);
  });
});
