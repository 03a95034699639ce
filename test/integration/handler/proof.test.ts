import { createHash } from 'node:crypto';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { startPipeline, type Pipeline } from '../../helpers/pipeline.js';

// No message is acknowledged without proof, and none is refused for want of an optional field:
// the real handler against fauxqs and the Swarm simulator.

const msg = (uuid: string, extra: Record<string, unknown> = {}) => JSON.stringify({ object: { uuid }, ...extra });
const outcomeOf = (m: { MessageAttributes?: Record<string, { StringValue?: string }> }): OutcomeRecord =>
  JSON.parse(m.MessageAttributes?.[DLQ_ATTRIBUTES.OUTCOME]?.StringValue ?? 'null');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('acknowledged only with proof (handler over fauxqs and the simulator)', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('refuses a route the registry does not configure (invalid-message), even between two known clusters, and sends nothing', async () => {
    // Both directions would work on the wire (primary has a target, dr has nodes); only primary->dr is configured.
    p = await startPipeline({
      registry: (r) => ({
        ...r,
        clusters: {
          ...r.clusters,
          primary: { ...r.clusters.primary, target: (r.clusters.primary!.nodes as string[])[0] },
        },
      }),
    });
    const obj = p.sim.cluster('dr').put({ body: 'x' });
    await p.send(msg(obj.uuid, { from: 'dr', to: 'primary' }));
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    const dead = await p.drain(p.dlq);
    expect(dead).toHaveLength(1);
    expect(outcomeOf(dead[0]!)).toMatchObject({
      outcome: 'failed',
      reason: 'invalid-message',
      from: 'dr',
      to: 'primary',
      detail: expect.stringContaining('no configured route from "dr" to "primary" (configured: primary->dr)'),
    });
    expect(p.sim.counters().sends).toBe(0);
    expect(p.sim.cluster('baker').has({ uuid: obj.uuid })).toBe(false);
  });

  describe('feed SEND and the route replication feeds', () => {
    const feeds = [
      { id: 2, type: 'replication' as const, target: 'dr', domains: ['other.example'] },
      { id: 3, type: 'search' as const },
    ];

    it('does not acknowledge a feed SEND by `all` where only a search feed reports 0: dead-lettered not-in-feed-scope, no DR copy', async () => {
      p = await startPipeline({
        source: { feeds },
        registry: (r) => ({ ...r, defaultRoute: { ...r.defaultRoute, replicationFeeds: [2] } }),
      });
      const obj = p.sim.cluster('baker').put({ body: 'x' });
      await p.send(msg(obj.uuid, { feeds: { ids: ['all'] } }));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      const dead = await p.drain(p.dlq);
      expect(dead.map(outcomeOf)).toMatchObject([
        { outcome: 'failed', reason: 'not-in-feed-scope', feeds: { '3': { status: 0 } } },
      ]);
      expect(p.summary.byOutcome.get('replicated')).toBeUndefined();
      expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(false);
    });

    it('refuses, before any SEND, a selection that cannot include the route replication feed, and a route that names none', async () => {
      p = await startPipeline({
        source: { feeds },
        registry: (r) => ({
          ...r,
          clusters: { ...r.clusters, dr2: { ...r.clusters.dr, name: 'dr' } },
          routes: [{ from: 'primary', to: 'dr2' }],
          defaultRoute: { ...r.defaultRoute, replicationFeeds: [2] },
        }),
      });
      const obj = p.sim.cluster('baker').put({ body: 'x' });
      await p.send(msg(obj.uuid, { feeds: { types: ['search'] } }));
      await p.send(msg(obj.uuid, { feeds: { ids: [3] } }));
      await p.send(msg(obj.uuid, { to: 'dr2', feeds: { ids: ['all'] } }));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      const details = (await p.drain(p.dlq))
        .map(outcomeOf)
        .map((o) => `${o.reason}: ${o.detail}`)
        .sort();
      expect(details).toStrictEqual([
        expect.stringMatching(/^invalid-message: .*route primary->dr2 names no replicationFeeds/),
        expect.stringMatching(
          /^invalid-message: .*feedid=3\) includes none of route primary->dr's replication feeds \(2\)/,
        ),
        expect.stringMatching(
          /^invalid-message: .*feedtype=search\) includes none of route primary->dr's replication feeds \(2\)/,
        ),
      ]);
      expect(p.sim.counters().sends).toBe(0);
    });

    it('acknowledges a feed SEND by type when the route replication feed reports 0', async () => {
      p = await startPipeline({
        source: {
          feeds: [
            { id: 2, type: 'replication', target: 'dr' },
            { id: 3, type: 'search' },
          ],
        },
        registry: (r) => ({ ...r, defaultRoute: { ...r.defaultRoute, replicationFeeds: [2] } }),
      });
      const obj = p.sim.cluster('baker').put({ body: 'x' });
      await p.send(msg(obj.uuid, { feeds: { types: ['replication', 'search'] } }));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      expect(p.summary.byOutcome.get('replicated')).toBe(1);
      expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });
  });

  describe('verify after a 409', () => {
    it('acknowledges an alias rewritten with the same bytes: equal ETags prove the same object, whatever the version times', async () => {
      p = await startPipeline({ verify: true });
      const uuid = 'a1'.repeat(16);
      // DR holds an older version with the same content (the simulator's ETag is the content's MD5).
      p.sim.cluster('dr').put({ uuid, alias: true, body: 'same bytes' });
      await pause(5);
      p.sim.cluster('baker').put({ uuid, alias: true, body: 'same bytes' });
      await p.send(msg(uuid, { object: { uuid, alias: true } }));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      expect(p.summary.byOutcome.get('already-present')).toBe(1);
    });

    it('dead-letters at once (stale-at-destination) a 409 whose DR copy has other content, on a route that cannot replace it', async () => {
      p = await startPipeline({ verify: true });
      const obj = p.sim.cluster('baker').put({ body: 'new content' });
      p.sim.cluster('dr').put({ uuid: obj.uuid, body: 'the older content' });
      await p.send(msg(obj.uuid));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toHaveLength(0);
      expect(p.summary.byOutcome.get('failed')).toBe(1);
      const dead = await p.drain(p.dlq);
      expect(dead.map((m) => m.MessageAttributes?.['swarm-send.reason']?.StringValue)).toStrictEqual([
        'stale-at-destination',
      ]);
    });

    it('HEADs the source when an outer 409 carries no object headers, and acknowledges a copy of the same version', async () => {
      p = await startPipeline({ verify: true, sim: { alreadyPresent: 'status' } });
      const obj = p.sim.cluster('baker').put({ body: 'x' });
      await p.send(msg(obj.uuid));
      await p.deliver(); // 201: the DR copy is the source's version
      await p.send(msg(obj.uuid));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      const published = (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
      expect(published).toMatchObject([{ outcome: 'replicated' }, { outcome: 'already-present', httpStatus: 409 }]);
      // The same, once the source holds a new version: the source HEAD finds the difference.
      p.sim.cluster('baker').put({ uuid: obj.uuid, body: 'y' });
      await p.send(msg(obj.uuid));
      await p.deliver();
      expect(p.summary.byOutcome.get('failed')).toBe(1);
    });

    it('acknowledges a 409 whose DR copy is the source version (the verification passes)', async () => {
      p = await startPipeline({ verify: true });
      const obj = p.sim.cluster('baker').put({ body: 'x' });
      await p.send(msg(obj.uuid));
      await p.deliver();
      await p.send(msg(obj.uuid));
      const { response } = await p.deliver();
      expect(response.batchItemFailures).toStrictEqual([]);
      expect(p.summary.byOutcome.get('already-present')).toBe(1);
    });
  });

  it('ignores a malformed nodeHint with a warning and replicates the message on the configured nodes', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    await p.send(msg(obj.uuid, { nodeHint: 'http://10.0.0.1:80/x' }));
    const { response, records } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(p.summary.byOutcome.get('replicated')).toBe(1);
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(p.warnings).toContainEqual({
      message: 'nodeHint ignored: not host:port (port 1-65535)',
      fields: { messageId: records[0]!.messageId },
    });
    expect(JSON.stringify(p.warnings)).not.toContain('10.0.0.1');
  });

  it('dead-letters a body near the 1 MiB SQS limit with a truncated copy, its SHA-256 and its reason, and says so', async () => {
    p = await startPipeline();
    // Not JSON, so invalid-message; with the reason and outcome attributes it would exceed 1 MiB.
    const body = `é${'x'.repeat(1_048_576 - 100)}`;
    await p.send(body);
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    const dead = await p.drain(p.dlq);
    expect(dead).toHaveLength(1);
    const letter = dead[0]!;
    const bytes = Buffer.byteLength(body, 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(body.startsWith(letter.Body!)).toBe(true);
    expect(letter.Body!.length).toBeLessThan(body.length);
    const attrs = letter.MessageAttributes!;
    expect(attrs[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('invalid-message');
    expect(attrs[DLQ_ATTRIBUTES.TRUNCATED]?.StringValue).toBe('true');
    expect(attrs[DLQ_ATTRIBUTES.BODY_BYTES]?.StringValue).toBe(String(bytes));
    expect(attrs[DLQ_ATTRIBUTES.BODY_SHA256]?.StringValue).toBe(sha256);
    expect(outcomeOf(letter)).toMatchObject({
      outcome: 'failed',
      reason: 'invalid-message',
      truncated: { bytes, sha256 },
    });
    const published = (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
    expect(published).toMatchObject([{ reason: 'invalid-message', truncated: { bytes, sha256 } }]);
    expect(p.summary.deadLettered.get('invalid-message')).toBe(1);
    expect(await p.receive()).toHaveLength(0);
  });

  it('reads a smaller DLQ size limit from the queue and cuts the copy to fit it', async () => {
    p = await startPipeline();
    await p.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: p.dlq.url, Attributes: { MaximumMessageSize: '262144' } }),
    );
    const body = 'y'.repeat(300_000);
    await p.send(body);
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    const dead = await p.drain(p.dlq);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.Body!.length).toBeLessThan(262_144);
    expect(outcomeOf(dead[0]!).truncated).toStrictEqual({
      bytes: 300_000,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('dead-letters a small body unchanged, without a truncated mark', async () => {
    p = await startPipeline();
    await p.send('not json');
    await p.deliver();
    const dead = await p.drain(p.dlq);
    expect(dead[0]!.Body).toBe('not json');
    expect(dead[0]!.MessageAttributes?.[DLQ_ATTRIBUTES.TRUNCATED]).toBeUndefined();
    expect(outcomeOf(dead[0]!).truncated).toBeUndefined();
  });
});
