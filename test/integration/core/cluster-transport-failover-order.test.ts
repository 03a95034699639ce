import type { TransportRequest } from '../../../functions/core/transport/cluster-transport.js';
import type { Answer } from '../../helpers/raw-node.js';
import { transportOnRawNodes } from '../../helpers/transport.js';
import { DROPPED_DETAIL } from '../../../functions/core/redact.js';

// Which node a request goes to, when it moves on, and what of a second account's password a
// node's error text may show.

const ok: Answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');

describe('ClusterTransport choosing nodes', () => {
  const { get: getOn, renew, start } = transportOnRawNodes();
  const get = (cluster: TransportRequest['cluster'], extra: Partial<TransportRequest> = {}) =>
    getOn(cluster, { target: '/b?format=json', ...extra });

  it('starts each request one node further along the configured list', async () => {
    const seen: string[] = [];
    const named =
      (name: string): Answer =>
      (head, socket, index) => (seen.push(name), ok(head, socket, index));
    const { cluster } = await start(named('a'), named('b'), named('c'));
    for (let i = 0; i < 4; i++) expect(await get(cluster)).toMatchObject({ status: 200, body: 'ok' });
    // The fourth request came round to the first node again.
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
  });

  /** A node that holds every request until released, then answers each 200. */
  const held = () => {
    const waiting: (() => void)[] = [];
    const answer: Answer = (head, socket, index) => void waiting.push(() => ok(head, socket, index));
    return { answer, count: () => waiting.length, release: () => waiting.splice(0).forEach((f) => f()) };
  };
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 5));
  };

  it('puts the least busy nodes first: a request whose turn falls on busy nodes goes to a free one', async () => {
    const a = held();
    const b = held();
    const seen: string[] = [];
    const c: Answer = (head, socket, index) => (seen.push('c'), ok(head, socket, index));
    const { cluster } = await start(a.answer, b.answer, c);
    const first = get(cluster); // a, held
    await until(() => a.count() === 1);
    const second = get(cluster); // b, held
    await until(() => b.count() === 1);
    expect(await get(cluster)).toMatchObject({ status: 200 }); // c's turn
    // The fourth turn is a's again, but a and b are each busy with a request: c takes it.
    expect(await get(cluster)).toMatchObject({ status: 200 });
    expect(seen).toEqual(['c', 'c']);
    expect([a.count(), b.count()]).toEqual([1, 1]);
    a.release();
    b.release();
    expect(await Promise.all([first, second])).toMatchObject([{ status: 200 }, { status: 200 }]);
  });

  it('keeps a fixed order (rotate: false) and a usable hint first, however busy that node is', async () => {
    const a = held();
    const b = held();
    const { started, cluster } = await start(a.answer, b.answer, ok);
    const pending = [get(cluster, { rotate: false })];
    await until(() => a.count() === 1);
    pending.push(get(cluster, { rotate: false }));
    await until(() => a.count() === 2);
    pending.push(get(cluster, { nodeHint: started[1]!.address }));
    await until(() => b.count() === 1);
    pending.push(get(cluster, { nodeHint: started[1]!.address }));
    await until(() => b.count() === 2);
    expect(started[2]!.requests).toHaveLength(0);
    a.release();
    b.release();
    const done = await Promise.all(pending);
    expect(done.map((x) => x.node?.hostPort)).toEqual([
      started[0]!.address,
      started[0]!.address,
      started[1]!.address,
      started[1]!.address,
    ]);
  });

  it('answers from the first node that answers whole; a 200 is not tried again elsewhere', async () => {
    const { started, cluster } = await start(ok, ok);
    expect(await get(cluster)).toMatchObject({ status: 200, node: { hostPort: started[0]!.address } });
    expect(started[1]!.requests).toHaveLength(0);
  });

  it('moves on after a whole 503, but not after a 503 whose body broke off (the connection failed after the status line)', async () => {
    const busy: Answer = (_head, socket) =>
      socket.write('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy');
    const broken: Answer = (_head, socket) =>
      socket.write('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 100\r\n\r\nbu', () => socket.destroy());

    const whole = await start(busy, ok);
    expect(await get(whole.cluster)).toMatchObject({ status: 200, body: 'ok' });
    expect(whole.started.map((n) => n.requests.length)).toEqual([1, 1]);

    await renew();
    const cut = await start(broken, ok);
    const x = await get(cut.cluster);
    expect(x).toMatchObject({ status: 503, complete: false, node: { hostPort: cut.started[0]!.address } });
    expect(x.error).not.toBeNull();
    expect(cut.started[1]!.requests).toHaveLength(0);
  });

  it("drops a detail that echoes the remote account's password (of Castor-System-Auth)", async () => {
    const echo: Answer = (_head, socket) => {
      const text = 'remote login dradmin:dr-s3cret! failed; password dr-s3cret! refused';
      socket.write(
        'HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n' +
          `castor-system-error-code: 500\r\ncastor-system-error-token: RemoteAuth\r\ncastor-system-error-text: ${text}\r\n\r\n`,
      );
    };
    const { cluster } = await start(echo);
    const x = await get(cluster, { extraAuthHeaders: { 'Castor-System-Auth': 'dradmin:dr-s3cret!' } });
    expect(x.status).toBe(500);
    expect(x.detail).toBe(DROPPED_DETAIL);
  });
});
