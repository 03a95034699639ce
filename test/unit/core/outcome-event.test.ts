import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  OUTCOME_EVENT_SCHEMA_ID,
  outcomeEventJsonSchema,
} from '../../../functions/core/outcome/outcome-event-schema.js';
import { DETAIL_TYPES, finalDetailType, outcomeEvents } from '../../../functions/core/outcome/outcome-event.js';
import { OUTCOME, REASONS, type Reason } from '../../../functions/core/outcome/outcome.js';
import { pythonVerdicts } from '../../helpers/python-jsonschema.js';
import { sampleOutcomeRecord } from '../../helpers/records.js';

const DOCS = fileURLToPath(new URL('../../../docs/outcome-event.schema.json', import.meta.url));

describe('outcome events', () => {
  it('give a final outcome the detail-type of its kind, and a retry none', () => {
    expect(finalDetailType(OUTCOME.REPLICATED)).toBe('Object Replicated');
    expect(finalDetailType(OUTCOME.ALREADY_PRESENT)).toBe('Object Already Present');
    expect(finalDetailType(OUTCOME.FAILED)).toBe('Replication Failed');
    expect(finalDetailType(OUTCOME.RETRY)).toBeNull();
  });

  it("put a reason added later (a delete's) under its outcome kind, the reason in the detail", () => {
    const record = sampleOutcomeRecord({ outcome: 'replicated', reason: 'deleted' });
    expect(outcomeEvents(record, { final: true, lagMs: 5, rpoSeconds: null })).toStrictEqual([
      { detailType: DETAIL_TYPES.REPLICATED, detail: record },
    ]);
  });

  it('send a final outcome once: none for an attempt whose message stays queued', () => {
    const record = sampleOutcomeRecord();
    expect(outcomeEvents(record, { final: false, lagMs: 5, rpoSeconds: 60 })).toStrictEqual([]);
  });

  it("add a missed threshold when the lag passes the RPO, a retry's too, and not at or below it", () => {
    const retry = sampleOutcomeRecord({ outcome: 'retry', reason: 'remote-unavailable' });
    expect(outcomeEvents(retry, { final: false, lagMs: 60_001, rpoSeconds: 60 })).toStrictEqual([
      {
        detailType: DETAIL_TYPES.MISSED_THRESHOLD,
        detail: { ...retry, threshold: { lagMs: 60_001, rpoSeconds: 60 } },
      },
    ]);
    expect(outcomeEvents(retry, { final: false, lagMs: 60_000, rpoSeconds: 60 })).toStrictEqual([]);
    expect(outcomeEvents(retry, { final: false, lagMs: null, rpoSeconds: 60 })).toStrictEqual([]);
    const done = sampleOutcomeRecord();
    expect(outcomeEvents(done, { final: true, lagMs: 120_000, rpoSeconds: 60 }).map((e) => e.detailType)).toStrictEqual(
      [DETAIL_TYPES.REPLICATED, DETAIL_TYPES.MISSED_THRESHOLD],
    );
  });
});

describe('outcomeEventJsonSchema', () => {
  const records = [
    sampleOutcomeRecord(),
    sampleOutcomeRecord({ outcome: 'failed', reason: 'invalid-message', object: null, retriesExhausted: true }),
    { ...sampleOutcomeRecord({ outcome: 'retry' }), threshold: { lagMs: 1000, rpoSeconds: 1 } },
    sampleOutcomeRecord({ feeds: { '2': { status: 0, statusTime: null } }, truncated: { bytes: 1, sha256: 'ab' } }),
  ];
  const wrong = [
    { ...sampleOutcomeRecord(), outcome: 'done' },
    { ...sampleOutcomeRecord(), reason: 'no-such-reason' },
    { ...sampleOutcomeRecord(), attempt: '1' },
    { ...sampleOutcomeRecord(), threshold: { lagMs: 1 } },
    Object.fromEntries(Object.entries(sampleOutcomeRecord()).filter(([k]) => k !== 'messageId')),
  ];

  it('is, byte for byte, the schema published in docs/, names itself, and lists every reason', () => {
    const schema = outcomeEventJsonSchema();
    expect(`${JSON.stringify(schema, null, 2)}\n`).toBe(readFileSync(DOCS, 'utf8'));
    expect(schema.$id).toBe(OUTCOME_EVENT_SCHEMA_ID);
    const reasons = (schema.properties as { reason: { enum: Reason[] } }).reason.enum;
    expect([...reasons].sort()).toStrictEqual(Object.keys(REASONS).sort());
  });

  it('accepts outcome records and rejects what no record is, with ajv', () => {
    const validate = new Ajv2020({ strict: true }).compile(outcomeEventJsonSchema());
    for (const r of records) expect(validate(r)).toBe(true);
    for (const w of wrong) expect(validate(w)).toBe(false);
  });

  it('reads alike in Python jsonschema', async () => {
    const verdicts = await pythonVerdicts(
      outcomeEventJsonSchema(),
      [...records, ...wrong].map((r) => JSON.stringify(r)),
    );
    expect(verdicts).toStrictEqual([...records.map(() => 'accept'), ...wrong.map(() => 'reject')]);
  });
});
