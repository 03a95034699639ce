import { MathExpression, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { RECONCILE_METRICS } from '../functions/adapters/metric-names.js';
import { HandlerMetrics } from './handler-metrics.js';

/** Names of the reconcile function's EMF metrics (from its telemetry adapter). */
export const RECONCILE_METRIC_NAMES = RECONCILE_METRICS;

/**
 * Metric factory for the reconcile function's EMF output (same namespace and `service`
 * dimension as the SEND handler's), shared by the divergence alarm and the dashboard.
 */
export class ReconcileMetrics extends HandlerMetrics {
  /** Keys compared, summed per period. */
  objectsScanned(): Metric {
    return this.metric(RECONCILE_METRICS.OBJECTS_SCANNED, 'Sum', 'objects scanned');
  }

  /** Objects confirmed missing on DR, summed per period. */
  missingOnDr(): Metric {
    return this.metric(RECONCILE_METRICS.MISSING_ON_DR, 'Sum', 'missing on DR');
  }

  /** Bytes of the objects confirmed missing on DR, summed per period. */
  missingOnDrBytes(): Metric {
    return this.metric(RECONCILE_METRICS.MISSING_ON_DR_BYTES, 'Sum', 'missing on DR (bytes)');
  }

  /** Objects confirmed different, summed per period. */
  different(): Metric {
    return this.metric(RECONCILE_METRICS.DIFFERENT, 'Sum', 'different');
  }

  /** Objects on DR only, summed per period. */
  extraOnDr(): Metric {
    return this.metric(RECONCILE_METRICS.EXTRA_ON_DR, 'Sum', 'extra on DR');
  }

  /** Candidates no HEAD could settle, summed per period. */
  unconfirmed(): Metric {
    return this.metric(RECONCILE_METRICS.UNCONFIRMED, 'Sum', 'unconfirmed');
  }

  /** Repairs enqueued as SEND messages, summed per period. */
  repairsEnqueued(): Metric {
    return this.metric(RECONCILE_METRICS.REPAIRS_ENQUEUED, 'Sum', 'repairs enqueued');
  }

  /** Extra-on-DR objects the run deleted with the delete proof (a route that propagates deletes). */
  extraDeleted(): Metric {
    return this.metric(RECONCILE_METRICS.EXTRA_DELETED, 'Sum', 'extra on DR deleted');
  }

  /** Scope slices that ended in a listing error, summed per period. */
  scopeErrors(): Metric {
    return this.metric(RECONCILE_METRICS.SCOPE_ERRORS, 'Sum', 'scope errors');
  }

  /** Listed objects no request can name (reported, never HEADed or sent), summed per period. */
  unnameable(): Metric {
    return this.metric(RECONCILE_METRICS.UNNAMEABLE, 'Sum', 'unnameable');
  }

  /**
   * Scopes finished with both listings ended as the protocol ends one, summed per period: a run
   * is complete when this reaches its number of scopes with no scope error.
   */
  scopesComplete(): Metric {
    return this.metric(RECONCILE_METRICS.SCOPES_COMPLETE, 'Sum', 'scopes complete');
  }

  /** Rows the source's listing gave, summed per period. */
  sourceRowsListed(): Metric {
    return this.metric(RECONCILE_METRICS.SOURCE_ROWS_LISTED, 'Sum', 'source rows listed');
  }

  /** Rows the DR listing gave, summed per period. */
  drRowsListed(): Metric {
    return this.metric(RECONCILE_METRICS.DR_ROWS_LISTED, 'Sum', 'DR rows listed');
  }

  /** Finished scopes whose rows listed and object count were too far apart, summed per period. */
  countWarnings(): Metric {
    return this.metric(RECONCILE_METRICS.COUNT_WARNINGS, 'Sum', 'count warnings');
  }

  /** Time from the scheduled start to the last scope's end (Maximum per period). */
  runDuration(): Metric {
    return this.metric(RECONCILE_METRICS.RUN_DURATION, 'Maximum', 'run duration (ms)');
  }

  /** Objects confirmed missing or different in a period (0 when the run found none). */
  divergence(): MathExpression {
    return new MathExpression({
      expression: 'FILL(missing, 0) + FILL(different, 0)',
      usingMetrics: { missing: this.missingOnDr(), different: this.different() },
      period: this.period,
      label: 'missing or different',
    });
  }
}
