import { RECONCILE_METRICS } from '../../../functions/adapters/metric-names.js';
import { ReconcileMetrics } from '../../../infra/reconcile-metrics.js';

// The dashboard's and alarms' view of the completeness metrics the reconcile function writes:
// same names, summed per period, on the function's service dimension.

describe('ReconcileMetrics completeness metrics', () => {
  it('reads the names the telemetry adapter writes, summed', () => {
    const m = new ReconcileMetrics({ namespace: 'SwarmSend', serviceName: 'swarm-send' });
    const read = [m.unnameable(), m.scopesComplete(), m.sourceRowsListed(), m.drRowsListed(), m.countWarnings()];
    expect(read.map((x) => [x.metricName, x.statistic, x.namespace, x.dimensions])).toStrictEqual(
      [
        RECONCILE_METRICS.UNNAMEABLE,
        RECONCILE_METRICS.SCOPES_COMPLETE,
        RECONCILE_METRICS.SOURCE_ROWS_LISTED,
        RECONCILE_METRICS.DR_ROWS_LISTED,
        RECONCILE_METRICS.COUNT_WARNINGS,
      ].map((name) => [name, 'Sum', 'SwarmSend', { service: 'swarm-send' }]),
    );
  });
});
