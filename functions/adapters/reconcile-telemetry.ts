import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ScopeSummary } from '../reconcile/engine.js';

/** Metric names of the reconcile function (infra/ reads them for its alarm and dashboard). */
export const RECONCILE_METRICS = {
  /** Keys compared (both listings merged). */
  OBJECTS_SCANNED: 'ReconcileObjectsScanned',
  /** Objects confirmed missing on DR (source HEAD 200, DR HEAD 404). */
  MISSING_ON_DR: 'ReconcileMissingOnDr',
  /** Their bytes, from the source HEAD. */
  MISSING_ON_DR_BYTES: 'ReconcileMissingOnDrBytes',
  /** Objects confirmed different (bytes, hash, or a newer source version). */
  DIFFERENT: 'ReconcileDifferent',
  /** Objects on DR only (reported, never deleted). */
  EXTRA_ON_DR: 'ReconcileExtraOnDr',
  /** Candidates a HEAD could not settle. */
  UNCONFIRMED: 'ReconcileUnconfirmed',
  /** SEND messages enqueued as repairs. */
  REPAIRS_ENQUEUED: 'ReconcileRepairsEnqueued',
  /** Scope slices that ended in a listing error. */
  SCOPE_ERRORS: 'ReconcileScopeErrors',
  /** From the scheduled start to the end of a scope, per scope finished: the run's duration is its maximum. */
  RUN_DURATION: 'ReconcileRunDuration',
} as const;

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
  if (summary.complete) metrics.addMetric(RECONCILE_METRICS.RUN_DURATION, MetricUnit.Milliseconds, Math.max(0, now - runStartedMs));
  metrics.publishStoredMetrics();
}
