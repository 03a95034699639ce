import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import { isSuccess } from '../core/outcome/outcome.js';
import type { Telemetry } from '../worker/ports.js';

/** Metric names the worker exports (docs/on-premises.md lists them). */
export const PROMETHEUS_METRICS = {
  OUTCOMES: 'swarm_send_outcomes_total',
  SEND_DURATION: 'swarm_send_send_duration_seconds',
  REPLICATION_LAG: 'swarm_send_replication_lag_seconds',
  SENDS_IN_FLIGHT: 'swarm_send_sends_in_flight',
  BATCHES: 'swarm_send_batches_total',
  BATCH_RECORDS: 'swarm_send_batch_records_total',
  QUEUE_CALL_ERRORS: 'swarm_send_queue_call_errors_total',
  VISIBILITY_EXTENSIONS: 'swarm_send_visibility_extensions_total',
  WARNINGS: 'swarm_send_warnings_total',
  READY: 'swarm_send_ready',
  QUEUE_MESSAGES: 'swarm_send_queue_messages',
  EVENTS_NOT_PUBLISHED: 'swarm_send_events_not_published_total',
} as const;

/**
 * Telemetry for Prometheus (prom-client): counters and histograms kept in one registry and read
 * by the worker's /metrics endpoint. Besides the port's events it takes the worker's own:
 * SENDs starting and ending, batches, queue-call errors and visibility heartbeats.
 */
export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #outcomes = new Counter({
    name: PROMETHEUS_METRICS.OUTCOMES,
    help: 'Messages by outcome and reason (DESIGN.md section 3)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #sendDuration = new Histogram({
    name: PROMETHEUS_METRICS.SEND_DURATION,
    help: 'Duration of one SEND on a source node, from the request to the end of its answer',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly #lag = new Histogram({
    name: PROMETHEUS_METRICS.REPLICATION_LAG,
    help: 'Time from the SEND message entering the queue to the object being safe in the DR cluster',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 21600, 86400],
    registers: [this.registry],
  });
  readonly #inFlight = new Gauge({
    name: PROMETHEUS_METRICS.SENDS_IN_FLIGHT,
    help: 'SENDs in progress',
    registers: [this.registry],
  });
  readonly #batches = new Counter({
    name: PROMETHEUS_METRICS.BATCHES,
    help: 'Batches handed to the handler, by result (ok, or error when the handler failed or timed out)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #batchRecords = new Counter({
    name: PROMETHEUS_METRICS.BATCH_RECORDS,
    help: 'Messages received and handed to the handler',
    registers: [this.registry],
  });
  readonly #queueErrors = new Counter({
    name: PROMETHEUS_METRICS.QUEUE_CALL_ERRORS,
    help: 'Failed SQS calls and refused batch entries, by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly #extensions = new Counter({
    name: PROMETHEUS_METRICS.VISIBILITY_EXTENSIONS,
    help: 'Visibility extensions of in-flight messages (heartbeats for long SENDs)',
    registers: [this.registry],
  });
  readonly #eventsNotPublished = new Counter({
    name: PROMETHEUS_METRICS.EVENTS_NOT_PUBLISHED,
    help: 'Outcome events not put on the event bus after their retries (docs/events.md)',
    registers: [this.registry],
  });
  readonly #warnings = new Counter({
    name: PROMETHEUS_METRICS.WARNINGS,
    help: 'Warnings that are not a message outcome (see the logs)',
    registers: [this.registry],
  });

  readonly #ready = new Gauge({
    name: PROMETHEUS_METRICS.READY,
    help: 'Readiness checks as /readyz last ran them: 1 passed, 0 failed (the log says why)',
    labelNames: ['check'] as const,
    registers: [this.registry],
  });
  readonly #queueMessages = new Gauge({
    name: PROMETHEUS_METRICS.QUEUE_MESSAGES,
    help: 'Messages on the SEND queue and its dead-letter queue (approximate, as SQS counts them), by state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  constructor(options: { now?: () => number; processMetrics?: boolean } = {}) {
    this.#now = options.now ?? Date.now;
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters fail `promtool check metrics`; their per-type twins
      // (nodejs_active_handles, nodejs_active_requests, nodejs_active_resources) stay.
      for (const name of [
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_active_resources_total',
      ])
        this.registry.removeSingleMetric(name);
    }
  }

  outcome(record: OutcomeRecord, sentTimestampMs: number | null): void {
    this.#outcomes.inc({ outcome: record.outcome, reason: record.reason });
    if (record.node !== null) this.#sendDuration.observe(record.durationMs / 1000);
    if (sentTimestampMs !== null && isSuccess(record.outcome)) {
      this.#lag.observe(Math.max(0, this.#now() - sentTimestampMs) / 1000);
    }
  }

  warn(): void {
    this.#warnings.inc();
  }

  eventsNotPublished(count: number): void {
    this.#eventsNotPublished.inc(count);
  }

  /** Nothing to write: Prometheus reads the registry when it scrapes. */
  flush(): void {}

  sendStarted(): void {
    this.#inFlight.inc();
  }

  sendEnded(): void {
    this.#inFlight.dec();
  }

  batch(records: number, failed: boolean): void {
    this.#batches.inc({ result: failed ? 'error' : 'ok' });
    this.#batchRecords.inc(records);
  }

  queueError(operation: string, code: string, count = 1): void {
    this.#queueErrors.inc({ operation, code }, count);
  }

  visibilityExtended(count: number): void {
    this.#extensions.inc(count);
  }

  /** One readiness check's result. */
  ready(check: string, passed: boolean): void {
    this.#ready.set({ check }, passed ? 1 : 0);
  }

  /** A queue's depth: `send` is the SEND queue, `dlq` its dead-letter queue. */
  queueMessages(queue: 'send' | 'dlq', counts: { visible: number; inFlight: number; delayed: number }): void {
    this.#queueMessages.set({ queue, state: 'visible' }, counts.visible);
    this.#queueMessages.set({ queue, state: 'in_flight' }, counts.inFlight);
    this.#queueMessages.set({ queue, state: 'delayed' }, counts.delayed);
  }

  /** The exposition text for /metrics, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
