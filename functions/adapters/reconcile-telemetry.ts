import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ScopeSummary } from '../reconcile/scope-types.js';
import { RECONCILE_METRICS } from './metric-names.js';

/** Metric names of the reconcile function (defined in metric-names.ts, which infra/ reads without Powertools). */
export { RECONCILE_METRICS };

/**
 * Writes one slice's counts as EMF (one line per slice, every count even when 0, so the alarm
 * sees a datapoint for a clean run), and, when the scope finished, the time since the run began.
 * `ScopesComplete` is 1 only for a scope whose listings both ended as the protocol ends one; the
 * rows listed are this slice's (the summary's totals less `listedBefore`, the earlier slices').
 */
export function emitReconcileMetrics(
  metrics: Metrics,
  summary: ScopeSummary,
  runStartedMs: number,
  now: number,
  listedBefore: { readonly source: number; readonly dr: number } = { source: 0, dr: 0 },
): void {
  const c = summary.counts;
  metrics.addMetric(RECONCILE_METRICS.OBJECTS_SCANNED, MetricUnit.Count, summary.compared);
  metrics.addMetric(RECONCILE_METRICS.MISSING_ON_DR, MetricUnit.Count, c['missing-on-dr']);
  metrics.addMetric(RECONCILE_METRICS.MISSING_ON_DR_BYTES, MetricUnit.Bytes, summary.bytesMissing);
  metrics.addMetric(RECONCILE_METRICS.DIFFERENT, MetricUnit.Count, c.different);
  metrics.addMetric(RECONCILE_METRICS.EXTRA_ON_DR, MetricUnit.Count, c['extra-on-dr']);
  metrics.addMetric(RECONCILE_METRICS.UNCONFIRMED, MetricUnit.Count, c.unconfirmed);
  metrics.addMetric(RECONCILE_METRICS.REPAIRS_ENQUEUED, MetricUnit.Count, summary.repairs.enqueued);
  metrics.addMetric(RECONCILE_METRICS.UNNAMEABLE, MetricUnit.Count, c.unnameable);
  metrics.addMetric(RECONCILE_METRICS.SCOPE_ERRORS, MetricUnit.Count, summary.stopped === 'error' ? 1 : 0);
  metrics.addMetric(RECONCILE_METRICS.SCOPES_COMPLETE, MetricUnit.Count, summary.complete ? 1 : 0);
  const { source, dr } = summary.listing;
  metrics.addMetric(
    RECONCILE_METRICS.SOURCE_ROWS_LISTED,
    MetricUnit.Count,
    Math.max(0, source.rows - listedBefore.source),
  );
  metrics.addMetric(RECONCILE_METRICS.DR_ROWS_LISTED, MetricUnit.Count, Math.max(0, dr.rows - listedBefore.dr));
  metrics.addMetric(RECONCILE_METRICS.COUNT_WARNINGS, MetricUnit.Count, summary.warnings.length);
  metrics.addMetric(RECONCILE_METRICS.EXTRA_DELETED, MetricUnit.Count, summary.repairs.deleted);
  if (summary.complete)
    metrics.addMetric(RECONCILE_METRICS.RUN_DURATION, MetricUnit.Milliseconds, Math.max(0, now - runStartedMs));
  metrics.publishStoredMetrics();
}

/** A slice that produced no summary (a bucket fan-out that failed, a walk that broke): one scope error. */
export function emitReconcileFailure(metrics: Metrics): void {
  metrics.addMetric(RECONCILE_METRICS.SCOPE_ERRORS, MetricUnit.Count, 1);
  metrics.addMetric(RECONCILE_METRICS.SCOPES_COMPLETE, MetricUnit.Count, 0);
  metrics.publishStoredMetrics();
}
