import { PROMETHEUS_METRICS, PrometheusTelemetry } from '../../../functions/adapters/prometheus-telemetry.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { sampleOutcomeRecord } from '../../helpers/records.js';

// The worker's Prometheus telemetry in-process: what /metrics would serve (prom-client's
// exposition text), read back sample by sample.

const record = (over: Partial<OutcomeRecord> = {}) => sampleOutcomeRecord({ durationMs: 200, ...over });

/** The exposition text as `name{labels}` -> value, and the HELP and TYPE lines by metric name. */
async function scrape(t: PrometheusTelemetry) {
  const { body, contentType } = await t.exposition();
  const samples = new Map<string, number>();
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  for (const line of body.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) (meta[1] === 'HELP' ? help : type).set(meta[2]!, meta[3]!);
    else if (line.trim()) {
      const at = line.lastIndexOf(' ');
      samples.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
  }
  return { body, contentType, samples, help, type };
}

const NOW = 1_700_000_000_000;
const bare = () => new PrometheusTelemetry({ now: () => NOW, processMetrics: false });

describe('PrometheusTelemetry exposition', () => {
  it('exposes every swarm-send metric with its type and a help text, at zero before any event', async () => {
    const { samples, help, type, contentType } = await scrape(bare());
    expect(contentType).toMatch(/^text\/plain/);
    expect(Object.fromEntries(type)).toStrictEqual({
      [PROMETHEUS_METRICS.OUTCOMES]: 'counter',
      [PROMETHEUS_METRICS.SEND_DURATION]: 'histogram',
      [PROMETHEUS_METRICS.REPLICATION_LAG]: 'histogram',
      [PROMETHEUS_METRICS.SENDS_IN_FLIGHT]: 'gauge',
      [PROMETHEUS_METRICS.BATCHES]: 'counter',
      [PROMETHEUS_METRICS.BATCH_RECORDS]: 'counter',
      [PROMETHEUS_METRICS.QUEUE_CALL_ERRORS]: 'counter',
      [PROMETHEUS_METRICS.VISIBILITY_EXTENSIONS]: 'counter',
      [PROMETHEUS_METRICS.WARNINGS]: 'counter',
      [PROMETHEUS_METRICS.READY]: 'gauge',
      [PROMETHEUS_METRICS.QUEUE_MESSAGES]: 'gauge',
      [PROMETHEUS_METRICS.EVENTS_NOT_PUBLISHED]: 'counter',
    });
    expect(help.get(PROMETHEUS_METRICS.OUTCOMES)).toMatch(/outcome and reason/);
    expect(help.get(PROMETHEUS_METRICS.SEND_DURATION)).toMatch(/one SEND/);
    expect(help.get(PROMETHEUS_METRICS.REPLICATION_LAG)).toMatch(/entering the queue/);
    expect(help.get(PROMETHEUS_METRICS.SENDS_IN_FLIGHT)).toBe('SENDs in progress');
    expect(help.get(PROMETHEUS_METRICS.BATCHES)).toMatch(/by result/);
    expect(help.get(PROMETHEUS_METRICS.BATCH_RECORDS)).toMatch(/Messages received/);
    expect(help.get(PROMETHEUS_METRICS.QUEUE_CALL_ERRORS)).toMatch(/by operation and error code/);
    expect(help.get(PROMETHEUS_METRICS.VISIBILITY_EXTENSIONS)).toMatch(/Visibility extensions/);
    expect(help.get(PROMETHEUS_METRICS.WARNINGS)).toMatch(/Warnings/);
    expect(help.get(PROMETHEUS_METRICS.READY)).toMatch(/1 passed, 0 failed/);
    expect(help.get(PROMETHEUS_METRICS.QUEUE_MESSAGES)).toMatch(/dead-letter queue/);
    expect(help.get(PROMETHEUS_METRICS.EVENTS_NOT_PUBLISHED)).toMatch(/event bus/);
    // Unlabelled metrics show a 0 sample at once, so a rate() has a starting point.
    for (const name of [
      PROMETHEUS_METRICS.SENDS_IN_FLIGHT,
      PROMETHEUS_METRICS.BATCH_RECORDS,
      PROMETHEUS_METRICS.VISIBILITY_EXTENSIONS,
      PROMETHEUS_METRICS.WARNINGS,
      PROMETHEUS_METRICS.EVENTS_NOT_PUBLISHED,
      `${PROMETHEUS_METRICS.SEND_DURATION}_count`,
      `${PROMETHEUS_METRICS.REPLICATION_LAG}_count`,
    ])
      expect(samples.get(name)).toBe(0);
  });

  it('sets readiness by check and queue depth by queue and state', async () => {
    const t = bare();
    t.ready('queue', true);
    t.ready('credentials', false);
    t.queueMessages('dlq', { visible: 3, inFlight: 1, delayed: 0 });
    const { samples } = await scrape(t);
    expect(samples.get(`${PROMETHEUS_METRICS.READY}{check="queue"}`)).toBe(1);
    expect(samples.get(`${PROMETHEUS_METRICS.READY}{check="credentials"}`)).toBe(0);
    expect(samples.get(`${PROMETHEUS_METRICS.QUEUE_MESSAGES}{queue="dlq",state="visible"}`)).toBe(3);
    expect(samples.get(`${PROMETHEUS_METRICS.QUEUE_MESSAGES}{queue="dlq",state="in_flight"}`)).toBe(1);
    expect(samples.get(`${PROMETHEUS_METRICS.QUEUE_MESSAGES}{queue="dlq",state="delayed"}`)).toBe(0);
  });

  it('counts outcomes by outcome and reason', async () => {
    const t = bare();
    t.outcome(record(), null);
    t.outcome(record(), null);
    t.outcome(record({ outcome: 'failed', reason: 'forbidden' }), null);
    const { samples } = await scrape(t);
    expect(samples.get(`${PROMETHEUS_METRICS.OUTCOMES}{outcome="replicated",reason="created"}`)).toBe(2);
    expect(samples.get(`${PROMETHEUS_METRICS.OUTCOMES}{outcome="failed",reason="forbidden"}`)).toBe(1);
    expect(samples.has(PROMETHEUS_METRICS.OUTCOMES)).toBe(false);
  });

  it('observes the SEND duration in seconds, in its buckets, only for outcomes that reached a node', async () => {
    const t = bare();
    t.outcome(record({ durationMs: 200 }), null);
    t.outcome(record({ durationMs: 3000 }), null);
    t.outcome(record({ outcome: 'failed', reason: 'invalid-message', node: null, durationMs: 50_000 }), null);
    const { samples } = await scrape(t);
    const d = PROMETHEUS_METRICS.SEND_DURATION;
    expect(samples.get(`${d}_count`)).toBe(2);
    expect(samples.get(`${d}_sum`)).toBeCloseTo(3.2);
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
    expect([...samples.keys()].filter((k) => k.startsWith(`${d}_bucket`))).toStrictEqual([
      ...buckets.map((b) => `${d}_bucket{le="${b}"}`),
      `${d}_bucket{le="+Inf"}`,
    ]);
    expect(samples.get(`${d}_bucket{le="0.1"}`)).toBe(0);
    expect(samples.get(`${d}_bucket{le="0.25"}`)).toBe(1);
    expect(samples.get(`${d}_bucket{le="2.5"}`)).toBe(1);
    expect(samples.get(`${d}_bucket{le="5"}`)).toBe(2);
  });

  it('observes the replication lag in seconds for successes with a sent time, never below zero', async () => {
    const t = bare();
    t.outcome(record(), NOW - 1500);
    t.outcome(record({ outcome: 'already-present', reason: 'already-present' }), NOW - 40_000);
    t.outcome(record(), NOW + 5000); // a clock ahead of ours: counted as no lag
    t.outcome(record(), null);
    t.outcome(record({ outcome: 'retry', reason: 'remote-unavailable' }), NOW - 1000);
    t.outcome(record({ outcome: 'failed', reason: 'forbidden' }), NOW - 1000);
    const { samples } = await scrape(t);
    const l = PROMETHEUS_METRICS.REPLICATION_LAG;
    expect(samples.get(`${l}_count`)).toBe(3);
    expect(samples.get(`${l}_sum`)).toBeCloseTo(41.5);
    const buckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 21600, 86400];
    expect([...samples.keys()].filter((k) => k.startsWith(`${l}_bucket`))).toStrictEqual([
      ...buckets.map((b) => `${l}_bucket{le="${b}"}`),
      `${l}_bucket{le="+Inf"}`,
    ]);
    expect(samples.get(`${l}_bucket{le="0.1"}`)).toBe(1);
    expect(samples.get(`${l}_bucket{le="1"}`)).toBe(1);
    expect(samples.get(`${l}_bucket{le="2.5"}`)).toBe(2);
    expect(samples.get(`${l}_bucket{le="30"}`)).toBe(2);
    expect(samples.get(`${l}_bucket{le="60"}`)).toBe(3);
  });

  it('counts warnings, SENDs in flight, batches by result, records, queue-call errors and visibility extensions', async () => {
    const t = bare();
    t.warn();
    t.warn();
    t.sendStarted();
    t.sendStarted();
    t.sendStarted();
    t.sendEnded();
    t.batch(7, false);
    t.batch(3, true);
    t.batch(2, false);
    t.queueError('ChangeMessageVisibilityBatch', 'ReceiptHandleIsInvalid');
    t.queueError('SendMessageBatch', 'InternalError', 4);
    t.visibilityExtended(5);
    t.visibilityExtended(1);
    t.eventsNotPublished(3);
    t.flush();
    const { samples } = await scrape(t);
    const m = PROMETHEUS_METRICS;
    expect(samples.get(m.WARNINGS)).toBe(2);
    expect(samples.get(m.EVENTS_NOT_PUBLISHED)).toBe(3);
    expect(samples.get(m.SENDS_IN_FLIGHT)).toBe(2);
    expect(samples.get(`${m.BATCHES}{result="ok"}`)).toBe(2);
    expect(samples.get(`${m.BATCHES}{result="error"}`)).toBe(1);
    expect(samples.get(m.BATCH_RECORDS)).toBe(12);
    expect(
      samples.get(`${m.QUEUE_CALL_ERRORS}{operation="ChangeMessageVisibilityBatch",code="ReceiptHandleIsInvalid"}`),
    ).toBe(1);
    expect(samples.get(`${m.QUEUE_CALL_ERRORS}{operation="SendMessageBatch",code="InternalError"}`)).toBe(4);
    expect(samples.get(m.VISIBILITY_EXTENSIONS)).toBe(6);
  });
});

describe('PrometheusTelemetry process metrics', () => {
  it("adds Node's process metrics to its own registry by default, without the counter-named gauges", async () => {
    const { samples, type } = await scrape(new PrometheusTelemetry());
    expect(type.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(type.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    // The per-type twins stay; the totals named like counters (but gauges) are gone.
    expect(type.get('nodejs_active_handles')).toBe('gauge');
    expect(type.get('nodejs_active_requests')).toBe('gauge');
    expect(type.get('nodejs_active_resources')).toBe('gauge');
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
      expect(type.has(name)).toBe(false);
    // promtool's rule: a metric whose name ends in _total is a counter.
    for (const [name, kind] of type) if (name.endsWith('_total')) expect([name, kind]).toStrictEqual([name, 'counter']);
    expect(type.get(PROMETHEUS_METRICS.OUTCOMES)).toBe('counter');
  });

  it('leaves process metrics out when asked to', async () => {
    const { type } = await scrape(bare());
    expect([...type.keys()].filter((n) => !n.startsWith('swarm_send_'))).toStrictEqual([]);
  });
});
