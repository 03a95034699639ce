import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { digestHeader, RawConnection, request } from '../../helpers/raw-client.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

// The legacy SEND exchange as the SCSP contract shows it (docs/swarm-scsp.md, section A),
// checked byte by byte on a raw socket.
const DATE =
  '(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT';
const ALLOW = 'HEAD, HOLD, GET, SEND, PUT, RELEASE, POST, COPY, GEN, APPEND, DELETE';

function exact(parts: string[]): RegExp {
  return new RegExp(`^${parts.join('')}$`);
}

describe('legacy SEND exchange, byte by byte', () => {
  let sim: SwarmSimulator;
  let source: string;
  let dr: string;

  beforeAll(async () => {
    sim = await startSimulatorPair();
    source = sim.cluster('baker').addresses[0] ?? '';
    dr = sim.cluster('dr').addresses[0] ?? '';
  });
  afterAll(() => sim.close());

  it('answers 401 with both challenges, then 200 chunked with keep-alives and "Remote cluster returned: 201"', async () => {
    const obj = sim.cluster('baker').put({ alias: true, body: '<doc/>', contentType: 'text/xml' });
    const target = `/${obj.uuid}?alias&admin`;
    const headers = { 'Castor-System-Cluster': 'dr', 'Castor-System-Target': dr };
    const conn = await RawConnection.open(source);

    const challenge = await conn.exchange(request('SEND', target, source, headers));
    expect(challenge.raw).toMatch(
      exact([
        'HTTP/1\\.1 401 Unauthorized\\r\\n',
        'WWW-Authenticate: Digest realm="CAStor administrator", nonce="[0-9a-f]{32}", opaque="[0-9a-f]{32}", stale=false, qop="auth", algorithm=MD5\\r\\n',
        'WWW-Authenticate: Basic realm="CAStor administrator"\\r\\n',
        'Content-Length: 53\\r\\n',
        'Content-Type: text/html\\r\\n',
        `Date: ${DATE}\\r\\n`,
        'Server: CAStor Cluster/9\\.1\\.0\\r\\n',
        `Allow: ${ALLOW}\\r\\n`,
        '\\r\\n',
        '<html><body><h2>401 Unauthorized</h2></body></html>\\r\\n',
      ]),
    );

    const digest = challenge.headerAll('WWW-Authenticate')[0] ?? '';
    const authorization = digestHeader({
      challenge: digest,
      user: 'admin',
      password: 'ourpwdofchoicehere',
      method: 'SEND',
      uri: target,
    });
    const ok = await conn.exchange(request('SEND', target, source, { ...headers, Authorization: authorization }));
    const etag = obj.etag.replace(/"/g, '\\"');
    expect(ok.raw).toMatch(
      exact([
        'HTTP/1\\.1 200 OK\\r\\n',
        `Castor-System-Alias: ${obj.uuid}\\r\\n`,
        'Castor-System-Cluster: baker\\r\\n',
        `Castor-System-Created: ${DATE}\\r\\n`,
        'Castor-System-Version: \\d+\\.\\d{3}\\r\\n',
        'Content-type: text/xml\\r\\n',
        `Last-Modified: ${DATE}\\r\\n`,
        'transfer-encoding: chunked\\r\\n',
        `Etag: ${etag}\\r\\n`,
        `Date: ${DATE}\\r\\n`,
        'Server: CAStor Cluster/9\\.1\\.0\\r\\n',
        '\\r\\n',
        '1\\r\\n\\n\\r\\n',
        '1\\r\\n\\n\\r\\n',
        '1d\\r\\nRemote cluster returned: 201\\n\\r\\n',
        '0\\r\\n\\r\\n',
      ]),
    );
    expect(ok.chunks).toEqual(['\n', '\n', 'Remote cluster returned: 201\n']);

    const copy = sim.cluster('dr').get({ uuid: obj.uuid });
    expect(copy).toMatchObject({
      uuid: obj.uuid,
      etag: obj.etag,
      alias: true,
      contentType: 'text/xml',
      cluster: 'baker',
    });
    expect(Buffer.from(copy?.body ?? []).toString()).toBe('<doc/>');

    // Same nonce, next nc: no second challenge, and the object is already there.
    const again = await conn.exchange(
      request('SEND', target, source, {
        ...headers,
        Authorization: digestHeader({
          challenge: digest,
          user: 'admin',
          password: 'ourpwdofchoicehere',
          method: 'SEND',
          uri: target,
          nc: 2,
        }),
      }),
    );
    expect(again.statusLine).toBe('HTTP/1.1 200 OK');
    expect(again.chunks.at(-1)).toBe('Remote cluster returned: 409\n');
    expect(sim.counters()).toMatchObject({ requests: 3, sends: 2, challenges: 1, authRejected: 0 });
    conn.close();
  });

  it('answers an outer 409 Conflict for an object already at the destination with alreadyPresent "status"', async () => {
    const strict = await startSimulator({
      alreadyPresent: 'status',
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    try {
      const obj = strict.cluster('baker').put({ body: 'x' });
      strict.cluster('dr').put({ uuid: obj.uuid, body: 'x' });
      const src = strict.cluster('baker').addresses[0] ?? '';
      const headers = {
        'Castor-System-Cluster': 'dr',
        'Castor-System-Target': strict.cluster('dr').addresses[0] ?? '',
      };
      const conn = await RawConnection.open(src);
      const first = await conn.exchange(request('SEND', `/${obj.uuid}?admin`, src, headers));
      const auth = digestHeader({
        challenge: first.header('www-authenticate') ?? '',
        user: 'admin',
        password: 'ourpwdofchoicehere',
        method: 'SEND',
        uri: `/${obj.uuid}?admin`,
      });
      const res = await conn.exchange(request('SEND', `/${obj.uuid}?admin`, src, { ...headers, Authorization: auth }));
      expect(res.statusLine).toBe('HTTP/1.1 409 Conflict');
      expect(res.header('Castor-System-Error-Code')).toBe('409');
      expect(res.header('Castor-System-Error-Token')).toBe('Conflict');
      expect(res.header('Content-Type')).toBe('text/html');
      expect(res.header('Castor-System-Error-Text')).toBe('Object already exists in the destination cluster');
      conn.close();
    } finally {
      await strict.close();
    }
  });
});
