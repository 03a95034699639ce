import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  createEventBridgeEvents,
  PUT_EVENTS_ATTEMPTS,
  PUT_EVENTS_MAX_BYTES,
} from '../../../functions/adapters/eventbridge-events.js';
import { outcomeEventJsonSchema } from '../../../functions/core/outcome/outcome-event-schema.js';
import { DETAIL_TYPES, type OutcomeEvent } from '../../../functions/core/outcome/outcome-event.js';
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../../helpers/eventbridge-stand-in.js';
import { sampleOutcomeRecord } from '../../helpers/records.js';

// The EventBridge adapter with the real SDK client against a loopback PutEvents stand-in
// (test/helpers/eventbridge-stand-in.ts: no EventBridge emulator is published on npm): what goes
// on the wire, how calls are cut, and which refused entries come back as not published.

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/swarm-send';

const events = (n: number, detail: string | null = null): OutcomeEvent[] =>
  Array.from({ length: n }, (_v, i) => ({
    detailType: DETAIL_TYPES.REPLICATED,
    detail: sampleOutcomeRecord({ messageId: `m-${i}`, detail }),
  }));

describe('createEventBridgeEvents against a PutEvents stand-in', () => {
  let standIn: EventBridgeStandIn;
  afterEach(() => standIn.close());

  it('puts each event as the SDK signs it: source swarm-send, the detail-type, the bus, the record as detail', async () => {
    standIn = await startEventBridgeStandIn();
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    const given = events(1);
    expect(await publisher.publish(given)).toStrictEqual([]);
    expect(standIn.calls).toHaveLength(1);
    const call = standIn.calls[0]!;
    expect(call.target).toBe('AWSEvents.PutEvents');
    expect(call.contentType).toBe('application/x-amz-json-1.1');
    expect(call.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=placeholder\//);
    expect(call.entries).toStrictEqual([
      {
        Source: 'swarm-send',
        DetailType: 'Object Replicated',
        EventBusName: BUS,
        Detail: JSON.stringify(given[0]!.detail),
      },
    ]);
    const validate = new Ajv2020({ strict: true }).compile(outcomeEventJsonSchema());
    expect(validate(JSON.parse(call.entries[0]!.Detail))).toBe(true);
  });

  it('sends 25 events in calls of 10, 10 and 5', async () => {
    standIn = await startEventBridgeStandIn();
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    expect(await publisher.publish(events(25))).toStrictEqual([]);
    expect(standIn.calls.map((c) => c.entries.length).sort((a, b) => b - a)).toStrictEqual([10, 10, 5]);
    expect(new Set(standIn.accepted.map((e) => JSON.parse(e.Detail).messageId)).size).toBe(25);
  });

  it('cuts calls at 256 KB, and reports an event larger than a call as not published without sending it', async () => {
    standIn = await startEventBridgeStandIn();
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    const big = events(3, 'x'.repeat(100_000));
    const huge = events(1, 'y'.repeat(PUT_EVENTS_MAX_BYTES))[0]!;
    expect(await publisher.publish([big[0]!, huge, big[1]!, big[2]!])).toStrictEqual([1]);
    expect(standIn.calls.map((c) => c.entries.length).sort()).toStrictEqual([1, 2]);
    for (const c of standIn.calls) expect(c.bytes).toBeLessThan(PUT_EVENTS_MAX_BYTES + 4096);
    expect(standIn.accepted).toHaveLength(3);
  });

  it('sends again only the entries a call refused (FailedEntryCount, per-entry ErrorCode), until accepted', async () => {
    // Every odd event is refused the first time it is seen.
    standIn = await startEventBridgeStandIn({
      refuse: (entry, times) =>
        JSON.parse(entry.Detail).messageId.slice(2) % 2 === 1 && times === 1 ? 'InternalFailure' : null,
    });
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    expect(await publisher.publish(events(6))).toStrictEqual([]);
    expect(standIn.calls.map((c) => c.entries.map((e) => JSON.parse(e.Detail).messageId))).toStrictEqual([
      ['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5'],
      ['m-1', 'm-3', 'm-5'],
    ]);
    expect(standIn.accepted).toHaveLength(6);
  });

  it(`gives up on an entry after ${PUT_EVENTS_ATTEMPTS} attempts and reports its index`, async () => {
    standIn = await startEventBridgeStandIn({
      refuse: (entry) => (JSON.parse(entry.Detail).messageId === 'm-2' ? 'ThrottlingException' : null),
    });
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    expect(await publisher.publish(events(4))).toStrictEqual([2]);
    expect(standIn.calls).toHaveLength(PUT_EVENTS_ATTEMPTS);
    expect(standIn.accepted).toHaveLength(3);
  });

  it('sends a call that failed whole (HTTP 500) again', async () => {
    standIn = await startEventBridgeStandIn({ status: (call) => (call === 1 ? 500 : null) });
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    expect(await publisher.publish(events(3))).toStrictEqual([]);
    expect(standIn.calls).toHaveLength(2);
    expect(standIn.accepted).toHaveLength(3);
  });

  it('reports every event when the signal is already aborted, and sends nothing', async () => {
    standIn = await startEventBridgeStandIn();
    const publisher = createEventBridgeEvents({ eventBridge: standIn.client(), busName: BUS });
    expect(await publisher.publish(events(3), AbortSignal.abort())).toStrictEqual([0, 1, 2]);
    expect(standIn.accepted).toHaveLength(0);
  });
});
