import { createServer } from 'node:net';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { ADMIN, scriptedRoute, startSwarmPair, type SwarmPair } from '../../helpers/swarm.js';
import { answerCreated, headerOf, startRawNode, type Answer } from '../../helpers/raw-node.js';
import { sendClientOnRawNodes } from '../../helpers/send-client.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// The real client against the project's Swarm simulator over real sockets: one test per failure
// mode of swarm-scsp.md section 4 (rows named in the test titles).

describe('SendClient against the simulator', () => {
  let pair: SwarmPair;
  beforeEach(async () => {
    pair = await startSwarmPair();
  });
  afterEach(async () => {
    await pair.close();
  });
  const put = (body = 'payload') => pair.sim.cluster('baker').put({ body });

  describe('legacy SEND results', () => {
    it('L1: copies the object and reports replicated from "Remote cluster returned: 201"', async () => {
      const obj = put('hello');
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({
        outcome: 'replicated',
        reason: 'created',
        observation: { httpStatus: 200, remoteStatus: 201, complete: true },
      });
      expect(pair.sim.cluster('dr').get({ uuid: obj.uuid })?.etag).toBe(obj.etag);
      expect(r.etag).toBe(obj.etag);
      expect(r.requests).toBe(2); // the first SEND on a node pays the challenge
    });

    it('L2: reports already-present on a second SEND (result line 409)', async () => {
      const obj = put();
      await pair.send({ uuid: obj.uuid });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'already-present',
        reason: 'already-present',
        observation: { httpStatus: 200, remoteStatus: 409 },
      });
    });

    it('L2: reports already-present when the node answers an outer 409', async () => {
      await pair.close();
      pair = await startSwarmPair({ sim: { alreadyPresent: 'status' } });
      const obj = put();
      await pair.send({ uuid: obj.uuid });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'already-present',
        observation: { httpStatus: 409 },
      });
    });

    it('replicates a named object whose name holds UTF-8 and slashes', async () => {
      const obj = pair.sim
        .cluster('baker')
        .put({ domain: 'baker', bucket: 'docs', name: '2026/Grüße & co/ä?.pdf', body: 'x' });
      const r = await pair.send({ domain: 'baker', bucket: 'docs', name: '2026/Grüße & co/ä?.pdf' });
      expect(r.outcome).toBe('replicated');
      expect(
        pair.sim.cluster('dr').get({ domain: 'baker', bucket: 'docs', name: '2026/Grüße & co/ä?.pdf' })?.etag,
      ).toBe(obj.etag);
    });

    it('replicates an alias object with the alias argument', async () => {
      const obj = pair.sim.cluster('baker').put({ body: 'a', alias: true });
      expect(await pair.send({ uuid: obj.uuid, alias: true })).toMatchObject({ outcome: 'replicated' });
      expect(pair.sim.cluster('dr').get({ uuid: obj.uuid })?.alias).toBe(true);
    });

    it.each([
      [503, 'retry', 'remote-unavailable'],
      [500, 'retry', 'remote-unavailable'],
      [507, 'retry', 'remote-insufficient-storage'],
      [412, 'retry', 'remote-context-missing'],
      [404, 'retry', 'remote-not-found'],
      [401, 'failed', 'remote-auth-rejected'],
    ])('L3: result line %i -> %s / %s, nothing copied', async (status, outcome, reason) => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'remote-status', status } });
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({ outcome, reason, observation: { httpStatus: 200, remoteStatus: status } });
      expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(false);
    });

    it('L3: a wrong Castor-System-Auth makes the destination answer 401 (failed), the right one replicates', async () => {
      await pair.close();
      pair = await startSwarmPair({ dr: { admins: { dradmin: 'dr-secret' } } });
      const obj = put();
      const wrong = await pair.send(
        { uuid: obj.uuid },
        { destinationCredentials: { username: 'dradmin', password: 'nope' } },
      );
      expect(wrong).toMatchObject({
        outcome: 'failed',
        reason: 'remote-auth-rejected',
        observation: { remoteStatus: 401 },
      });
      const right = await pair.send(
        { uuid: obj.uuid },
        { destinationCredentials: { username: 'dradmin', password: 'dr-secret' } },
      );
      expect(right).toMatchObject({ outcome: 'replicated' });
    });

    it('L4: a DR that cannot be reached late in the SEND is a retry (remote-unavailable)', async () => {
      const obj = put();
      await pair.sim.cluster('dr').nodes[0]!.stop();
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        reason: 'remote-unavailable',
        observation: { remoteStatus: 503 },
      });
      await pair.sim.cluster('dr').nodes[0]!.start();
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({ outcome: 'replicated' });
    });

    it('L4: an early 503 from every node is a retry (source-unavailable) after failing over', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'remote-unreachable', variant: 'early' } });
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({ outcome: 'retry', reason: 'source-unavailable', observation: { httpStatus: 503 } });
      expect(pair.sim.counters().byMethod.SEND).toBeGreaterThanOrEqual(2);
    });

    it('L5: a destination name that does not match the target is a 400 (failed bad-request)', async () => {
      const obj = put();
      const wrongName = { ...pair.dr, name: 'not-dr' };
      const r = await sendWithDecision(pair.client, {
        source: pair.source,
        destination: wrongName,
        credentials: ADMIN,
        object: { uuid: obj.uuid },
      });
      expect(r).toMatchObject({ outcome: 'failed', reason: 'bad-request', observation: { httpStatus: 400 } });
      expect(r.detail).toEqual(expect.any(String));
    });
  });

  describe('feed SEND (11.2+)', () => {
    beforeEach(async () => {
      await pair.close();
      pair = await startSwarmPair({
        source: {
          feeds: [
            { id: 2, type: 'replication', target: 'dr' },
            { id: 3, type: 'replication', target: 'dr', domains: ['other.example'] },
            { id: 4, type: 'search' },
            { id: 5, type: 's3backup' },
          ],
        },
      });
    });

    it('N1: every feed status 0 -> replicated (feed-complete), object copied', async () => {
      const obj = put();
      const r = await pair.send({ uuid: obj.uuid }, { feeds: { ids: [2], timeout: 5 }, replicationFeeds: [2] });
      expect(r).toMatchObject({ outcome: 'replicated', reason: 'feed-complete' });
      expect(r.observation.feeds['2']?.status).toBe(0);
      expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });

    it.each([
      [1, 'feed-timeout'],
      [4, 'feed-failed'],
    ])('N2/N3: feed status %i -> retry (%s)', async (status, reason) => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'feed-status', feedId: 2, status } });
      expect(await pair.send({ uuid: obj.uuid }, { feeds: { ids: [2] }, replicationFeeds: [2] })).toMatchObject({
        outcome: 'retry',
        reason,
      });
    });

    it('N4: an object outside the requested feed scope is failed (not-in-feed-scope)', async () => {
      const obj = put();
      expect(await pair.send({ uuid: obj.uuid }, { feeds: { ids: [3] }, replicationFeeds: [3] })).toMatchObject({
        outcome: 'failed',
        reason: 'not-in-feed-scope',
      });
    });

    it.each([
      ['feedid=all', { ids: ['all' as const] }],
      ['feedtype=search and s3backup', { types: ['search' as const, 's3backup' as const] }],
      ['feedtype=all', { types: ['all' as const] }],
    ])(
      'a feed SEND by %s where only search/backup feeds report 0 is not replicated (no DR copy)',
      async (_what, feeds) => {
        // The only replication feed (3) covers only other.example: the object is outside it, the
        // search and backup feeds take it and report 0.
        await pair.close();
        pair = await startSwarmPair({
          source: {
            feeds: [
              { id: 3, type: 'replication', target: 'dr', domains: ['other.example'] },
              { id: 4, type: 'search' },
              { id: 5, type: 's3backup' },
            ],
          },
        });
        const obj = put();
        const r = await pair.send({ uuid: obj.uuid }, { feeds, replicationFeeds: [3] });
        expect(r.observation.feeds['4']?.status).toBe(0);
        expect(r.observation.feeds['3']).toBeUndefined();
        expect(r).toMatchObject({ outcome: 'failed', reason: 'not-in-feed-scope' });
        expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(false);
      },
    );

    it('a feed SEND by feedid=all is replicated when the replication feed reports 0 beside the others', async () => {
      const obj = put();
      const r = await pair.send({ uuid: obj.uuid }, { feeds: { ids: ['all'] }, replicationFeeds: [2] });
      expect(Object.keys(r.observation.feeds).sort()).toStrictEqual(['2', '4', '5']);
      expect(r).toMatchObject({ outcome: 'replicated', reason: 'feed-complete' });
      expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });

    it('a feed SEND with no replication feed identified is refused (invalid-message), never guessed', async () => {
      const obj = put();
      expect(await pair.send({ uuid: obj.uuid }, { feeds: { ids: ['all'] } })).toMatchObject({
        outcome: 'failed',
        reason: 'invalid-message',
      });
    });

    it('N5: an unknown feed id is a 400 (failed bad-request)', async () => {
      const obj = put();
      expect(await pair.send({ uuid: obj.uuid }, { feeds: { ids: [99] }, replicationFeeds: [2] })).toMatchObject({
        outcome: 'failed',
        reason: 'bad-request',
        observation: { httpStatus: 400 },
      });
    });
  });

  describe('authentication', () => {
    it('A1/A2: answers a stale nonce once with the new one, without counting it as a rejection', async () => {
      await pair.close();
      // The first SEND must finish well within the nonce's lifetime, even on a busy machine.
      pair = await startSwarmPair({ sim: { nonceLifetimeMs: 1000 }, source: { nodes: 1 } });
      const a = put();
      const b = put();
      expect((await pair.send({ uuid: a.uuid })).requests).toBe(2);
      await new Promise((r) => setTimeout(r, 1100));
      const r = await pair.send({ uuid: b.uuid });
      expect(r).toMatchObject({ outcome: 'replicated', requests: 2 });
      expect(pair.sim.counters().authRejected).toBe(0);
    });

    it('A3: wrong credentials end at once with auth-rejected, never a loop', async () => {
      const obj = put();
      const r = await pair.send({ uuid: obj.uuid }, { credentials: { username: 'admin', password: 'wrong' } });
      expect(r).toMatchObject({ outcome: 'failed', reason: 'auth-rejected', observation: { httpStatus: 401 } });
      expect(r.requests).toBe(2);
      expect(pair.sim.counters().authRejected).toBe(1);
    });

    it('A3: a cached challenge that goes bad is answered once, then rejected', async () => {
      const a = put();
      const b = put();
      await pair.send({ uuid: a.uuid });
      await pair.send({ uuid: a.uuid }); // second node warm too
      const r = await pair.send({ uuid: b.uuid }, { credentials: { username: 'admin', password: 'rotated-away' } });
      expect(r).toMatchObject({ outcome: 'failed', reason: 'auth-rejected' });
      expect(r.requests).toBeLessThanOrEqual(3);
    });

    it('never answers a Basic-only node over plain http, even where the registry allows Basic', async () => {
      await pair.close();
      pair = await startSwarmPair({ source: { challenge: 'basic' } });
      const obj = put();
      for (const source of [pair.source, { ...pair.source, allowBasic: true }]) {
        const r = await pair.send({ uuid: obj.uuid }, { source });
        expect(r).toMatchObject({ outcome: 'failed', reason: 'auth-rejected', requests: 1 });
        expect(r.detail).toContain('Basic is not allowed');
      }
      expect(pair.sim.counters().sends).toBe(0);
    });

    it.each([['SHA-256'], ['SHA-256-sess'], ['MD5-sess']] as const)(
      'speaks Digest %s where a node offers only that (RFC 7616)',
      async (algorithm) => {
        await pair.close();
        pair = await startSwarmPair({ source: { digestAlgorithms: [algorithm] } });
        const obj = put();
        expect(await pair.send({ uuid: obj.uuid })).toMatchObject({ outcome: 'replicated', requests: 2 });
        expect(await pair.send({ uuid: put().uuid })).toMatchObject({ outcome: 'replicated' });
        expect(pair.sim.counters().authRejected).toBe(0);
      },
    );

    it('replicates on a node that offers SHA-256 and MD5 side by side, one challenge each', async () => {
      await pair.close();
      pair = await startSwarmPair({ source: { nodes: 1, digestAlgorithms: ['SHA-256', 'MD5'] } });
      expect(await pair.send({ uuid: put().uuid })).toMatchObject({ outcome: 'replicated', requests: 2 });
    });

    it('a warm client pays one request per SEND plus one challenge per node, not two per SEND', async () => {
      const n = 40;
      const objs = Array.from({ length: n }, () => put());
      pair.sim.resetCounters();
      for (const o of objs) expect((await pair.send({ uuid: o.uuid })).outcome).toBe('replicated');
      const c = pair.sim.counters();
      expect(c.sends).toBe(n);
      expect(c.challenges).toBe(pair.source.nodes.length);
      expect(c.byMethod.SEND).toBe(n + pair.source.nodes.length);
    });

    it('concurrent SENDs share a node challenge', async () => {
      const objs = Array.from({ length: 30 }, () => put());
      await pair.send({ uuid: put().uuid });
      await pair.send({ uuid: put().uuid });
      pair.sim.resetCounters();
      const results = await Promise.all(objs.map((o) => pair.send({ uuid: o.uuid })));
      expect(results.every((r) => r.outcome === 'replicated')).toBe(true);
      expect(pair.sim.counters().challenges).toBe(0);
      expect(pair.sim.counters().byMethod.SEND).toBe(30);
    });
  });

  describe('redirects', () => {
    it('R1: follows a PAN -> SAN redirect with its auth= ticket and a fresh challenge', async () => {
      await pair.close();
      pair = await startSwarmPair({ sim: { redirectRate: 1 } });
      const obj = put();
      const r = await pair.send({ uuid: obj.uuid });
      expect(r.outcome).toBe('replicated');
      expect(pair.sim.counters().redirects).toBeGreaterThanOrEqual(1);
    });

    it('R1: refuses a redirect outside the source networks, so credentials never leave the cluster', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'redirect', status: 301, to: '192.0.2.10:80' } });
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({ outcome: 'failed', reason: 'redirect-refused', observation: { httpStatus: 301 } });
      expect(r.detail).toContain('192.0.2.10:80');
    });

    it('R1: follows a relative Location on the same node, keeping its path and query as given', async () => {
      const seen: string[] = [];
      const node = await startRawNode((head, socket) => {
        const target = head.split(' ')[1]!;
        seen.push(target);
        socket.write(
          seen.length === 1
            ? `HTTP/1.1 301 Moved Permanently\r\nLocation: ${target}&auth=0123456789abcdef0123456789abcdef\r\nContent-Length: 0\r\n\r\n`
            : 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\n\n\r\n1d\r\nRemote cluster returned: 201\n\r\n0\r\n\r\n',
        );
      });
      const route = scriptedRoute([node.address]);
      const client = new SendClient();
      try {
        const r = await sendWithDecision(client, {
          source: route.source,
          destination: route.dr,
          credentials: ADMIN,
          object: { uuid: 'b'.repeat(32), alias: true },
        });
        expect(r.outcome).toBe('replicated');
        expect(seen).toStrictEqual([
          `/${'b'.repeat(32)}?alias&admin`,
          `/${'b'.repeat(32)}?alias&admin&auth=0123456789abcdef0123456789abcdef`,
        ]);
      } finally {
        await client.close();
        await node.close();
      }
    });

    it('T2: a node that streams more than 1 MiB is cut off and retried, not buffered without end', async () => {
      const server = createServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
          const chunk = `10000\r\n${'\n'.repeat(0x10000)}\r\n`;
          for (let i = 0; i < 40; i++) socket.write(chunk);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      const route = scriptedRoute([`127.0.0.1:${port}`]);
      const client = new SendClient();
      try {
        const r = await sendWithDecision(client, {
          source: route.source,
          destination: route.dr,
          credentials: ADMIN,
          object: { uuid: 'c'.repeat(32) },
        });
        expect(r).toMatchObject({ outcome: 'retry', observation: { httpStatus: 200, complete: false } });
      } finally {
        await client.close();
        server.close();
      }
    });

    it('R2: gives up after 5 hops with a retry (redirect-limit)', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'redirect', status: 307 } });
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({ outcome: 'retry', reason: 'redirect-limit' });
      expect(pair.sim.counters().redirects).toBe(6);
    });
  });

  describe('source node answers', () => {
    it.each([
      [404, 'retry', 'not-found-at-source'],
      [412, 'retry', 'context-missing'],
      [500, 'retry', 'source-error'],
      [501, 'failed', 'method-not-supported'],
      [405, 'failed', 'method-not-supported'],
      [505, 'failed', 'http-version-not-supported'],
      [411, 'failed', 'length-required'],
      [507, 'retry', 'insufficient-storage'],
      [403, 'failed', 'forbidden'],
      [418, 'failed', 'client-error'],
      [502, 'retry', 'source-error'],
    ])('S: outer %i -> %s / %s, with the Castor-System-Error-Text as detail', async (status, outcome, reason) => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'status', status } });
      const r = await pair.send({ uuid: obj.uuid });
      expect(r).toMatchObject({ outcome, reason, observation: { httpStatus: status } });
      expect(r.detail).toEqual(expect.any(String));
    });

    it('S1: an object missing at the source is a retry (not-found-at-source)', async () => {
      expect(await pair.send({ uuid: 'a'.repeat(32) })).toMatchObject({
        outcome: 'retry',
        reason: 'not-found-at-source',
        observation: { httpStatus: 404 },
      });
    });

    it('S1: 404-then-found succeeds on the next attempt', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { object: obj.uuid }, times: 1, kind: { type: 'not-found-then-found' } });
      expect((await pair.send({ uuid: obj.uuid })).reason).toBe('not-found-at-source');
      expect((await pair.send({ uuid: obj.uuid })).outcome).toBe('replicated');
    });

    it('S3: reports the busy node at once, before the node it fails over to has answered', async () => {
      const obj = put();
      const [first] = pair.source.nodes;
      pair.sim.faults.add({ match: { node: first!.hostPort, method: 'SEND' }, kind: { type: 'status', status: 503 } });
      const events: string[] = [];
      const sent = pair.send(
        { uuid: obj.uuid },
        {
          nodeHint: first!.hostPort,
          onBusy: () => events.push(pair.sim.cluster('dr').has({ uuid: obj.uuid }) ? 'busy after the copy' : 'busy'),
        },
      );
      const r = await sent.then((x) => (events.push('answer'), x));
      expect(events).toStrictEqual(['busy', 'answer']);
      expect(r).toMatchObject({ outcome: 'replicated', busy: 1 });
    });

    it('S3: fails over to another node on a 503', async () => {
      const obj = put();
      const [first, second] = pair.source.nodes;
      pair.sim.faults.add({ match: { node: first!.hostPort, method: 'SEND' }, kind: { type: 'status', status: 503 } });
      const r = await pair.send({ uuid: obj.uuid }, { nodeHint: first!.hostPort });
      expect(r).toMatchObject({ outcome: 'replicated', node: second!.hostPort });
    });
  });

  describe('transport', () => {
    it('T1: fails over when a node refuses connections', async () => {
      const obj = put();
      const dead = pair.sim.cluster('baker').nodes[0]!;
      await dead.stop();
      const r = await pair.send({ uuid: obj.uuid }, { nodeHint: dead.address });
      expect(r).toMatchObject({ outcome: 'replicated', node: pair.sim.cluster('baker').nodes[1]!.address });
    });

    it('T1: every node refusing is a retry (connection-refused)', async () => {
      const obj = put();
      for (const n of pair.sim.cluster('baker').nodes) await n.stop();
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        reason: 'connection-refused',
        observation: { httpStatus: null },
      });
    });

    it('T2: a reset mid-body is a retry even though the status line said 200', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'reset-mid-body' } });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        reason: 'connection-reset',
        observation: { httpStatus: 200, complete: false },
      });
      expect((await pair.send({ uuid: obj.uuid })).outcome).toBe('replicated');
    });

    it('T2: a reset after the copy got across resolves as already-present on the retry', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'reset-mid-body', copied: true } });
      expect((await pair.send({ uuid: obj.uuid })).outcome).toBe('retry');
      expect((await pair.send({ uuid: obj.uuid })).outcome).toBe('already-present');
    });

    it('T2: a body cut off before its result line and zero-length chunk is a retry (connection-reset)', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'truncate' } });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        reason: 'connection-reset',
        observation: { httpStatus: 200, complete: false },
      });
    });

    it('T2: a node that falls silent past the idle timeout is a retry (idle-timeout)', async () => {
      await pair.close();
      pair = await startSwarmPair({ client: { idleTimeoutMs: 1000 } });
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'stall', ms: 2500 } });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({ outcome: 'retry', reason: 'idle-timeout' });
    });

    it('keep-alive newlines reset the idle timer: a slow but live SEND succeeds', async () => {
      await pair.close();
      pair = await startSwarmPair({ client: { idleTimeoutMs: 2000 } });
      const obj = put();
      // 2.7 s in all, past the idle timeout, but never more than 0.3 s without a byte (a wide
      // margin: a busy machine can delay a timer by a good part of a second).
      pair.sim.faults.add({
        match: { method: 'SEND' },
        times: 1,
        kind: { type: 'slow-keepalive', count: 9, intervalMs: 300 },
      });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({ outcome: 'replicated' });
    });

    it('T3: the caller deadline aborts an in-flight SEND (deadline-exceeded)', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, times: 1, kind: { type: 'stall', ms: 2000 } });
      const started = Date.now();
      const r = await pair.send({ uuid: obj.uuid }, { signal: AbortSignal.timeout(200) });
      expect(r).toMatchObject({ outcome: 'retry', reason: 'deadline-exceeded' });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('T1: a connection closed before any answer moves on to the next node', async () => {
      const obj = put();
      const [first, second] = pair.source.nodes;
      pair.sim.faults.add({
        match: { node: first!.hostPort, method: 'SEND' },
        kind: { type: 'close-before-response' },
      });
      expect(await pair.send({ uuid: obj.uuid }, { nodeHint: first!.hostPort })).toMatchObject({
        outcome: 'replicated',
        node: second!.hostPort,
      });
    });

    it('a connection closed before any answer on every node is a retry', async () => {
      const obj = put();
      pair.sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'close-before-response' } });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        observation: { httpStatus: null },
      });
    });
  });

  it('ignores a node hint outside the source networks and says so', async () => {
    const obj = put();
    const r = await pair.send({ uuid: obj.uuid }, { nodeHint: '192.0.2.7:80' });
    expect(r).toMatchObject({ outcome: 'replicated', hintIgnored: true });
  });
});

describe('SendClient pool', () => {
  it('keeps at most connectionsPerNode sockets per node under load', async () => {
    const pair = await startSwarmPair({ source: { nodes: 1 }, client: { connectionsPerNode: 3 } });
    try {
      const objs = Array.from({ length: 50 }, () => pair.sim.cluster('baker').put({ body: 'x' }));
      const results = await Promise.all(objs.map((o) => pair.send({ uuid: o.uuid })));
      expect(results.every((r) => r.outcome === 'replicated')).toBe(true);
      expect(pair.sim.cluster('baker').nodes[0]!.counters().connections).toBeLessThanOrEqual(3 + 1);
    } finally {
      await pair.close();
    }
  });

  it('refuses nothing it was configured with: explicit nodes are always allowed', () => {
    const reg = parseRegistry({
      clusters: {
        p: { name: 'p', nodes: ['127.0.0.1:1'], networks: ['10.0.0.0/8'], credentials: 'x' },
        d: { name: 'd', target: '127.0.0.1:2', credentials: 'x' },
      },
    });
    expect(reg.clusters.p?.networks.map((n) => n.text)).toStrictEqual(['10.0.0.0/8']);
    expect(new SendClient()).toBeInstanceOf(SendClient);
  });
});

describe('the result line, from a raw-socket node', () => {
  const raw = sendClientOnRawNodes();
  /** SENDs to a node that answers every request 200 chunked with `body` as one chunk. */
  async function sendTo(body: string) {
    const node = await raw.start((_head, socket) => {
      const chunk = Buffer.from(body, 'latin1');
      socket.write(
        `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\n\n\r\n${chunk.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      );
    });
    const route = scriptedRoute([node.address]);
    return sendWithDecision(raw.client, {
      source: route.source,
      destination: route.dr,
      credentials: ADMIN,
      object: { uuid: 'd'.repeat(32) },
    });
  }

  it.each([
    ['four digits', 'Remote cluster returned: 2010\n'],
    ['digits run into letters', 'Remote cluster returned: 201abc\n'],
    ['HTML quoting the line', '<html><body><p>Remote cluster returned: 201</p></body></html>\n'],
    ['prose quoting the line', 'Proxy note: the Remote cluster returned: 201 line was expected here\n'],
  ])('does not count %s as replicated (result-unknown)', async (_what, body) => {
    expect(await sendTo(body)).toMatchObject({
      outcome: 'retry',
      reason: 'result-unknown',
      observation: { remoteStatus: null },
    });
  });

  it('takes the last whole result line, ignoring a quoted one after it', async () => {
    const r = await sendTo(
      'Remote cluster returned: 503\r\nremote cluster returned 409\r\n<p>Remote cluster returned: 201</p>\n',
    );
    expect(r).toMatchObject({ outcome: 'already-present', observation: { remoteStatus: 409 } });
  });
});

describe('SendClient headers and clusters the registry never makes, from raw-socket nodes', () => {
  const raw = sendClientOnRawNodes();
  const start = (answer: Answer) => raw.start(answer);

  it('reports the last of several ETag headers of the answer', async () => {
    const node = await start((_head, socket) => {
      const line = 'Remote cluster returned: 201\r\n';
      socket.write(
        'HTTP/1.1 200 OK\r\netag: "first"\r\netag: "second"\r\netag: "third"\r\ntransfer-encoding: chunked\r\n\r\n' +
          `${line.length.toString(16)}\r\n${line}\r\n0\r\n\r\n`,
      );
    });
    const route = scriptedRoute([node.address]);
    const r = await sendWithDecision(raw.client, {
      source: route.source,
      destination: route.dr,
      credentials: ADMIN,
      object: { uuid: 'd'.repeat(32) },
    });
    expect(r).toMatchObject({ outcome: 'replicated', etag: '"third"' });
  });

  it('a legacy SEND to a destination without a target names no made-up target: the header goes empty', async () => {
    const node = await start((_head, socket) => answerCreated(socket));
    const route = scriptedRoute([node.address]);
    await sendWithDecision(raw.client, {
      source: route.source,
      destination: { ...route.dr, target: null },
      credentials: ADMIN,
      object: { uuid: 'd'.repeat(32) },
    });
    expect(node.requests).toHaveLength(1);
    expect(headerOf(node.requests[0]!, 'castor-system-target')).toBe('');
  });

  it('a HEAD on a cluster with neither nodes nor a target is a network error, never a throw', async () => {
    const route = scriptedRoute(['127.0.0.1:9']);
    const r = await raw.client.head({ ...route.dr, target: null }, { uuid: 'd'.repeat(32) }, ADMIN);
    expect(r).toStrictEqual({
      status: null,
      etag: null,
      contentLength: null,
      version: null,
      node: null,
      error: 'network-error',
      contentMd5: null,
      lastModified: null,
    });
  });
});
