import type { DetailType, OutcomeEvent } from '../functions/core/outcome/outcome-event.js';
import type { EventPublisher } from '../functions/worker/ports.js';

/**
 * The local pipeline's event bus stand-in: an in-process EventPublisher that takes every event
 * and counts them by detail-type (the demo summary prints the counts). It keeps the last events
 * for a look, not all of them, so a long local run stays small.
 */
export class EventSink implements EventPublisher {
  readonly byDetailType = new Map<DetailType, number>();
  readonly recent: OutcomeEvent[] = [];

  constructor(private readonly keep = 100) {}

  async publish(events: readonly OutcomeEvent[]): Promise<number[]> {
    for (const e of events) {
      this.byDetailType.set(e.detailType, (this.byDetailType.get(e.detailType) ?? 0) + 1);
      this.recent.push(e);
    }
    this.recent.splice(0, Math.max(0, this.recent.length - this.keep));
    return [];
  }
}

/** Event counts by detail-type on one line, as the demo summary prints them. */
export function eventCountsLine(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([type, n]) => `${n} ${type}`).join(', ') : 'none';
}
