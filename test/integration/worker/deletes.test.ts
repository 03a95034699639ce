import type { Message } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import type { PairRegistryDocument } from '../../../local/pair-registry.js';
import { startPipeline, type Pipeline, type PipelineOptions } from '../../helpers/pipeline.js';

// Delete messages (op "delete", docs/deletes.md) through the real handler, fauxqs and the
// simulator: the route's policy, the proof at the source, DR's answers and the HEAD after them.

const BUCKET = 'photos';
const NAME = 'cat.jpg';
/** The named object of these tests, as a message names it (the source's default domain). */
const OBJECT = { domain: 'baker', bucket: BUCKET, name: NAME };
const REF = { domain: 'baker', bucket: BUCKET, name: NAME };

const deleteBody = (object: object = OBJECT) => JSON.stringify({ op: 'delete', object, correlationId: 'del-1' });
const sendBody = (object: object = OBJECT) => JSON.stringify({ object, correlationId: 'send-1' });
const outcomeOf = (m: Message): OutcomeRecord =>
  JSON.parse(m.MessageAttributes?.[DLQ_ATTRIBUTES.OUTCOME]?.StringValue ?? 'null');

/** The default route with these delete options. */
const route =
  (options: Record<string, unknown>) =>
  (doc: PairRegistryDocument): PairRegistryDocument => ({ ...doc, defaultRoute: { ...doc.defaultRoute, ...options } });
const PROPAGATE = route({ deletes: 'propagate', deleteGraceSeconds: 0 });

/**
 * Both clusters hold the bucket (contexts are replicated before objects; a source without it
 * answers 412, which proves nothing), and DR, unless `copy` is false, a copy of the object.
 */
function drHolds(p: Pipeline, copy = true, lifepoints?: string[]): void {
  const dr = p.sim.cluster('dr');
  for (const c of [p.sim.cluster('baker'), dr]) c.put({ domain: 'baker', bucket: BUCKET, name: 'sibling', body: 's' });
  if (copy) dr.put({ ...REF, body: 'v1', ...(lifepoints && { lifepoints }) });
}

/** Requests of each method the cluster's nodes served. */
function methods(p: Pipeline, cluster: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const node of p.sim.cluster(cluster).nodes)
    for (const [m, n] of Object.entries(node.counters().byMethod)) out[m] = (out[m] ?? 0) + n;
  return out;
}

async function pipeline(o: PipelineOptions = {}): Promise<Pipeline> {
  return startPipeline({ registry: PROPAGATE, ...o });
}

async function published(p: Pipeline): Promise<OutcomeRecord[]> {
  return (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
}

describe('delete messages on a route that propagates deletes', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('the source answers 404: DR deletes its copy (200), a HEAD confirms it, the outcome is replicated/deleted', async () => {
    p = await pipeline();
    drHolds(p);
    await p.send(deleteBody());
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(false);
    expect(p.sim.cluster('dr').has({ ...REF, name: 'sibling' })).toBe(true);
    const [record] = await published(p);
    expect(record).toMatchObject({
      outcome: 'replicated',
      reason: 'deleted',
      httpStatus: 200,
      remoteStatus: null,
      object: OBJECT,
      from: 'primary',
      to: 'dr',
      correlationId: 'del-1',
    });
    // HEAD on the source, DELETE on DR, HEAD on DR, each with its Digest challenge.
    expect(record!.requests).toBeGreaterThanOrEqual(3);
    expect(methods(p, 'baker')).toMatchObject({ HEAD: expect.any(Number) });
    expect(methods(p, 'baker').DELETE).toBeUndefined();
    expect(methods(p, 'dr')).toMatchObject({ DELETE: expect.any(Number), HEAD: expect.any(Number) });
    expect(p.summary.byOutcome.get('replicated')).toBe(1);
  });

  it('DR has no copy (404): already-present/already-absent, confirmed by the HEAD', async () => {
    p = await pipeline();
    drHolds(p, false);
    await p.send(deleteBody());
    expect((await p.deliver()).response.batchItemFailures).toStrictEqual([]);
    expect(await published(p)).toMatchObject([
      { outcome: 'already-present', reason: 'already-absent', httpStatus: 404 },
    ]);
  });

  it('an unnamed object is deleted the same way', async () => {
    p = await pipeline();
    const copy = p.sim.cluster('dr').put({ body: 'unnamed' });
    await p.send(deleteBody({ uuid: copy.uuid }));
    await p.deliver();
    expect(p.sim.cluster('dr').has({ uuid: copy.uuid })).toBe(false);
    expect(await published(p)).toMatchObject([{ outcome: 'replicated', reason: 'deleted' }]);
  });

  it('a deletable=no lifepoint on DR: 403, failed/delete-refused, dead-lettered, and the copy stays', async () => {
    p = await pipeline();
    drHolds(p, true, ['[] deletable=no']);
    const body = deleteBody();
    await p.send(body);
    expect((await p.deliver()).response.batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    const dead = await p.drain(p.dlq);
    expect(dead.map((d) => d.Body)).toStrictEqual([body]);
    expect(dead[0]!.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('delete-refused');
    expect(outcomeOf(dead[0]!)).toMatchObject({
      outcome: 'failed',
      reason: 'delete-refused',
      httpStatus: 403,
      detail: expect.stringContaining('cannot be deleted at this time'),
    });
    expect(outcomeOf(dead[0]!).retriesExhausted).toBeUndefined();
  });

  it('a lock written at the source travels with the SEND copy and refuses the delete at DR', async () => {
    p = await pipeline();
    drHolds(p, false);
    p.sim.cluster('baker').put({ ...REF, body: 'v1', lifepoints: ['[] deletable=no'] });
    await p.send(sendBody());
    await p.deliver();
    expect(p.sim.cluster('dr').get(REF)?.lifepoints).toStrictEqual(['[] deletable=no']);
    p.sim.cluster('baker').delete(REF); // the test's hand, not a DELETE: the lock holds only for requests
    await p.send(deleteBody());
    await p.deliver();
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect((await p.drain(p.dlq)).map((d) => outcomeOf(d).reason)).toStrictEqual(['delete-refused']);
  });

  it('a lifepoint whose deletable=no period has ended does not refuse: the copy is deleted', async () => {
    p = await pipeline();
    drHolds(p, true, ['[Mon, 01 Jan 2024 00:00:00 GMT] deletable=no', '[] deletable=yes']);
    await p.send(deleteBody());
    await p.deliver();
    expect(p.sim.cluster('dr').has(REF)).toBe(false);
    expect(await published(p)).toMatchObject([{ reason: 'deleted' }]);
  });

  it('the source holds the object again: already-present/source-present, DR is not asked anything', async () => {
    p = await pipeline();
    drHolds(p);
    p.sim.cluster('baker').put({ ...REF, body: 'v2' });
    await p.send(deleteBody());
    expect((await p.deliver()).response.batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect(methods(p, 'dr').DELETE).toBeUndefined();
    expect(await published(p)).toMatchObject([
      { outcome: 'already-present', reason: 'source-present', httpStatus: 200 },
    ]);
  });

  it('DR answers 500: retry (remote-unavailable), then the next delivery deletes', async () => {
    p = await pipeline({ config: { backoffBaseSeconds: 0, backoffCapSeconds: 0 } });
    drHolds(p);
    p.sim.faults.add({ match: { cluster: 'dr', method: 'DELETE' }, times: 1, kind: { type: 'status', status: 500 } });
    await p.send(deleteBody());
    const first = await p.deliver();
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    const again = await p.receive(10, 3);
    expect(again).toHaveLength(1);
    expect((await p.invoke(again)).batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(false);
    expect(await published(p)).toMatchObject([{ reason: 'deleted', attempt: 2 }]);
    expect(p.summary.retries).toBe(1);
  });

  // Retries exhausted (one attempt allowed) dead-letter each with its reason; DR keeps its copy.
  it.each([
    ['a source that cannot answer (500) is no proof', 'baker', 'HEAD', 500, 'source-error', false],
    [
      'a source answering 412 on the proof HEAD is no proof, DR not asked',
      'baker',
      'HEAD',
      412,
      'context-missing',
      false,
    ],
    [
      'DR answering 404 to the DELETE while its HEAD still shows the object is delete-unconfirmed, never absent',
      'dr',
      'DELETE',
      404,
      'delete-unconfirmed',
      true,
    ],
  ] as const)('%s', async (_name, cluster, method, status, reason, drAsked) => {
    p = await pipeline({ config: { maxAttempts: 1 } });
    drHolds(p);
    p.sim.faults.add({ match: { cluster, method }, kind: { type: 'status', status } });
    await p.send(deleteBody());
    await p.deliver();
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect((methods(p, 'dr').DELETE ?? 0) > 0).toBe(drAsked);
    expect((await p.drain(p.dlq)).map(outcomeOf)).toMatchObject([
      { outcome: 'failed', reason, retriesExhausted: true, httpStatus: status },
    ]);
  });
});

describe('what a delete costs (docs/deletes.md): the requests each cluster served, first requests to a node included', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  async function costOf(setup: (p: Pipeline) => void) {
    p = await pipeline();
    setup(p);
    p.sim.resetCounters();
    await p.send(deleteBody());
    await p.deliver();
    const [record] = await published(p).then((r) => (r.length ? r : p.drain(p.dlq).then((m) => m.map(outcomeOf))));
    return { reason: record!.reason, requests: record!.requests, source: methods(p, 'baker'), dr: methods(p, 'dr') };
  }

  it.each([
    ['deleted', (q: Pipeline) => drHolds(q), { HEAD: 2 }, { DELETE: 2, HEAD: 1 }, 5],
    ['already-absent', (q: Pipeline) => drHolds(q, false), { HEAD: 2 }, { DELETE: 2, HEAD: 1 }, 5],
    ['delete-refused', (q: Pipeline) => drHolds(q, true, ['[] deletable=no']), { HEAD: 2 }, { DELETE: 2 }, 4],
    [
      'source-present',
      (q: Pipeline) => {
        drHolds(q);
        q.sim.cluster('baker').put({ ...REF, body: 'v2' });
      },
      { HEAD: 2 },
      {},
      2,
    ],
  ])('%s', async (reason, setup, source, dr, requests) => {
    const cost = await costOf(setup);
    expect(cost).toStrictEqual({ reason, requests, source, dr });
  });
});

describe('delete messages on a route that ignores deletes (the default)', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('ends at once with already-present/delete-ignored and asks neither cluster anything', async () => {
    p = await startPipeline();
    drHolds(p);
    await p.send(deleteBody());
    expect((await p.deliver()).response.batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect(methods(p, 'baker')).toStrictEqual({});
    expect(methods(p, 'dr')).toStrictEqual({});
    expect(await published(p)).toMatchObject([
      { outcome: 'already-present', reason: 'delete-ignored', httpStatus: null, requests: 0, correlationId: 'del-1' },
    ]);
  });

  it('"ignore" named in the registry is the same', async () => {
    p = await startPipeline({ registry: route({ deletes: 'ignore' }) });
    drHolds(p);
    await p.send(deleteBody());
    await p.deliver();
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect(await published(p)).toMatchObject([{ reason: 'delete-ignored' }]);
  });
});

describe('the delete grace', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('a delete younger than the grace asks nothing, waits the rest of it (not a failure, even on the last attempt), then deletes', async () => {
    const hidden: number[] = [];
    p = await startPipeline({
      registry: route({ deletes: 'propagate', deleteGraceSeconds: 2 }),
      config: { maxAttempts: 1 },
      queueOps: (real) => ({
        ...real,
        changeVisibility: (entries, signal) => {
          hidden.push(...entries.map((e) => e.seconds));
          return real.changeVisibility(entries, signal);
        },
      }),
    });
    drHolds(p);
    await p.send(deleteBody());
    const first = await p.deliver();
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toBeGreaterThanOrEqual(1);
    expect(hidden[0]).toBeLessThanOrEqual(2);
    expect(methods(p, 'baker')).toStrictEqual({});
    expect(methods(p, 'dr')).toStrictEqual({});
    expect(p.sim.cluster('dr').has(REF)).toBe(true);
    expect(await p.drain(p.dlq)).toHaveLength(0);
    const again = await p.receive(10, 5);
    expect(again).toHaveLength(1);
    // Attempt 2 with maxAttempts 1: the grace's delivery did not count against the message.
    expect((await p.invoke(again)).batchItemFailures).toStrictEqual([]);
    expect(p.sim.cluster('dr').has(REF)).toBe(false);
    expect(await published(p)).toMatchObject([{ reason: 'deleted', attempt: 2 }]);
  });
});

/**
 * A write and a delete of one name in quick succession: whatever order the queue delivers the
 * two messages in (one after the other, or together in one batch), DR ends as the source is.
 */
describe('ordering: a write and a delete of one name', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  type Order = 'write-first' | 'delete-first' | 'one-batch';
  const ORDERS: Order[] = ['write-first', 'delete-first', 'one-batch'];

  async function deliverIn(order: Order): Promise<void> {
    const bodies = order === 'delete-first' ? [deleteBody(), sendBody()] : [sendBody(), deleteBody()];
    if (order === 'one-batch') {
      for (const b of bodies) await p.send(b);
      expect((await p.deliver()).records).toHaveLength(2);
      return;
    }
    for (const b of bodies) {
      await p.send(b);
      expect((await p.deliver()).records).toHaveLength(1);
    }
  }

  it.each(ORDERS)('the source deleted the name last (%s): DR ends without it', async (order) => {
    p = await pipeline({ config: { backoffBaseSeconds: 30, backoffCapSeconds: 30 } });
    // Written, replicated to DR, then deleted at the source.
    p.sim.cluster('baker').put({ ...REF, body: 'v1' });
    drHolds(p);
    p.sim.cluster('baker').delete(REF);
    await deliverIn(order);
    expect(p.sim.cluster('dr').has(REF)).toBe(false);
    // The delete ended (deleted); the write is a retry (the source has nothing to SEND) and never restores it.
    expect((await published(p)).map((r) => r.reason)).toStrictEqual(['deleted']);
  });

  it.each(ORDERS)('the source wrote the name again last (%s): DR ends with it', async (order) => {
    p = await pipeline();
    // Deleted at the source (and at DR), then written again at the source.
    drHolds(p, false);
    p.sim.cluster('baker').put({ ...REF, body: 'v2' });
    await deliverIn(order);
    expect(p.sim.cluster('dr').get(REF)?.etag).toBe(p.sim.cluster('baker').get(REF)?.etag);
    expect((await published(p)).map((r) => r.reason).sort()).toStrictEqual(['created', 'source-present']);
  });
});
