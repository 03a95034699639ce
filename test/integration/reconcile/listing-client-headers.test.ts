import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { USER_AGENT } from '../../../functions/core/send/scsp-request.js';
import { answerWith, headerOf, inTurn } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';
import { transportOnRawNodes } from '../../helpers/transport.js';

// What listing requests say: the User-Agent of every page and usage check, and the marker of each next page.

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;

describe('ListingClient requests', () => {
  const raw = transportOnRawNodes();
  /** A client on a node that answers every request with an empty page and 3 bytes used. */
  const clientWith = async (options: ConstructorParameters<typeof ListingClient>[3] = {}) => {
    const { started, cluster } = await raw.start(answerWith('200 OK', 'castor-system-bytes-used: 3\r\n', '[]'));
    return { node: started[0]!, client: new ListingClient(raw.transport(), cluster, ADMIN, options) };
  };

  it('name the product in their User-Agent by default', async () => {
    const { node, client } = await clientWith();
    expect(await client.page(SCOPE, null)).toStrictEqual([]);
    expect(await client.usage({ domain: 'example.com', bucket: 'b' })).toBe(3);
    expect(node.requests.map((h) => headerOf(h, 'user-agent'))).toStrictEqual([USER_AGENT, USER_AGENT]);
  });

  it('carry the User-Agent the client was given', async () => {
    const { node, client } = await clientWith({ userAgent: 'reconcile-test/1.0' });
    await client.page(SCOPE, null);
    await client.usage({ domain: 'example.com', bucket: 'b' });
    expect(node.requests.map((h) => headerOf(h, 'user-agent'))).toStrictEqual([
      'reconcile-test/1.0',
      'reconcile-test/1.0',
    ]);
  });

  it('ask for each next page after the last row of the page before', async () => {
    const pages = ['[{"name":"a"},{"name":"b"},{"name":"c"}]', '[{"name":"d"},{"name":"e"},{"name":"f"}]', '[]'];
    const { started, cluster } = await raw.start(inTurn(pages.map((page) => answerWith('200 OK', '', page))));
    const client = new ListingClient(raw.transport(), cluster, ADMIN, { pageSize: 3 });
    const keys: string[] = [];
    for await (const page of client.pages(SCOPE)) keys.push(...page.map((r) => r.key));
    expect(keys).toStrictEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(started[0]!.requests.map((h) => h.split(' ')[1])).toStrictEqual([
      '/b?format=json&domain=example.com&size=3&admin',
      '/b?format=json&domain=example.com&size=3&marker=c&admin',
      '/b?format=json&domain=example.com&size=3&marker=f&admin',
    ]);
  });
});
