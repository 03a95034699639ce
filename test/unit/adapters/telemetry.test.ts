import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createPowertoolsTelemetry } from '../../../functions/adapters/telemetry.js';
import { METRICS } from '../../../functions/adapters/metric-names.js';
import { captureOutput } from '../../helpers/pipeline.js';
import { sampleOutcomeRecord } from '../../helpers/records.js';

// The Powertools telemetry with a real Logger and real Metrics, read back from what they print.

/** Metrics that count the single-metric emitters built from them. */
class CountingMetrics extends Metrics {
  singleMetrics = 0;
  override singleMetric(): Metrics {
    this.singleMetrics += 1;
    return super.singleMetric();
  }
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('Powertools telemetry', () => {
  it('logs a failed outcome as a warning and the others as information', async () => {
    const t = createPowertoolsTelemetry(new Logger({ serviceName: 'swarm-send', logLevel: 'INFO' }), null);
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden', messageId: 'f' }), null);
      t.outcome(sampleOutcomeRecord({ messageId: 'r' }), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'retry', reason: 'remote-unavailable', messageId: 't' }), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'already-present', reason: 'already-present', messageId: 'a' }), null);
    });
    expect(jsonLines(output).map((l) => [l.messageId, l.level, l.message])).toStrictEqual([
      ['f', 'WARN', 'failed: forbidden'],
      ['r', 'INFO', 'replicated: created'],
      ['t', 'INFO', 'retry: remote-unavailable'],
      ['a', 'INFO', 'already-present: already-present'],
    ]);
    // Empty fields (null here) are left out of the line.
    expect(jsonLines(output)[0]).toMatchObject({ outcome: 'failed', remoteStatus: 201, node: '127.0.0.1:1' });
    for (const empty of ['detail', 'correlationId']) expect(jsonLines(output)[0]).not.toHaveProperty(empty);
  });

  it('writes one EMF line per outcome and reason at each flush, from one emitter per pair built once', async () => {
    const metrics = new CountingMetrics({ namespace: 'SwarmSend', serviceName: 'swarm-send' });
    const t = createPowertoolsTelemetry(new Logger({ logLevel: 'SILENT' }), metrics);
    const { output } = await captureOutput(async () => {
      t.outcome(sampleOutcomeRecord(), null);
      t.outcome(sampleOutcomeRecord(), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden' }), null);
      t.flush();
      t.outcome(sampleOutcomeRecord(), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden' }), null);
      t.outcome(sampleOutcomeRecord({ outcome: 'failed', reason: 'forbidden' }), null);
      t.flush();
    });
    const byReason = jsonLines(output)
      .filter((l) => METRICS.OUTCOME_BY_REASON in l)
      .map((l) => [l.outcome, l.reason, l[METRICS.OUTCOME_BY_REASON]]);
    expect(byReason).toStrictEqual([
      ['replicated', 'created', 2],
      ['failed', 'forbidden', 1],
      ['replicated', 'created', 1],
      ['failed', 'forbidden', 2],
    ]);
    expect(metrics.singleMetrics).toBe(2);
  });
});
