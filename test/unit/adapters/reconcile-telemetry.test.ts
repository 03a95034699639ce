import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  emitReconcileFailure,
  emitReconcileMetrics,
  RECONCILE_METRICS,
} from '../../../functions/adapters/reconcile-telemetry.js';
import type { ScopeSummary } from '../../../functions/reconcile/scope-types.js';
import { captureOutput } from '../../helpers/pipeline.js';

// The reconcile function's EMF line for one slice, printed by real Powertools Metrics.

const summary = (over: Partial<ScopeSummary> = {}): ScopeSummary => ({
  scope: { kind: 'named', domain: 'example.com', bucket: 'b' },
  compared: 100,
  pages: { source: 2, dr: 2 },
  heads: 9,
  counts: {
    'in-sync': 80,
    'missing-on-dr': 3,
    different: 4,
    'extra-on-dr': 5,
    unconfirmed: 6,
    'too-new': 2,
    'gone-from-source': 1,
    unnameable: 7,
  },
  marker: null,
  listed: { source: 95, dr: 93 },
  complete: true,
  listing: {
    source: { rows: 95, pages: 2, ended: 'empty-page', objectCount: 95 },
    dr: { rows: 93, pages: 2, ended: 'empty-page', objectCount: 93 },
  },
  warnings: [],
  stopped: null,
  error: null,
  bytesMissing: 4096,
  repairs: { sent: 0, enqueued: 3, 'not-repaired': 0, failed: 0, deleted: 0 },
  drScopeMissing: false,
  durationMs: 10,
  ...over,
});

/** The EMF documents printed while `emit` runs. */
async function emf(emit: (metrics: Metrics) => void): Promise<Record<string, unknown>[]> {
  const metrics = new Metrics({ namespace: 'SwarmSend', serviceName: 'swarm-send-reconcile' });
  const { output } = await captureOutput(async () => emit(metrics));
  return output
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((d) => '_aws' in d);
}

const START = 1_700_000_000_000;

describe('reconcile EMF metrics', () => {
  it('writes every count of a finished slice in one line, and the time since the run began', async () => {
    const lines = await emf((m) => emitReconcileMetrics(m, summary(), START, START + 5000));
    expect(lines).toHaveLength(1);
    const values = Object.fromEntries(Object.values(RECONCILE_METRICS).map((name) => [name, lines[0]![name]]));
    expect(values).toStrictEqual({
      [RECONCILE_METRICS.OBJECTS_SCANNED]: 100,
      [RECONCILE_METRICS.MISSING_ON_DR]: 3,
      [RECONCILE_METRICS.MISSING_ON_DR_BYTES]: 4096,
      [RECONCILE_METRICS.DIFFERENT]: 4,
      [RECONCILE_METRICS.EXTRA_ON_DR]: 5,
      [RECONCILE_METRICS.UNCONFIRMED]: 6,
      [RECONCILE_METRICS.REPAIRS_ENQUEUED]: 3,
      [RECONCILE_METRICS.UNNAMEABLE]: 7,
      [RECONCILE_METRICS.SCOPE_ERRORS]: 0,
      [RECONCILE_METRICS.SCOPES_COMPLETE]: 1,
      [RECONCILE_METRICS.SOURCE_ROWS_LISTED]: 95,
      [RECONCILE_METRICS.DR_ROWS_LISTED]: 93,
      [RECONCILE_METRICS.COUNT_WARNINGS]: 0,
      [RECONCILE_METRICS.EXTRA_DELETED]: 0,
      [RECONCILE_METRICS.RUN_DURATION]: 5000,
    });
  });

  it("counts a scope complete only when both listings ended, and only this slice's rows", async () => {
    const notEnded = summary({
      complete: false,
      stopped: 'error',
      listing: {
        source: { rows: 95, pages: 2, ended: 'empty-page', objectCount: null },
        dr: { rows: 40, pages: 1, ended: null, objectCount: null },
      },
      warnings: ['dr: the object count could not be read (x)'],
    });
    const [line] = await emf((m) => emitReconcileMetrics(m, notEnded, START, START + 5000, { source: 90, dr: 30 }));
    expect(line).toMatchObject({
      [RECONCILE_METRICS.SCOPES_COMPLETE]: 0,
      [RECONCILE_METRICS.SCOPE_ERRORS]: 1,
      [RECONCILE_METRICS.SOURCE_ROWS_LISTED]: 5,
      [RECONCILE_METRICS.DR_ROWS_LISTED]: 10,
      [RECONCILE_METRICS.COUNT_WARNINGS]: 1,
    });
  });

  it('a slice with no summary (a failed bucket fan-out) counts one scope error and no complete scope', async () => {
    const [line] = await emf((m) => emitReconcileFailure(m));
    expect(line).toMatchObject({ [RECONCILE_METRICS.SCOPE_ERRORS]: 1, [RECONCILE_METRICS.SCOPES_COMPLETE]: 0 });
  });

  it('counts a scope error only for a slice stopped by an error, and no duration for an unfinished slice', async () => {
    const stoppedBy = async (stopped: ScopeSummary['stopped']) =>
      (await emf((m) => emitReconcileMetrics(m, summary({ complete: false, stopped }), START, START + 5000)))[0]!;
    expect((await stoppedBy('error'))[RECONCILE_METRICS.SCOPE_ERRORS]).toBe(1);
    for (const stopped of ['budget', 'aborted'] as const) {
      const line = await stoppedBy(stopped);
      expect(line[RECONCILE_METRICS.SCOPE_ERRORS]).toBe(0);
      expect(line).not.toHaveProperty(RECONCILE_METRICS.RUN_DURATION);
    }
  });

  it('never reports a negative run duration when the clock is behind the run start', async () => {
    const [line] = await emf((m) => emitReconcileMetrics(m, summary(), START, START - 2000));
    expect(line![RECONCILE_METRICS.RUN_DURATION]).toBe(0);
  });
});
