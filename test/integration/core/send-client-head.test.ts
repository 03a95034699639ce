import { USER_AGENT } from '../../../functions/core/send/scsp-request.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { headerOf, type Answer } from '../../helpers/raw-node.js';
import { ADMIN, scriptedRoute } from '../../helpers/swarm.js';
import { sendClientOnRawNodes } from '../../helpers/send-client.js';

// The verify HEAD (SendClient.head) against raw-socket nodes: where it goes, what it sends and
// what it reads back.

const OBJECT = { uuid: 'd'.repeat(32) };
const found: Answer = (_head, socket) =>
  socket.write('HTTP/1.1 200 OK\r\netag: "e1"\r\ncontent-length: 5\r\ncastor-system-version: 1700000000.5\r\n\r\n');

describe('SendClient HEAD', () => {
  const raw = sendClientOnRawNodes();
  const start = (answer: Answer = found) => raw.start(answer);

  it('on a destination named only by its target (no node list) asks the target and reads its answer', async () => {
    const node = await start();
    const { dr } = scriptedRoute(['127.0.0.1:9'], { drTarget: node.address });
    expect(dr.nodes).toStrictEqual([]);
    const r = await raw.client.head(dr, OBJECT, ADMIN);
    expect(r).toStrictEqual({
      status: 200,
      etag: '"e1"',
      contentLength: 5,
      version: '1700000000.5',
      node: node.address,
      error: null,
      contentMd5: null,
      lastModified: null,
    });
    expect(node.requests).toHaveLength(1);
    expect(node.requests[0]!.split(' ').slice(0, 2)).toStrictEqual(['HEAD', `/${OBJECT.uuid}?admin`]);
  });

  it('names the product in its User-Agent', async () => {
    const node = await start();
    await raw.client.head(scriptedRoute([node.address]).source, OBJECT, ADMIN);
    expect(headerOf(node.requests[0]!, 'user-agent')).toBe(USER_AGENT);
  });

  it('reads an answer without Content-Length as no length, never as zero', async () => {
    const node = await start((_head, socket) => socket.write('HTTP/1.1 200 OK\r\netag: "e1"\r\n\r\n'));
    const r = await raw.client.head(scriptedRoute([node.address]).source, OBJECT, ADMIN);
    expect(r).toMatchObject({ status: 200, etag: '"e1"', contentLength: null, version: null });
  });

  it('asks the nodes in their configured order every time: the first node while it answers', async () => {
    const first = await start();
    const second = await start();
    const cluster = parseRegistry({
      clusters: { p: { name: 'p', nodes: [first.address, second.address], credentials: 'x' } },
    }).clusters.p!;
    const heads = [];
    for (let i = 0; i < 4; i++) heads.push(await raw.client.head(cluster, OBJECT, ADMIN));
    expect(heads.map((h) => h.node)).toStrictEqual(Array(4).fill(first.address));
    expect(second.requests).toStrictEqual([]);
  });
});
