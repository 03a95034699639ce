import type { Socket } from 'node:net';
import { decide } from '../../../functions/core/outcome/decide.js';
import { parseRegistry, resolveRoute } from '../../../functions/core/registry/registry.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { attemptSend } from '../../../functions/worker/send-attempt.js';
import type { Telemetry } from '../../../functions/worker/ports.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';

// The worker's overwrite and identity paths against raw-socket nodes: what a real SEND client
// puts on the wire and makes of answers the simulator never gives in this form (a source and a
// DR node that answer as each test says). One SEND (409) on the source, verify's HEADs on both.

const MD5 = 'XrY7u+Ae7tCTyyK7j1rNww==';
const NEW = { etag: '"new"', length: 9, version: '1700000005.000' };
const OLD = { etag: '"old"', length: 3, version: '1700000000.000' };

interface Copy {
  readonly etag: string;
  readonly length: number;
  readonly version: string;
  readonly md5?: string;
}

const headAnswer = (c: Copy): string =>
  [
    'HTTP/1.1 200 OK',
    `Content-Length: ${c.length}`,
    `Etag: ${c.etag}`,
    `Castor-System-Version: ${c.version}`,
    ...(c.md5 ? [`Content-MD5: ${c.md5}`] : []),
    '',
    '',
  ].join('\r\n');

const chunked = (headers: string, body: string, trailers = ''): string =>
  `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n${headers}\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n${trailers}\r\n`;

/** The source: a legacy SEND answers 409 with the source's ETag; a feed SEND status 0, and DR is then `after`. */
function sourceNode(source: Copy, onForce: () => void): Promise<RawNode> {
  return startRawNode((head, socket: Socket) => {
    if (head.startsWith('HEAD ')) return void socket.write(headAnswer(source));
    if (head.includes('feedid=')) {
      onForce();
      return void socket.write(chunked('trailer: Feed-1-Status\r\n', '\nFeed-1-Status: 0\n', 'Feed-1-Status: 0\r\n'));
    }
    socket.write(chunked(`Etag: ${source.etag}\r\n`, '\nRemote cluster returned: 409\n'));
  });
}

const drNode = (copy: () => Copy): Promise<RawNode> =>
  startRawNode((_head, socket) => void socket.write(headAnswer(copy())));

const quiet: Telemetry = { outcome: () => undefined, warn: () => undefined, flush: () => undefined };

describe('overwrites and content identity on raw nodes', () => {
  const nodes: RawNode[] = [];
  const client = new SendClient();
  afterAll(async () => {
    await client.close();
    await Promise.all(nodes.map((n) => n.close()));
  });

  async function run(o: { source: Copy; dr: Copy; route?: Record<string, unknown>; afterForce?: Copy }) {
    let drCopy = o.dr;
    const src = await sourceNode(o.source, () => (drCopy = o.afterForce ?? drCopy));
    const dr = await drNode(() => drCopy);
    nodes.push(src, dr);
    const route = resolveRoute(
      parseRegistry({
        clusters: {
          p: { name: 'baker', nodes: [src.address], credentials: 'x' },
          d: { name: 'dr', nodes: [dr.address], target: dr.address, credentials: 'y' },
        },
        defaultRoute: { from: 'p', to: 'd', verify: true, ...o.route },
      }),
    );
    const credentials = { get: async () => ADMIN, refresh: () => undefined };
    const open = new AbortController().signal;
    const request = { route, message: { object: { uuid: 'a'.repeat(32), alias: true } }, replicationFeeds: [] };
    const happening = await attemptSend(request, { client, credentials, telemetry: quiet }, open, open);
    const sends = src.requests.filter((h) => h.startsWith('SEND '));
    return { verdict: decide(happening, { attempt: 1, maxAttempts: 5 }), sends };
  }

  it('an older DR version with no way to replace it: failed at once, one SEND, both versions', async () => {
    const { verdict, sends } = await run({ source: NEW, dr: OLD });
    expect(verdict).toMatchObject({
      outcome: 'failed',
      reason: 'stale-at-destination',
      versions: { source: '2023-11-14T22:13:25.000Z', destination: '2023-11-14T22:13:20.000Z' },
    });
    expect(sends).toHaveLength(1);
  });

  it('with a replication feed: a feed SEND with force=true on the route feed, then DR verified again', async () => {
    const { verdict, sends } = await run({ source: NEW, dr: OLD, afterForce: NEW, route: { replicationFeeds: [1] } });
    expect(verdict).toMatchObject({ outcome: 'replicated', reason: 'stale-replaced', replaced: { by: 'feed-force' } });
    expect(sends).toHaveLength(2);
    expect(sends[1]!.split(' ')[1]).toBe(`/${'a'.repeat(32)}?alias&admin&feedid=1&timeout=60&force=true`);
  });

  it('a forced feed SEND the DR copy does not follow is a retry, stale-at-destination', async () => {
    const { verdict } = await run({ source: NEW, dr: OLD, route: { replicationFeeds: [1] } });
    expect(verdict).toMatchObject({ outcome: 'retry', reason: 'stale-at-destination' });
    expect(verdict.detail).toContain('after a forced feed SEND the DR copy is still not the source');
  });

  it('a re-encoded DR copy (other ETag, later version, same size and Content-MD5) is already-present', async () => {
    const source = { ...OLD, md5: MD5 };
    const { verdict } = await run({ source, dr: { ...source, etag: '"reencoded"', version: '1700000009.000' } });
    expect(verdict).toMatchObject({ outcome: 'already-present', reason: 'already-present' });
  });

  it.each([
    ['accept', 'replicated'],
    ['retry', 'retry'],
    ['fail', 'failed'],
  ] as const)('no digest on either side: unprovenIdentity %s gives %s', async (choice, outcome) => {
    const { verdict } = await run({
      source: OLD,
      dr: { ...OLD, etag: '"reencoded"' },
      route: { unprovenIdentity: choice },
    });
    expect(verdict).toMatchObject({ outcome, reason: 'unproven-identity' });
  });
});
