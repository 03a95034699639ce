import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../core/outcome/outcome-event.js';
import type { EventPublisher } from '../worker/ports.js';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** PutEvents takes at most 256 KB per call (and so per entry), counted as entrySize counts. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Attempts per entry (the first and its retries) before it counts as not published. */
export const PUT_EVENTS_ATTEMPTS = 3;

/**
 * An entry's size as EventBridge counts it against the 256 KB limit ("Calculating PutEvents
 * event entry size"): the UTF-8 bytes of Source, DetailType, Detail, EventBusName and each
 * Resource, and 14 bytes for a Time.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    bytes(entry.EventBusName) +
    (entry.Resources ?? []).reduce((n, r) => n + bytes(r), 0) +
    (entry.Time ? 14 : 0)
  );
}

/**
 * Groups entry indexes into PutEvents calls: at most 10 entries and 256 KB a call. An entry
 * larger than a call can hold is left out and returned in `tooLarge` (never sent).
 */
export function putEventsBatches(sizes: readonly number[]): { batches: number[][]; tooLarge: number[] } {
  const batches: number[][] = [];
  const tooLarge: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (size > PUT_EVENTS_MAX_BYTES) {
      tooLarge.push(i);
      return;
    }
    if (current.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length) batches.push(current);
  return { batches, tooLarge };
}

export interface EventBridgeEventsOptions {
  readonly eventBridge: EventBridgeClient;
  /** The bus's name or ARN. */
  readonly busName: string;
  /** @default PUT_EVENTS_ATTEMPTS */
  readonly attempts?: number;
}

/**
 * The EventPublisher over EventBridge PutEvents. Entries go in calls of at most 10 entries and
 * 256 KB; an entry a call refused (FailedEntryCount, a per-entry ErrorCode) and the entries of a
 * call that failed whole are sent again, up to `attempts` times each, within the caller's
 * signal. The SDK's own retries (throttling, 5xx) happen inside each call. Resolves to the
 * indexes never accepted.
 */
export function createEventBridgeEvents(options: EventBridgeEventsOptions): EventPublisher {
  const { eventBridge, busName } = options;
  const attempts = options.attempts ?? PUT_EVENTS_ATTEMPTS;

  const putOnce = async (entries: PutEventsRequestEntry[], idx: number[], signal?: AbortSignal) => {
    const refused: number[] = [];
    const { batches, tooLarge } = putEventsBatches(idx.map((i) => entrySize(entries[i]!)));
    await Promise.all(
      batches.map(async (batch) => {
        const ids = batch.map((b) => idx[b]!);
        try {
          const out = await eventBridge.send(new PutEventsCommand({ Entries: ids.map((i) => entries[i]!) }), {
            abortSignal: signal,
          });
          // Entries in the response are in the request's order; one with an ErrorCode was refused.
          ids.forEach((i, n) => {
            if (!out.FailedEntryCount) return;
            const result = out.Entries?.[n];
            if (!result || result.ErrorCode || !result.EventId) refused.push(i);
          });
        } catch {
          refused.push(...ids);
        }
      }),
    );
    return { refused, tooLarge: tooLarge.map((t) => idx[t]!) };
  };

  return {
    async publish(events, signal) {
      const entries = events.map((e): PutEventsRequestEntry => ({
        EventBusName: busName,
        Source: EVENT_SOURCE,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
      }));
      let pending = entries.map((_e, i) => i);
      const lost: number[] = [];
      for (let attempt = 1; attempt <= attempts && pending.length && !signal?.aborted; attempt++) {
        const { refused, tooLarge } = await putOnce(entries, pending, signal);
        lost.push(...tooLarge);
        pending = refused;
      }
      return [...lost, ...pending].sort((a, b) => a - b);
    },
  };
}
