import { startPair } from '../../helpers/simulator-pair.js';
import { basicHeader, PW, RawConnection, request } from '../../helpers/raw-client.js';

describe('SEND answers that end the connection', () => {
  it('serves nothing pipelined behind a truncated SEND answer: the connection ends with it', async () => {
    const pair = await startPair();
    const conn = await RawConnection.open(pair.src);
    try {
      const uuid = pair.source.put({ body: 'payload' }).uuid;
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'truncate' } });
      const send = request('SEND', `/${uuid}?admin`, pair.src, {
        ...pair.legacy,
        Authorization: basicHeader('admin', PW),
      });
      conn.write(send + request('GET', `/${uuid}`, pair.src));
      const { text, error } = await conn.drain();
      expect(error).toBeUndefined();
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n1\r\n\n\r\n1\r\n\n\r\n$/);
      expect(pair.sim.counters().byMethod).toEqual({ SEND: 1 });
    } finally {
      conn.close();
      await pair.sim.close();
    }
  });
});
