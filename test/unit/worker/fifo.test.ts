import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { holdBackGroups, inGroupOrder, isFifo } from '../../../functions/worker/fifo.js';
import type { Settled } from '../../../functions/worker/settle.js';
import { sqsRecord } from '../../helpers/records.js';

const settled = (record: SQSRecord, kind: OutcomeRecord['outcome'] | null, keep: boolean): Settled => ({
  record,
  outcomeRecord: kind === null ? null : ({ outcome: kind, messageId: record.messageId } as OutcomeRecord),
  keep,
  backoffSeconds: null,
});

describe('FIFO message groups', () => {
  it('knows a FIFO record by its queue or its group', () => {
    expect(isFifo(sqsRecord('a', '{}', { group: 'g' }))).toBe(true);
    expect(isFifo(sqsRecord('a', '{}'))).toBe(false);
  });

  it('knows a FIFO record by either sign alone: the .fifo queue, or a message group', () => {
    const fifoQueue = 'arn:aws:sqs:us-east-1:000000000000:sends.fifo';
    const standardQueue = 'arn:aws:sqs:us-east-1:000000000000:sends';
    expect(isFifo(sqsRecord('a', '{}', { queueArn: fifoQueue }))).toBe(true);
    expect(isFifo(sqsRecord('a', '{}', { group: 'g', queueArn: standardQueue }))).toBe(true);
    expect(isFifo(sqsRecord('a', '{}', { queueArn: 'arn:aws:sqs:us-east-1:000000000000:fifo-sends' }))).toBe(false);
  });

  it('reads a record that names no queue (an invocation by hand) by its group, without throwing', () => {
    const noQueue = (group?: string): SQSRecord => {
      const record: Partial<SQSRecord> = sqsRecord('a', '{}', group === undefined ? {} : { group });
      delete record.eventSourceARN;
      return record as SQSRecord;
    };
    expect(isFifo(noQueue())).toBe(false);
    expect(isFifo(noQueue('g'))).toBe(true);
  });

  it("runs a group's records one after the other, groups side by side, and answers in the records' order", async () => {
    const records = [
      sqsRecord('a1', '{}', { group: 'a' }),
      sqsRecord('b1', '{}', { group: 'b' }),
      sqsRecord('a2', '{}', { group: 'a' }),
    ];
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const out = await inGroupOrder(records, async (r) => {
      running += 1;
      most = Math.max(most, running);
      log.push(`start ${r.messageId}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${r.messageId}`);
      running -= 1;
      return settled(r, 'replicated', false);
    });
    expect(out.map((s) => s.record.messageId)).toStrictEqual(['a1', 'b1', 'a2']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(most).toBe(2);
  });

  it('returns the rest of a group unprocessed once one of its records stays on the queue; other groups go on', async () => {
    const records = [
      sqsRecord('a1', '{}', { group: 'a' }),
      sqsRecord('a2', '{}', { group: 'a' }),
      sqsRecord('b1', '{}', { group: 'b' }),
    ];
    const handled: string[] = [];
    const out = await inGroupOrder(records, async (r) => {
      handled.push(r.messageId);
      return settled(r, r.messageId === 'a1' ? 'retry' : 'replicated', r.messageId === 'a1');
    });
    expect(handled.sort()).toStrictEqual(['a1', 'b1']);
    expect(out[1]).toStrictEqual({ record: records[1], outcomeRecord: null, keep: true, backoffSeconds: null });
    expect(out[2]?.keep).toBe(false);
  });

  it('holds back nothing in a group none of whose messages is kept', () => {
    const [b1, b2] = [sqsRecord('b1', '{}', { group: 'b' }), sqsRecord('b2', '{}', { group: 'b' })];
    const keep = new Set<string>();
    holdBackGroups([settled(b1!, 'replicated', false), settled(b2!, 'replicated', false)], keep);
    expect([...keep]).toStrictEqual([]);
  });

  it('holds back the rest of a group behind a kept message, but not what went to the DLQ', () => {
    const [a1, a2, a3, b1] = [
      sqsRecord('a1', '{}', { group: 'a' }),
      sqsRecord('a2', '{}', { group: 'a' }),
      sqsRecord('a3', '{}', { group: 'a' }),
      sqsRecord('b1', '{}', { group: 'b' }),
    ];
    const all = [
      settled(a1!, 'replicated', false),
      settled(a2!, 'failed', false),
      settled(a3!, 'replicated', false),
      settled(b1!, 'replicated', false),
    ];
    const keep = new Set(['a1']); // e.g. its outcome could not be published
    holdBackGroups(all, keep);
    expect([...keep].sort()).toStrictEqual(['a1', 'a3']);
  });
});
