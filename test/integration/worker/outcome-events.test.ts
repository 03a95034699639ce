import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SQSRecord } from 'aws-lambda';
import { PUT_EVENTS_ATTEMPTS } from '../../../functions/adapters/eventbridge-events.js';
import type { EventsConfig } from '../../../functions/config.js';
import { outcomeEventJsonSchema } from '../../../functions/core/outcome/outcome-event-schema.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../../helpers/eventbridge-stand-in.js';
import { startPipeline, type Pipeline } from '../../helpers/pipeline.js';

// The real handler (fauxqs, the Swarm simulator) with outcome events on, put through the real
// EventBridge SDK client to a loopback PutEvents stand-in: an event for every outcome kind, a
// missed threshold, refused entries sent again, and a bus that refuses everything costing the
// message nothing (counted, logged; kept on its queue only with keep-message).

const BUS = 'swarm-send-test';
const body = (uuid: string) => JSON.stringify({ object: { uuid, alias: true } });
const detailsOf = (s: EventBridgeStandIn) =>
  s.accepted.map((e) => ({
    type: e.DetailType,
    detail: JSON.parse(e.Detail) as OutcomeRecord & { threshold?: unknown },
  }));

async function pipelineWithEvents(standIn: EventBridgeStandIn, events: Partial<EventsConfig> = {}): Promise<Pipeline> {
  return startPipeline({
    config: { events: { busName: BUS, rpoSeconds: 600, onFailure: 'best-effort', ...events } },
    events: { eventBridge: standIn.client() },
  });
}

/** Makes a record look as if it had entered its queue `ageMs` ago. */
const aged = (r: SQSRecord, ageMs: number): SQSRecord => ({
  ...r,
  attributes: { ...r.attributes, SentTimestamp: String(Date.now() - ageMs) },
});

describe('outcome events from the handler', () => {
  let standIn: EventBridgeStandIn;
  let p: Pipeline;
  afterEach(async () => {
    await p.close();
    await standIn.close();
  });

  it('puts one event per final outcome (replicated, already-present, failed) and a missed threshold, each detail its outcome record', async () => {
    standIn = await startEventBridgeStandIn();
    p = await pipelineWithEvents(standIn);
    const present = p.sim.cluster('baker').put({ alias: true, body: 'x' }).uuid;
    const missing = '0123456789abcdef0123456789abcdef';
    await p.send(body(present));
    await p.send('not json');
    await p.send(body(missing));
    const records = await p.receive(10);
    expect(records).toHaveLength(3);
    const late = records.find((r) => r.body === body(missing))!;
    await p.invoke(records.map((r) => (r === late ? aged(r, 3_600_000) : r)));
    await p.send(body(present));
    await p.deliver();

    const got = detailsOf(standIn);
    expect(got.map((g) => `${g.type}: ${g.detail.outcome} ${g.detail.reason}`).sort()).toStrictEqual([
      'Object Already Present: already-present already-present',
      'Object Replicated: replicated created',
      'Replication Failed: failed invalid-message',
      'Replication Missed Threshold: retry not-found-at-source',
    ]);
    expect(standIn.accepted.every((e) => e.Source === 'swarm-send' && e.EventBusName === BUS)).toBe(true);
    // A final outcome's detail is the record the outcomes queue carries, field for field.
    const queued = (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
    for (const g of got.filter((x) => x.type !== 'Replication Missed Threshold'))
      expect(g.detail).toStrictEqual(queued.find((q) => q.messageId === g.detail.messageId));
    const missed = got.find((g) => g.type === 'Replication Missed Threshold')!.detail;
    expect(missed.threshold).toStrictEqual({ lagMs: expect.any(Number), rpoSeconds: 600 });
    expect((missed.threshold as { lagMs: number }).lagMs).toBeGreaterThanOrEqual(3_600_000);
    const validate = new Ajv2020({ strict: true }).compile(outcomeEventJsonSchema());
    for (const g of got) expect(validate(g.detail)).toBe(true);
    expect(p.summary.unpublishedEvents).toBe(0);
  }, 30_000);

  it('sends again the entries PutEvents refused, so every event arrives once', async () => {
    standIn = await startEventBridgeStandIn({ refuse: (_e, times) => (times === 1 ? 'InternalFailure' : null) });
    p = await pipelineWithEvents(standIn);
    const uuids = Array.from({ length: 10 }, () => p.sim.cluster('baker').put({ alias: true, body: 'x' }).uuid);
    for (const u of uuids) await p.send(body(u));
    const { records } = await p.deliver(10);
    expect(records).toHaveLength(10);
    expect(standIn.calls.map((c) => c.entries.length)).toStrictEqual([10, 10]);
    expect(standIn.accepted.map((e) => JSON.parse(e.Detail).object.uuid).sort()).toStrictEqual([...uuids].sort());
    expect(p.summary.unpublishedEvents).toBe(0);
  }, 30_000);

  it('best-effort: a bus that refuses everything is counted and logged; the message is acknowledged and its outcome queued', async () => {
    standIn = await startEventBridgeStandIn({ refuse: () => 'InternalFailure' });
    p = await pipelineWithEvents(standIn);
    const uuid = p.sim.cluster('baker').put({ alias: true, body: 'x' }).uuid;
    await p.send(body(uuid));
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(standIn.calls).toHaveLength(PUT_EVENTS_ATTEMPTS);
    expect(p.summary.unpublishedEvents).toBe(1);
    expect(p.warnings.map((w) => w.message)).toContain('outcome events could not be published');
    const queued = (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
    expect(queued.map((q) => `${q.outcome} ${q.object && 'uuid' in q.object ? q.object.uuid : ''}`)).toStrictEqual([
      `replicated ${uuid}`,
    ]);
    expect(await p.receive(10)).toHaveLength(0);
  }, 30_000);

  it('keep-message: a success whose event was refused stays on its queue, and its next attempt emits the event', async () => {
    let refusing = true;
    standIn = await startEventBridgeStandIn({ refuse: () => (refusing ? 'InternalFailure' : null) });
    p = await pipelineWithEvents(standIn, { onFailure: 'keep-message' });
    const uuid = p.sim.cluster('baker').put({ alias: true, body: 'x' }).uuid;
    await p.send(body(uuid));
    await p.send('not json');
    const first = await p.deliver();
    // The failure was dead-lettered (its own record is safe there); only the success is kept.
    const kept = first.response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(kept).toStrictEqual([first.records.find((r) => r.body === body(uuid))!.messageId]);
    expect(p.summary.unpublishedEvents).toBe(2);
    refusing = false;
    await p.invoke(first.records.filter((r) => kept.includes(r.messageId)));
    expect(detailsOf(standIn).map((g) => `${g.type}: ${g.detail.reason}`)).toStrictEqual([
      'Object Already Present: already-present',
    ]);
  }, 30_000);
});
