import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { reconcileScope } from '../../../functions/reconcile/engine.js';
import { type Finding, type ObjectScope } from '../../../functions/reconcile/scope-types.js';
import { sendRepairPort, transportHeadPort, type ReconcileRoute } from '../../../functions/reconcile/ports.js';
import { ADMIN, pairRoute, startSwarmPair, type SwarmPair } from '../../helpers/swarm.js';

const HOUR_AGO = () => new Date(Date.now() - 3600_000);
let pair: SwarmPair;
let sendClient: SendClient;
let transport: ClusterTransport;

async function setup(feeds = false): Promise<void> {
  pair = await startSwarmPair({ source: feeds ? { feeds: [{ id: 1, type: 'replication', target: 'dr' }] } : {} });
  sendClient = new SendClient();
  transport = sendClient.transport;
}

afterEach(async () => {
  await sendClient.close();
  await pair.close();
});

function route(replicationFeeds: number[] = [], extra: Partial<ReconcileRoute> = {}): ReconcileRoute {
  return { ...extra, ...pairRoute(pair, replicationFeeds) };
}

async function reconcile(
  scope: ObjectScope,
  options: { repair?: boolean; feeds?: number[]; route?: Partial<ReconcileRoute> } = {},
) {
  const r = route(options.feeds, options.route);
  const findings: Finding[] = [];
  const summary = await reconcileScope({
    scope,
    source: new ListingClient(transport, pair.source, ADMIN, { pageSize: 2, sleep: async () => undefined }),
    dr: new ListingClient(transport, pair.dr, ADMIN, { pageSize: 2, sleep: async () => undefined }),
    heads: transportHeadPort(transport, r),
    repair: options.repair === false ? null : sendRepairPort(sendClient, r, 4),
    onFinding: (f) => findings.push(f),
  });
  const by = (c: string) =>
    findings
      .filter((f) => f.category === c)
      .map((f) => f.key)
      .sort();
  return { summary, findings, by };
}

const bucket = { kind: 'named', domain: 'baker', bucket: 'b' } as const;

/** `b/changed`: new content on the source, an older, shorter version on DR. */
function changedObject() {
  const dr = pair.sim.cluster('dr');
  const o = pair.sim.cluster('baker').put({ bucket: 'b', name: 'changed', body: 'new content', created: HOUR_AGO() });
  dr.put({ domain: 'baker', bucket: 'b', name: 'changed', body: 'old', created: new Date(o.created.getTime() - 1000) });
  return { o, dr };
}

describe('reconcile against the simulator', () => {
  test('finds every category, repairs only confirmed missing objects without a feed, and deletes nothing', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    const dr = pair.sim.cluster('dr');
    for (const name of ['same', 'gone', 'changed', 'doubt']) {
      const o = src.put({ bucket: 'b', name, body: `v1 ${name}`, created: HOUR_AGO() });
      if (name !== 'gone')
        dr.put({
          domain: 'baker',
          bucket: 'b',
          name,
          body: name === 'changed' ? 'v0 (older, shorter)' : `v1 ${name}`,
          created: name === 'changed' ? new Date(o.created.getTime() - 60_000) : o.created,
        });
    }
    dr.put({ domain: 'baker', bucket: 'b', name: 'only-on-dr', body: 'x', created: HOUR_AGO() });
    src.put({ bucket: 'b', name: 'fresh', body: 'just written' });
    pair.sim.faults.add({
      match: { cluster: 'dr', method: 'HEAD', object: 'b/doubt' },
      kind: { type: 'status', status: 503 },
    });
    // "doubt" differs in the listing (its DR row is made older) so it becomes a candidate.
    dr.put({ domain: 'baker', bucket: 'b', name: 'doubt', body: 'v1 doubt!', created: HOUR_AGO() });
    const { summary, by, findings } = await reconcile(bucket);
    expect(summary.complete).toBe(true);
    // What the run saw: both listings ended with [], and each cluster's count (asked at the end,
    // after "gone" was repaired) beside the rows it listed, close enough for no warning.
    expect(summary.listing).toStrictEqual({
      source: { rows: 5, pages: 3, ended: 'empty-page', objectCount: 5 },
      dr: { rows: 4, pages: 2, ended: 'empty-page', objectCount: 5 },
    });
    expect(summary.warnings).toStrictEqual([]);
    expect(by('missing-on-dr')).toEqual(['gone']);
    expect(by('different')).toEqual(['changed']);
    expect(by('extra-on-dr')).toEqual(['only-on-dr']);
    expect(by('too-new')).toEqual(['fresh']);
    expect(by('unconfirmed')).toEqual(['doubt']);
    expect(summary.counts['in-sync']).toBe(1);
    expect(findings.find((f) => f.key === 'changed')?.repair).toMatchObject({
      action: 'not-repaired',
      detail: expect.stringContaining('no replication feed'),
    });
    expect(findings.find((f) => f.key === 'doubt')?.repair).toBeNull();
    expect(dr.has({ domain: 'baker', bucket: 'b', name: 'gone' })).toBe(true);
    expect(dr.has({ domain: 'baker', bucket: 'b', name: 'only-on-dr' })).toBe(true);
    expect(dr.has({ domain: 'baker', bucket: 'b', name: 'fresh' })).toBe(false);
  }, 60_000);

  test('a different object is re-sent with feed force where the route has a replication feed', async () => {
    await setup(true);
    const { o, dr } = changedObject();
    const { summary, findings } = await reconcile(bucket, { feeds: [1] });
    expect(findings.map((f) => [f.key, f.category, f.repair?.action])).toEqual([['changed', 'different', 'sent']]);
    expect(summary.repairs.sent).toBe(1);
    expect(dr.get({ domain: 'baker', bucket: 'b', name: 'changed' })?.etag).toBe(o.etag);
  }, 60_000);

  test('a different object is copied by the worker\'s copy where the route says replaceStale "copy" and has no feed', async () => {
    await setup();
    const { dr } = changedObject();
    const { findings } = await reconcile(bucket, { route: { replaceStale: 'copy' } });
    expect(findings.map((f) => [f.key, f.category, f.repair?.action])).toEqual([['changed', 'different', 'sent']]);
    expect(findings[0]?.repair?.detail).toBe('copied 11 bytes in 5 requests');
    expect(Buffer.from(dr.get({ domain: 'baker', bucket: 'b', name: 'changed' })!.body).toString()).toBe('new content');
    expect(pair.sim.counters().sends).toBe(0);
  }, 60_000);

  test('with replaceStale "copy", a different immutable unnamed object is not copied (no write replaces it); a different alias is', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    const dr = pair.sim.cluster('dr');
    const plain = src.put({ domain: 'baker', body: 'immutable bytes', created: HOUR_AGO() });
    dr.put({ domain: 'baker', uuid: plain.uuid, body: 'other', created: HOUR_AGO() });
    const alias = src.put({ domain: 'baker', alias: true, body: 'anchor, new', created: HOUR_AGO() });
    dr.put({
      domain: 'baker',
      uuid: alias.uuid,
      alias: true,
      body: 'old',
      created: new Date(alias.created.getTime() - 1000),
    });
    const { findings } = await reconcile({ kind: 'unnamed', domain: 'baker' }, { route: { replaceStale: 'copy' } });
    const actions = Object.fromEntries(findings.map((f) => [f.key, [f.category, f.repair?.action]]));
    expect(actions).toStrictEqual({ [plain.uuid]: ['different', 'not-repaired'], [alias.uuid]: ['different', 'sent'] });
    expect(findings.find((f) => f.key === plain.uuid)?.repair?.detail).toContain('immutable');
    expect(Buffer.from(dr.get({ uuid: plain.uuid })!.body).toString()).toBe('other');
    expect(Buffer.from(dr.get({ uuid: alias.uuid })!.body).toString()).toBe('anchor, new');
    expect(pair.sim.counters().byMethod.PUT).toBe(1);
  }, 60_000);

  test('an object listed late on DR causes no SEND: the HEAD finds it there', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    const dr = pair.sim.cluster('dr');
    const o = src.put({ bucket: 'b', name: 'late', body: 'x', created: HOUR_AGO() });
    dr.put({ domain: 'baker', bucket: 'b', name: 'late', body: 'x', created: o.created, indexLagMs: 3600_000 });
    const { summary, findings } = await reconcile(bucket);
    expect(findings).toEqual([]);
    expect(summary.counts['in-sync']).toBe(1);
    expect(pair.sim.counters().sends).toBe(0);
  }, 60_000);

  test('deletes on the source during the walk cause no error and no SEND', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    for (let i = 0; i < 6; i++) src.put({ bucket: 'b', name: `o${i}`, body: 'x', created: HOUR_AGO() });
    src.indexLagMs = 3600_000; // the deletes stay in the source listing
    for (let i = 0; i < 6; i += 2) src.delete({ bucket: 'b', name: `o${i}` });
    const { summary, by } = await reconcile(bucket);
    expect(summary.stopped).toBeNull();
    expect(by('gone-from-source')).toEqual(['o0', 'o2', 'o4']);
    expect(by('missing-on-dr')).toEqual(['o1', 'o3', 'o5']);
    expect(pair.sim.counters().sends).toBe(3);
  }, 60_000);

  test('unnamed objects are joined by uuid and aliases are sent as aliases', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    const alias = src.put({ domain: 'baker', alias: true, body: 'anchor', created: HOUR_AGO() });
    const plain = src.put({ domain: 'baker', body: 'immutable', created: HOUR_AGO() });
    const { by } = await reconcile({ kind: 'unnamed', domain: 'baker' });
    expect(by('missing-on-dr')).toEqual([alias.uuid, plain.uuid].sort());
    expect(pair.sim.cluster('dr').get({ uuid: alias.uuid })?.alias).toBe(true);
    expect(pair.sim.cluster('dr').has({ uuid: plain.uuid })).toBe(true);
  }, 60_000);

  test('an alias whose listing row does not say so is still sent as an alias: the source HEAD shows Castor-System-Alias', async () => {
    await setup();
    const alias = pair.sim.cluster('baker').put({ domain: 'baker', alias: true, body: 'anchor', created: HOUR_AGO() });
    const r = route();
    const sender = sendRepairPort(sendClient, r, 4);
    const asked: unknown[] = [];
    const plainRows = new ListingClient(transport, pair.source, ADMIN);
    const withoutAlias = {
      async *pages(...args: Parameters<ListingClient['pages']>) {
        for await (const page of plainRows.pages(...args)) yield page.map((row) => ({ ...row, alias: null }));
        return 'empty-page' as const;
      },
    };
    const summary = await reconcileScope({
      scope: { kind: 'unnamed', domain: 'baker' },
      source: withoutAlias,
      dr: new ListingClient(transport, pair.dr, ADMIN),
      heads: transportHeadPort(transport, r),
      repair: {
        repair: (items, signal) => {
          asked.push(...items.map((i) => i.object));
          return sender.repair(items, signal);
        },
      },
    });
    expect(asked).toEqual([{ uuid: alias.uuid, alias: true }]);
    expect(summary.repairs.sent).toBe(1);
    expect(pair.sim.cluster('dr').get({ uuid: alias.uuid })?.alias).toBe(true);
  }, 60_000);

  test('a listing error mid-walk ends the scope as an error and reports nothing missing', async () => {
    await setup();
    const src = pair.sim.cluster('baker');
    for (let i = 0; i < 6; i++) src.put({ bucket: 'b', name: `o${i}`, body: 'x', created: HOUR_AGO() });
    pair.sim.cluster('dr').put({ domain: 'baker', bucket: 'b', name: 'o0', body: 'x' });
    pair.sim.faults.add({
      match: { cluster: 'dr', listing: true, marker: '' },
      kind: { type: 'bad-listing', body: 'not-array' },
    });
    const { summary, findings } = await reconcile(bucket, { repair: false });
    expect(summary.stopped).toBe('error');
    expect(summary.error).toMatchObject({ side: 'dr', code: 'bad-page' });
    expect(findings).toEqual([]);
  }, 60_000);
});
