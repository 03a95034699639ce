import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createPowertoolsTelemetry } from '../../../functions/adapters/telemetry.js';
import { METRICS } from '../../../functions/adapters/metric-names.js';
import { captureOutput } from '../../helpers/pipeline.js';
import { sampleOutcomeRecord } from '../../helpers/records.js';

// The metrics the Powertools telemetry sums per invocation and writes at flush, read back from the
// EMF lines real Powertools Metrics print.

type Line = Record<string, unknown>;

const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

/** The EMF line of the summed metrics: the one without the per-reason dimensions. */
function summedLine(output: string): Line {
  const lines = jsonLines(output).filter((l) => !(METRICS.OUTCOME_BY_REASON in l));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Telemetry over real Powertools, silent logs, the clock fixed at `nowMs`. */
function telemetry(nowMs = 10_000) {
  const metrics = new Metrics({ namespace: 'SwarmSend', serviceName: 'swarm-send' });
  return createPowertoolsTelemetry(new Logger({ logLevel: 'SILENT' }), metrics, () => nowMs);
}

describe('Powertools telemetry metrics', () => {
  it('counts each outcome and every message processed, summed over the invocation', async () => {
    const t = telemetry();
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord({ messageId: 'a' }), null);
      t.outcome(sampleOutcomeRecord({ messageId: 'b' }), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden', messageId: 'c' }), null);
      t.flush();
    });
    const line = summedLine(output);
    expect(line[`${METRICS.OUTCOME_PREFIX}replicated`]).toBe(2);
    expect(line[`${METRICS.OUTCOME_PREFIX}failed`]).toBe(1);
    expect(line[METRICS.MESSAGES_PROCESSED]).toBe(3);
  });

  it('sums the outcome events not put on the bus into EventsNotPublished, written only when some were', async () => {
    const t = telemetry();
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord(), null);
      t.eventsNotPublished!(2);
      t.eventsNotPublished!(3);
      t.flush();
      t.outcome(sampleOutcomeRecord(), null);
      t.flush();
    });
    const lines = jsonLines(output).filter((l) => !(METRICS.OUTCOME_BY_REASON in l));
    expect(lines.map((l) => l[METRICS.EVENTS_NOT_PUBLISHED])).toStrictEqual([5, undefined]);
  });

  it('records a SEND latency only for the SENDs that reached a node', async () => {
    const t = telemetry();
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord({ node: '127.0.0.1:1', durationMs: 12 }), null);
      t.outcome(
        sampleOutcomeRecord({ outcome: 'failed', reason: 'invalid-message', node: null, durationMs: 77 }),
        null,
      );
      t.outcome(sampleOutcomeRecord({ node: '127.0.0.1:2', durationMs: 34 }), null);
      t.flush();
    });
    expect(summedLine(output)[METRICS.SEND_LATENCY]).toStrictEqual([12, 34]);
  });

  it('measures replication lag of successes as now minus the time SQS took the message, never below 0', async () => {
    const t = telemetry(10_000);
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord({ messageId: 'late' }), 7_500);
      // A sender clock ahead of ours: the lag is 0, not negative.
      t.outcome(sampleOutcomeRecord({ messageId: 'skewed' }), 12_000);
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden', messageId: 'failed' }), 1_000);
      t.outcome(sampleOutcomeRecord({ messageId: 'no-timestamp' }), null);
      t.flush();
    });
    expect(summedLine(output)[METRICS.REPLICATION_LAG]).toStrictEqual([2_500, 0]);
  });

  it('writes nothing at a flush with no outcome since the last one: no EMF line, no empty-metrics warning', async () => {
    const t = telemetry();
    const { output: first } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord(), null);
      t.flush();
    });
    expect(summedLine(first)[METRICS.MESSAGES_PROCESSED]).toBe(1);
    const { output } = await captureOutput(async () => {
      t.flush();
    });
    expect(output).toBe('');
  });

  it('without metrics (logs only) measures nothing: the clock is never read', async () => {
    let clockReads = 0;
    const t = createPowertoolsTelemetry(new Logger({ logLevel: 'SILENT' }), null, () => {
      clockReads += 1;
      return 10_000;
    });
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord(), 7_500);
      t.flush();
    });
    expect(clockReads).toBe(0);
    expect(output).toBe('');
  });
});
