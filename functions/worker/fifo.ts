import type { SQSRecord } from 'aws-lambda';
import { OUTCOME } from '../core/outcome/outcome.js';
import { unprocessed, type Settled } from './settle.js';

/*
 * FIFO queues: records of one message group run in order; once one stays on the queue, the rest
 * of its group goes back unprocessed, so the order holds. Standard queues run everything at once.
 */

export function isFifo(record: SQSRecord): boolean {
  return record.eventSourceARN?.endsWith('.fifo') || record.attributes.MessageGroupId !== undefined;
}

const groupOf = (record: SQSRecord): string => record.attributes.MessageGroupId ?? '';

/** Runs each message group's records one after the other (the groups side by side); results in the records' order. */
export async function inGroupOrder(
  records: readonly SQSRecord[],
  handle: (record: SQSRecord) => Promise<Settled>,
): Promise<Settled[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const r of records) groups.set(groupOf(r), [...(groups.get(groupOf(r)) ?? []), r]);
  const perGroup = await Promise.all(
    [...groups.values()].map(async (group) => {
      const out: Settled[] = [];
      let blocked = false;
      for (const r of group) {
        const s = blocked ? unprocessed(r) : await handle(r);
        out.push(s);
        if (s.keep) blocked = true;
      }
      return out;
    }),
  );
  const byId = new Map(perGroup.flat().map((s) => [s.record.messageId, s]));
  return records.map((r) => byId.get(r.messageId)!);
}

/**
 * After outcomes are published: a message kept for its unpublished outcome holds back the rest
 * of its group, as a retry does (what went to the DLQ stays there: it left the group's order).
 * Adds the held messages to `keep`.
 */
export function holdBackGroups(settled: readonly Settled[], keep: Set<string>): void {
  const held = new Set<string>();
  for (const s of settled) {
    const group = groupOf(s.record);
    const deadLettered = s.outcomeRecord?.outcome === OUTCOME.FAILED && !s.keep;
    if (held.has(group) && !deadLettered) keep.add(s.record.messageId);
    if (keep.has(s.record.messageId)) held.add(group);
  }
}
