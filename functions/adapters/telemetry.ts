import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { OutcomeRecord } from '../core/outcome/outcome.js';
import { isSuccess } from '../core/outcome/outcome.js';
import type { Telemetry } from '../worker/ports.js';
import { METRICS } from './metric-names.js';

/**
 * The record's fields that appear in its log line. Powertools drops top-level keys whose value is
 * null, undefined or '' from every line; dropping them here first prints the same line and spares
 * the logger copying, merging and filtering them on every outcome.
 */
function logFields(record: OutcomeRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key as keyof OutcomeRecord];
    if (value !== null && value !== undefined && value !== '') fields[key] = value;
  }
  return fields;
}

/**
 * One single-metric emitter per (outcome, reason), built once: singleMetric() creates a new
 * Metrics object each time, which costs more than the metric it writes.
 */
function reasonEmitters(metrics: Metrics): (outcome: string, reason: string) => Metrics {
  const emitters = new Map<string, Metrics>();
  return (outcome, reason) => {
    const key = `${outcome}\n${reason}`;
    let emitter = emitters.get(key);
    if (!emitter) {
      emitter = metrics.singleMetric();
      emitter.setDefaultDimensions({ outcome, reason });
      emitters.set(key, emitter);
    }
    return emitter;
  };
}

/**
 * Telemetry over Powertools: one structured log line per outcome, and EMF metrics. Counts are
 * summed per invocation and written once at `flush`, so a batch of thousands of messages
 * costs a handful of EMF lines, not one per message. Without `metrics` it only logs (the
 * on-premises worker exports its metrics to Prometheus instead of EMF).
 */
export function createPowertoolsTelemetry(
  logger: Logger,
  metrics: Metrics | null,
  now: () => number = Date.now,
): Telemetry {
  let counts = new Map<string, number>();
  let byReason = new Map<string, { outcome: string; reason: string; count: number }>();
  let latencies: number[] = [];
  let lags: number[] = [];
  let eventsNotPublished = 0;
  const emitterFor = metrics ? reasonEmitters(metrics) : null;

  return {
    outcome(record, sentTimestampMs) {
      const level = record.outcome === 'failed' ? 'warn' : 'info';
      logger[level](`${record.outcome}: ${record.reason}`, logFields(record));
      if (!metrics) return;
      counts.set(record.outcome, (counts.get(record.outcome) ?? 0) + 1);
      const key = `${record.outcome}\n${record.reason}`;
      const r = byReason.get(key) ?? { outcome: record.outcome, reason: record.reason, count: 0 };
      r.count += 1;
      byReason.set(key, r);
      if (record.node !== null) latencies.push(record.durationMs);
      if (sentTimestampMs !== null && isSuccess(record.outcome)) {
        lags.push(Math.max(0, now() - sentTimestampMs));
      }
    },
    warn(message, fields) {
      logger.warn(message, { ...fields });
    },
    eventsNotPublished(count) {
      eventsNotPublished += count;
    },
    flush() {
      if (!metrics) return;
      let processed = 0;
      for (const [outcome, n] of counts) {
        metrics.addMetric(`${METRICS.OUTCOME_PREFIX}${outcome}`, MetricUnit.Count, n);
        processed += n;
      }
      if (processed) metrics.addMetric(METRICS.MESSAGES_PROCESSED, MetricUnit.Count, processed);
      if (eventsNotPublished) metrics.addMetric(METRICS.EVENTS_NOT_PUBLISHED, MetricUnit.Count, eventsNotPublished);
      // EMF keeps at most 100 values per metric in one line; Powertools flushes beyond that.
      for (const v of latencies) metrics.addMetric(METRICS.SEND_LATENCY, MetricUnit.Milliseconds, v);
      for (const v of lags) metrics.addMetric(METRICS.REPLICATION_LAG, MetricUnit.Milliseconds, v);
      // Powertools has already flushed on its own if a metric reached 100 values.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      for (const r of byReason.values())
        emitterFor!(r.outcome, r.reason).addMetric(METRICS.OUTCOME_BY_REASON, MetricUnit.Count, r.count);
      counts = new Map();
      byReason = new Map();
      latencies = [];
      lags = [];
      eventsNotPublished = 0;
    },
  };
}
