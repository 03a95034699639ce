import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ScopeSummary } from '../reconcile/engine.js';
import { RECONCILE_METRICS } from './metric-names.js';

/** Metric names of the reconcile function (defined in metric-names.ts, which infra/ reads without Powertools). */
export { RECONCILE_METRICS };

/**
 * Writes one slice's counts as EMF (one line per slice, every count even when 0, so the alarm
 * sees a datapoint for a clean run), and, when the scope finished, the time since the run began.
 */
export function emitReconcileMetrics(metrics: Metrics, summary: ScopeSummary, runStartedMs: number, now: number): void {
  const c = summary.counts;
  metrics.addMetric(RECONCILE_METRICS.OBJECTS_SCANNED, MetricUnit.Count, summary.compared);
  metrics.addMetric(RECONCILE_METRICS.MISSING_ON_DR, MetricUnit.Count, c['missing-on-dr']);
  metrics.addMetric(RECONCILE_METRICS.MISSING_ON_DR_BYTES, MetricUnit.Bytes, summary.bytesMissing);
  metrics.addMetric(RECONCILE_METRICS.DIFFERENT, MetricUnit.Count, c.different);
  metrics.addMetric(RECONCILE_METRICS.EXTRA_ON_DR, MetricUnit.Count, c['extra-on-dr']);
  metrics.addMetric(RECONCILE_METRICS.UNCONFIRMED, MetricUnit.Count, c.unconfirmed);
  metrics.addMetric(RECONCILE_METRICS.REPAIRS_ENQUEUED, MetricUnit.Count, summary.repairs.enqueued);
  metrics.addMetric(RECONCILE_METRICS.SCOPE_ERRORS, MetricUnit.Count, summary.stopped === 'error' ? 1 : 0);
  if (summary.complete)
    metrics.addMetric(RECONCILE_METRICS.RUN_DURATION, MetricUnit.Milliseconds, Math.max(0, now - runStartedMs));
  metrics.publishStoredMetrics();
}
