import { getEventListeners } from 'node:events';
import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { ListingError } from '../../../functions/core/listing/listing.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { answerWith, inTurn, type Answer } from '../../helpers/raw-node.js';
import { ADMIN } from '../../helpers/swarm.js';
import { clusterOf, transportOnRawNodes } from '../../helpers/transport.js';

// How the listing client turns each kind of answer into a ListingError (its code, status and the
// words an operator reads), which of them it tries again, and the pause between tries. Raw-socket
// nodes answer as scripted; the transport is the real one.

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;
const fast = { sleep: async () => undefined };

describe('the pause between tries of a page', () => {
  /** Lets every pending promise callback run (no I/O is involved here, only timers). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('ends at once when the walk is aborted, leaving no timer and no listener behind', async () => {
    // The real timer functions, wrapped to see which timers the pause starts and clears.
    const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
    const started: unknown[] = [];
    const cleared: unknown[] = [];
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      const t = realSet(fn, ms);
      if (ms === 600_000) started.push(t);
      return t;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((t?: Parameters<typeof clearTimeout>[0]) => {
      cleared.push(t);
      realClear(t);
    }) as typeof clearTimeout;
    const transport = new ClusterTransport();
    try {
      // No node to ask: every try fails at once, without I/O, and the next one waits ten minutes.
      const cluster = { ...clusterOf(['127.0.0.1:9']), nodes: [] };
      const client = new ListingClient(transport, cluster, ADMIN, { triesPerPage: 2, retryDelayMs: 600_000 });
      const controller = new AbortController();
      let outcome: unknown = 'pending';
      void client.page(SCOPE, null, controller.signal).then(
        () => (outcome = 'listed'),
        (err: unknown) => (outcome = err),
      );
      await settle();
      expect(outcome).toBe('pending'); // waiting before the second try
      expect(started).toHaveLength(1);
      controller.abort();
      await settle();
      expect(outcome).toBeInstanceOf(ListingError);
      expect(outcome).toMatchObject({ code: 'aborted', message: 'listing aborted' });
      expect(cleared).toContain(started[0]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(client.requests).toBe(0);
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
      for (const t of started) realClear(t as Parameters<typeof clearTimeout>[0]);
      await transport.close();
    }
  });
});

describe('the pause between tries of a page, ended by its timer', () => {
  it('leaves no listener on the walk signal, however many pages were tried again', async () => {
    const transport = new ClusterTransport();
    try {
      // No node to ask: every try fails at once, so each page pauses twice before it gives up.
      const cluster = { ...clusterOf(['127.0.0.1:9']), nodes: [] };
      const client = new ListingClient(transport, cluster, ADMIN, { triesPerPage: 3, retryDelayMs: 1 });
      const controller = new AbortController();
      for (let page = 0; page < 6; page++) {
        await expect(client.page(SCOPE, null, controller.signal)).rejects.toBeInstanceOf(ListingError);
      }
      // Twelve pauses ended on their timers: each removed its abort listener (a long walk on one
      // signal would otherwise pile them up, past Node's MaxListeners warning).
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      await transport.close();
    }
  });
});

describe('ListingClient errors', () => {
  const raw = transportOnRawNodes();
  /** A client on one raw node whose `index`-th request is answered by `answers[index]` (the last one after that). */
  const clientOn = async (answers: Answer[], options: ConstructorParameters<typeof ListingClient>[3] = {}) => {
    const { started, cluster } = await raw.start(inTurn(answers));
    return { node: started[0]!, client: new ListingClient(raw.transport(), cluster, ADMIN, { ...fast, ...options }) };
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a ListingError');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(ListingError);
        const e = err as ListingError;
        return { code: e.code, status: e.status, message: e.message };
      },
    );

  it('a 400 is a bad request, named with the reason the node gave, and not tried again', async () => {
    const { client } = await clientOn([
      answerWith('400 Bad Request', 'castor-system-error-text: unknown field nope\r\n'),
      answerWith('200 OK', '', '[]'),
    ]);
    expect(await failure(client.page(SCOPE, null))).toStrictEqual({
      code: 'bad-request',
      status: 400,
      message: 'the cluster refused the listing query (400): unknown field nope',
    });
    expect(client.requests).toBe(1);
  });

  it.each([
    ['404', '404 Not Found'],
    ['412', '412 Precondition Failed'],
  ])(
    'a %s says the scope does not exist, with the reason the node gave, and is not tried again',
    async (code, line) => {
      const { client } = await clientOn([
        answerWith(line, 'castor-system-error-text: no such bucket\r\n'),
        answerWith('200 OK', '', '[]'),
      ]);
      expect(await failure(client.page(SCOPE, null))).toStrictEqual({
        code: 'not-found',
        status: Number(code),
        message: `the scope does not exist on this cluster (${code}): no such bucket`,
      });
      expect(client.requests).toBe(1);
    },
  );

  it('another 4xx ends the page at once, with the status and no made-up reason', async () => {
    const { client } = await clientOn([answerWith("418 I'm a teapot"), answerWith('200 OK', '', '[]')]);
    expect(await failure(client.page(SCOPE, null))).toStrictEqual({
      code: 'http-status',
      status: 418,
      message: 'listing answered 418',
    });
    expect(client.requests).toBe(1);
  });

  it.each([
    ['500', '500 Internal Server Error'],
    ['502', '502 Bad Gateway'],
  ])('a %s is tried again, and the page read on the next try', async (_status, line) => {
    const { client } = await clientOn([answerWith(line), answerWith('200 OK', '', '[{"name":"a"}]')]);
    expect((await client.page(SCOPE, null)).map((r) => r.key)).toStrictEqual(['a']);
    expect(client.requests).toBe(2);
  });

  it('a 5xx that persists ends the page with its status and reason after every try', async () => {
    const { client } = await clientOn([answerWith('500 Internal Server Error', 'castor-system-error-text: disk\r\n')], {
      triesPerPage: 3,
    });
    expect(await failure(client.page(SCOPE, null))).toStrictEqual({
      code: 'http-status',
      status: 500,
      message: 'listing answered 500: disk',
    });
    expect(client.requests).toBe(3);
  });

  it('a 401 with no challenge is refused, saying what the node offered', async () => {
    const { client } = await clientOn([answerWith('401 Unauthorized')]);
    expect(await failure(client.page(SCOPE, null))).toStrictEqual({
      code: 'auth-rejected',
      status: 401,
      message: 'listing refused (401): no supported authentication offered (no challenge)',
    });
  });

  it('credentials no header can carry end the walk as credentials-invalid, permanent, and ask nothing', async () => {
    const { started, cluster } = await raw.start(answerWith('200 OK', '', '[]'));
    const client = new ListingClient(raw.transport(), cluster, { username: 'admin', password: 'pw\r\nx: 1' }, fast);
    const err = await client.page(SCOPE, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListingError);
    expect(err).toMatchObject({
      code: 'credentials-invalid',
      status: null,
      message: 'listing not asked: credentials: the password contains a control character (CR, LF, NUL...)',
    });
    // Not `network`: a later run fails the same way, so it is no transient failure (exit 75).
    expect((err as ListingError).transient).toBe(false);
    expect(client.requests).toBe(0);
    expect(started[0]!.bytes()).toBe('');
  });

  it('a connection closed before any answer is a network error naming the transport error', async () => {
    const { client } = await clientOn([(_head, socket) => socket.destroy()], { triesPerPage: 1 });
    const e = await failure(client.page(SCOPE, null));
    expect(e).toMatchObject({ code: 'network', status: null });
    expect(e.message).toMatch(/^listing failed: connection-reset: \S/);
  });

  it('a cluster with no node to ask is a network error with that reason', async () => {
    const client = new ListingClient(raw.transport(), { ...clusterOf(['127.0.0.1:9']), nodes: [] }, ADMIN, {
      ...fast,
      triesPerPage: 1,
    });
    expect(await failure(client.page(SCOPE, null))).toStrictEqual({
      code: 'network',
      status: null,
      message: 'listing failed: network-error: no node to ask',
    });
  });

  it('an aborted walk ends as aborted, never as a network error to try again, and asks nothing more', async () => {
    const { client } = await clientOn([answerWith('200 OK', 'castor-system-bytes-used: 5\r\n')]);
    const gone = AbortSignal.abort();
    expect(await failure(client.usage({ domain: 'example.com', bucket: 'b' }, gone))).toStrictEqual({
      code: 'aborted',
      status: null,
      message: 'listing aborted',
    });
    expect(await failure(client.page(SCOPE, null, gone))).toStrictEqual({
      code: 'aborted',
      status: null,
      message: 'listing aborted',
    });
    expect(client.requests).toBeLessThanOrEqual(1);
  });

  it('a page with rows out of order ends the walk at once: trying again cannot mend it', async () => {
    const { client } = await clientOn([
      answerWith('200 OK', '', '[{"name":"b"},{"name":"a"}]'),
      answerWith('200 OK', '', '[]'),
    ]);
    const e = await failure(client.page(SCOPE, null));
    expect(e).toMatchObject({ code: 'bad-page', status: 200 });
    expect(e.message).toMatch(/^a listing page could not be used: /);
    expect(client.requests).toBe(1);
  });

  it('a page that is not JSON is tried again', async () => {
    const { client } = await clientOn([
      answerWith('200 OK', '', '<html>busy</html>'),
      answerWith('200 OK', '', '[{"name":"a"}]'),
    ]);
    expect((await client.page(SCOPE, null)).map((r) => r.key)).toStrictEqual(['a']);
    expect(client.requests).toBe(2);
  });

  it.each([
    ['a number', 'castor-system-bytes-used: 12345\r\n', 12345],
    ['the first of two values', 'castor-system-bytes-used: 7\r\ncastor-system-bytes-used: 9\r\n', 7],
    ['no number', 'castor-system-bytes-used: lots\r\n', null],
    ['a negative number', 'castor-system-bytes-used: -5\r\n', null],
    ['no header', '', null],
  ])('reads the bytes a bucket uses from %s', async (_what, headers, bytes) => {
    const { node, client } = await clientOn([answerWith('200 OK', headers)]);
    expect(await client.usage({ domain: 'example.com', bucket: 'b' })).toBe(bytes);
    expect(node.requests[0]!.split(' ')[1]).toBe('/b?format=json&domain=example.com&du=withoutreps&size=0&admin');
  });

  it('a usage check the cluster cannot answer is an error, never "no bytes"', async () => {
    const { client } = await clientOn([answerWith('503 Service Unavailable')]);
    expect(await failure(client.usage({ domain: 'example.com', bucket: 'b' }))).toMatchObject({
      code: 'unavailable',
      status: 503,
      message: 'listing unavailable (503: search feed or indexer down?)',
    });
  });

  it('asks for the fields it was told to, and leaves fields= out otherwise', async () => {
    const { node, client } = await clientOn([answerWith('200 OK', '', '[]')], { fields: ['name', 'etag'] });
    await client.page(SCOPE, null);
    const plain = new ListingClient(raw.transport(), clusterOf([node.address]), ADMIN, fast);
    await plain.page(SCOPE, null);
    expect(node.requests.map((h) => h.split(' ')[1])).toStrictEqual([
      '/b?format=json&domain=example.com&size=1000&fields=name,etag&admin',
      '/b?format=json&domain=example.com&size=1000&admin',
    ]);
  });
});
