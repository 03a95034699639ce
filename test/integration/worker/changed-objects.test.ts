import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { buildDeadLetter, DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import type { Credentials } from '../../../functions/core/transport/digest-auth.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { confirm } from '../../../functions/core/listing/reconcile-diff.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { ClusterTransport } from '../../../functions/core/transport/cluster-transport.js';
import { transportHeadPort } from '../../../functions/reconcile/ports.js';
import type { QueueOps, Telemetry } from '../../../functions/worker/ports.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { main } from '../../../cli/main.js';
import { pairRegistryDocument, type PairRegistryDocument } from '../../../local/pair-registry.js';
import { SIM_DEFAULT_ADMIN, startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { captureIo } from '../../helpers/command-io.js';
import { testConfig } from '../../helpers/config.js';
import { testContext } from '../../helpers/lambda.js';
import { sqsRecord } from '../../helpers/records.js';
import { scratchDir } from '../../helpers/scratch.js';

// Objects that change (docs/changed-objects.md), end to end on the simulator: an overwrite at the
// source whose DR copy is the older version (legacy SEND answers 409 while any copy exists),
// repaired by a forced feed SEND, by the worker's own copy, or refused at once; a re-encoded copy
// accepted by verify, reconcile's verdict and `check`; an unproven identity per route option.

const ADMIN: Credentials = { username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password };
const ENV = { SRC: JSON.stringify(ADMIN), DR: JSON.stringify(ADMIN) };
const BUCKET = 'docs';

let sim: SwarmSimulator;
let client: SendClient;
let seq = 0;

beforeAll(async () => {
  sim = await startSimulator({
    clusters: [
      { name: 'baker', nodes: 2, feeds: [{ id: 1, type: 'replication', target: 'dr' }] },
      { name: 'dr', nodes: 1 },
    ],
  });
  client = new SendClient();
});
afterAll(() => Promise.all([client.close(), sim.close()]));
// Faults are added per test with `times: 1` and spent there; the counters start at zero.
beforeEach(() => sim.resetCounters());

/** The pair's registry document with `route` fields on its default route. */
function registryDoc(route: Record<string, unknown>): PairRegistryDocument {
  const doc = pairRegistryDocument({
    source: sim.cluster('baker').addresses,
    dr: sim.cluster('dr').addresses,
    credentials: { source: 'env:SRC', dr: 'env:DR' },
  });
  doc.defaultRoute = { ...doc.defaultRoute, verify: true, ...route };
  return doc;
}

/** A fresh name, and its message body (the source's domain named: DR's default domain differs). */
function fresh(): { ref: { domain: string; bucket: string; name: string }; body: string } {
  const ref = { domain: 'baker', bucket: BUCKET, name: `obj-${++seq}.txt` };
  return { ref, body: JSON.stringify({ object: ref }) };
}

/** One record through the worker; the dead letters as `buildDeadLetter` makes them. */
async function work(route: Record<string, unknown>, messageBody: string) {
  const outcomes: OutcomeRecord[] = [];
  const letters: Record<string, MessageAttributeValue>[] = [];
  const queue: QueueOps = {
    changeVisibility: async () => undefined,
    async deadLetter(record, outcome) {
      letters.push(buildDeadLetter(record, outcome).attributes);
    },
    publishOutcomes: async () => [],
    fanOut: async () => undefined,
    moveToLongRunningTier: async () => undefined,
    renew: async () => undefined,
  };
  const telemetry: Telemetry = { outcome: (r) => void outcomes.push(r), warn: () => undefined, flush: () => undefined };
  await processBatch([sqsRecord(`m${seq}`, messageBody)], testContext(30_000), {
    config: testConfig({ registry: parseRegistry(registryDoc(route)) }),
    client,
    credentials: createCredentialsProvider({ env: ENV }),
    queue,
    telemetry,
    random: () => 0.5,
  });
  expect(outcomes).toHaveLength(1);
  return { outcome: outcomes[0]!, letters };
}

/** Requests both clusters answered for the message, by method: the cost of an overwrite (docs/changed-objects.md). */
const requestsByMethod = () => sim.counters().byMethod;

const sourceSends = () => sim.cluster('baker').nodes.reduce((n, node) => n + node.counters().sends, 0);

/** v1 written at the source and copied to DR by the worker, then v2 written at the source. */
async function overwritten(o: { md5?: boolean; meta?: [string, string][] } = {}) {
  const { ref, body } = fresh();
  const first = sim.cluster('baker').put({ ...ref, body: 'version one', ...(o.md5 && { contentMd5: true }) });
  expect((await work({}, body)).outcome.reason).toBe('created');
  expect(sim.cluster('dr').get(ref)?.etag).toBe(first.etag);
  const second = sim.cluster('baker').put({
    ...ref,
    body: 'version two, longer',
    contentType: 'text/plain',
    ...(o.md5 && { contentMd5: true }),
    ...(o.meta && { meta: o.meta }),
  });
  sim.resetCounters();
  return { ref, body, first, second };
}

describe('an overwrite at the source (DR holds the older version)', () => {
  it('with a replication feed on the route: a forced feed SEND replaces it, on the first attempt', async () => {
    const { ref, body, second } = await overwritten();
    const { outcome, letters } = await work({ replicationFeeds: [1] }, body);
    expect(outcome).toMatchObject({
      outcome: 'replicated',
      reason: 'stale-replaced',
      attempt: 1,
      replaced: { by: 'feed-force', bytes: second.body.length },
    });
    expect(letters).toHaveLength(0);
    expect(sim.cluster('dr').get(ref)?.etag).toBe(second.etag);
    // The legacy SEND (409) and the forced feed SEND.
    expect(sourceSends()).toBe(2);
    // Verify's two HEADs and the HEAD confirming the forced feed SEND (each SEND may add a challenge).
    expect(requestsByMethod().HEAD).toBe(3);
  });

  it('with replaceStale "copy": the worker copies it, keeping its metadata and Content-MD5, never Castor-System-*', async () => {
    const meta: [string, string][] = [
      ['Content-Disposition', 'attachment; filename="report.txt"'],
      ['X-Color-Meta-Shade', 'blue'],
      ['X-Size-Meta', 'large'],
      ['Castor-Owner', 'team-a'],
      ['Lifepoint', '[] reps=2'],
    ];
    const { ref, body, second } = await overwritten({ md5: true, meta });
    const { outcome } = await work({ replaceStale: 'copy' }, body);
    expect(outcome).toMatchObject({
      outcome: 'replicated',
      reason: 'stale-replaced',
      attempt: 1,
      replaced: { by: 'copy', bytes: second.body.length },
    });
    const copy = sim.cluster('dr').get(ref)!;
    expect(Buffer.from(copy.body).toString()).toBe('version two, longer');
    expect(copy.contentType).toBe('text/plain');
    expect(copy.contentMd5).toBe(second.contentMd5);
    expect(copy.meta?.map(([n, v]) => [n.toLowerCase(), v])).toStrictEqual(meta.map(([n, v]) => [n.toLowerCase(), v]));
    // One request per step: DR challenge probe, source GET (challenge, then answered), PUT, source HEAD.
    expect(outcome.replaced!.requests).toBe(5);
    // One SEND (409), verify's 2 HEADs, the copy's 5 requests, 2 HEADs confirming it.
    expect(requestsByMethod()).toMatchObject({ HEAD: 6, GET: 2, PUT: 1 });
    expect(sourceSends()).toBe(1);
  });

  it('with replaceStale "copy": a DR node that redirects the PUT is followed, the source read again', async () => {
    const { ref, body } = await overwritten({ md5: true });
    sim.faults.add({ kind: { type: 'redirect', status: 301 }, match: { cluster: 'dr', method: 'PUT' }, times: 1 });
    const { outcome } = await work({ replaceStale: 'copy' }, body);
    expect(outcome).toMatchObject({ outcome: 'replicated', reason: 'stale-replaced', attempt: 1 });
    expect(Buffer.from(sim.cluster('dr').get(ref)!.body).toString()).toBe('version two, longer');
    expect(requestsByMethod()).toMatchObject({ GET: 3, PUT: 2 });
  });

  it('with replaceStale "copy": DR forbidding the PUT (403) fails it at once, the refusal never overridden', async () => {
    const { ref, body, first } = await overwritten({ md5: true });
    sim.faults.add({ kind: { type: 'status', status: 403 }, match: { cluster: 'dr', method: 'PUT' } });
    const { outcome, letters } = await work({ replaceStale: 'copy' }, body);
    sim.faults.clear();
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'stale-at-destination', attempt: 1 });
    expect(outcome.retriesExhausted).toBeUndefined();
    expect(outcome.detail).toContain('copy: DR PUT answered 403');
    expect(letters).toHaveLength(1);
    expect(sim.cluster('dr').get(ref)?.etag).toBe(first.etag);
  });

  it('with replaceStale "copy": a source that changes during the copy ends in a retry (source-changed)', async () => {
    const { ref, body } = await overwritten({ md5: true });
    sim.faults.add({
      kind: { type: 'concurrent-write', body: 'version three' },
      match: { cluster: 'baker', method: 'GET', object: `${BUCKET}/${ref.name}` },
      times: 1,
    });
    const { outcome } = await work({ replaceStale: 'copy' }, body);
    expect(outcome).toMatchObject({ outcome: 'retry', reason: 'source-changed', attempt: 1 });
    expect(Buffer.from(sim.cluster('baker').get(ref)!.body).toString()).toBe('version three');
    // The next attempt copies the new version.
    const again = await work({ replaceStale: 'copy' }, body);
    expect(again.outcome).toMatchObject({ outcome: 'replicated', reason: 'stale-replaced' });
    expect(Buffer.from(sim.cluster('dr').get(ref)!.body).toString()).toBe('version three');
  });

  it('with replaceStale "copy", an immutable unnamed object (no write replaces it): failed at once, nothing copied', async () => {
    const original = sim.cluster('baker').put({ body: 'immutable bytes', contentMd5: true });
    sim.cluster('dr').put({ uuid: original.uuid, body: 'other bytes, longer', contentMd5: true });
    sim.resetCounters();
    const { outcome, letters } = await work(
      { replaceStale: 'copy' },
      JSON.stringify({ object: { uuid: original.uuid } }),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'stale-at-destination', attempt: 1 });
    expect(outcome.detail).toContain('immutable');
    expect(letters).toHaveLength(1);
    // Neither the body read from the source nor a PUT DR must refuse.
    expect(requestsByMethod().GET ?? 0).toBe(0);
    expect(requestsByMethod().PUT ?? 0).toBe(0);
  });

  it('with neither: failed at once (stale-at-destination), both versions in the DLQ attributes', async () => {
    const { ref, body, first, second } = await overwritten();
    const { outcome, letters } = await work({}, body);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'stale-at-destination', attempt: 1 });
    expect(outcome.retriesExhausted).toBeUndefined();
    const iso = (d: Date) => d.toISOString();
    expect(outcome.versions).toStrictEqual({ source: iso(second.created), destination: iso(first.created) });
    expect(letters).toHaveLength(1);
    expect(letters[0]![DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('stale-at-destination');
    expect(letters[0]![DLQ_ATTRIBUTES.SOURCE_VERSION]?.StringValue).toBe(iso(second.created));
    expect(letters[0]![DLQ_ATTRIBUTES.DR_VERSION]?.StringValue).toBe(iso(first.created));
    expect(sim.cluster('dr').get(ref)?.etag).toBe(first.etag);
    expect(sourceSends()).toBe(1);
    expect(requestsByMethod().HEAD).toBe(2);
  });
});

describe('a re-encoded DR copy (new ETag and version, same bytes and Content-MD5)', () => {
  async function reencoded(md5: boolean) {
    const { ref, body } = fresh();
    sim.cluster('baker').put({ ...ref, body: 'same bytes', ...(md5 && { contentMd5: true }) });
    expect((await work({}, body)).outcome.reason).toBe('created');
    const before = sim.cluster('dr').get(ref)!;
    const after = sim.cluster('dr').reencode(ref)!;
    expect(after.etag).not.toBe(before.etag);
    expect(after.version).not.toBe(before.version);
    return { ref, body };
  }

  it('is accepted by verify (already-present), by reconcile and by check', async () => {
    const { ref, body } = await reencoded(true);
    const { outcome } = await work({}, body);
    expect(outcome).toMatchObject({ outcome: 'already-present', reason: 'already-present' });

    const transport = new ClusterTransport();
    try {
      const doc = parseRegistry(registryDoc({}));
      const heads = transportHeadPort(transport, {
        source: doc.clusters.primary!,
        dr: doc.clusters.dr!,
        sourceCredentials: ADMIN,
        drCredentials: ADMIN,
      });
      const [src, dr] = await Promise.all([heads.head('source', ref), heads.head('dr', ref)]);
      expect(src.hash).not.toBe(dr.hash);
      expect(confirm(src, dr, Date.now(), 0).category).toBe('in-sync');
    } finally {
      await transport.close();
    }

    const dir = scratchDir('changed-objects-');
    const registry = join(dir, 'registry.json');
    writeFileSync(registry, JSON.stringify(registryDoc({})));
    const cap = captureIo(ENV);
    const code = await main(
      ['check', `${BUCKET}/${ref.name}`, '--domain', 'baker', '--registry', registry, '--grace', '0s', '--json'],
      cap.io,
    );
    expect(JSON.parse(cap.out())).toMatchObject({ category: 'in-sync' });
    expect(code).toBe(0);
  });

  it.each([
    ['accept', 'replicated'],
    ['retry', 'retry'],
    ['fail', 'failed'],
    [undefined, 'failed'],
  ] as const)(
    'without Content-MD5 its identity is unproven: unprovenIdentity %s gives %s',
    async (choice, expected) => {
      const { body } = await reencoded(false);
      const { outcome } = await work(choice ? { unprovenIdentity: choice } : {}, body);
      expect(outcome).toMatchObject({ outcome: expected, reason: 'unproven-identity', attempt: 1 });
    },
  );
});
