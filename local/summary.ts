import type { OutcomeRecord } from '../functions/core/outcome/outcome.js';
import { isSuccess } from '../functions/core/outcome/outcome.js';
import type { Telemetry } from '../functions/worker/ports.js';

/** The most recent samples kept for percentiles, so a worker that runs for days stays small. */
const SAMPLE_LIMIT = 10_000;

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function keep(samples: number[], value: number): void {
  if (samples.length >= SAMPLE_LIMIT) samples.shift();
  samples.push(value);
}

/** Counts what the handler recorded, for the local pipeline's progress bar and summary table. */
export class SummaryTelemetry implements Telemetry {
  readonly byOutcome = new Map<string, number>();
  readonly deadLettered = new Map<string, number>();
  /** Terminal outcomes by reason (`created`, `stale-replaced`, `deleted`, `fanned-out`, ...). */
  readonly byReason = new Map<string, number>();
  /** Retries by reason (`remote-unavailable`, `fan-out-unavailable`, ...). */
  readonly retriesByReason = new Map<string, number>();
  /** Outcomes of the messages that name one destination, by its registry key, then by outcome. */
  readonly byDestination = new Map<string, Map<string, number>>();
  /** The last 10,000 replication lags and SEND latencies (ms). */
  readonly lagsMs: number[] = [];
  readonly latenciesMs: number[] = [];
  /** Messages that reached a terminal outcome (replicated, already-present, failed). */
  terminal = 0;
  retries = 0;
  warnings = 0;
  /** Outcome events that could not be put on the bus. */
  unpublishedEvents = 0;

  constructor(
    private readonly forward: Telemetry | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  outcome(record: OutcomeRecord, sentTimestampMs: number | null): void {
    count(this.byOutcome, record.outcome);
    if (record.to !== null) {
      const destination = this.byDestination.get(record.to) ?? new Map<string, number>();
      this.byDestination.set(record.to, destination);
      count(destination, record.outcome);
    }
    if (record.outcome === 'retry') {
      this.retries += 1;
      count(this.retriesByReason, record.reason);
    } else {
      this.terminal += 1;
      count(this.byReason, record.reason);
    }
    if (record.outcome === 'failed') count(this.deadLettered, record.reason);
    if (record.node !== null) keep(this.latenciesMs, record.durationMs);
    if (sentTimestampMs !== null && isSuccess(record.outcome))
      keep(this.lagsMs, Math.max(0, this.now() - sentTimestampMs));
    this.forward?.outcome(record, sentTimestampMs);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings += 1;
    this.forward?.warn(message, fields);
  }

  flush(): void {
    this.forward?.flush();
  }

  eventsNotPublished(count: number): void {
    this.unpublishedEvents += count;
    this.forward?.eventsNotPublished?.(count);
  }
}

/** The p-th percentile (0-100) by nearest rank; null for no data. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
