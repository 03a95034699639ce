import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS } from '../functions/adapters/metric-names.js';
import { OUTCOME, type OutcomeKind } from '../functions/core/outcome/outcome.js';
import { DEFAULT_ALARM_PERIOD, DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './defaults.js';

/** Outcomes the handler records (DESIGN.md section 3), in display order. */
export const OUTCOMES: readonly OutcomeKind[] = [
  OUTCOME.REPLICATED,
  OUTCOME.ALREADY_PRESENT,
  OUTCOME.RETRY,
  OUTCOME.FAILED,
];

/** Names of the EMF metrics the handler emits (from functions/adapters/metric-names.ts, which loads nothing). */
export const HANDLER_METRIC_NAMES = {
  outcome: (outcome: OutcomeKind) => `${METRICS.OUTCOME_PREFIX}${outcome}`,
  outcomesByReason: METRICS.OUTCOME_BY_REASON,
  sendLatency: METRICS.SEND_LATENCY,
  replicationLag: METRICS.REPLICATION_LAG,
  messagesProcessed: METRICS.MESSAGES_PROCESSED,
} as const;

/** Powertools adds the service name as this default dimension on every metric. */
export const SERVICE_DIMENSION = 'service';

export interface HandlerMetricsProps {
  /**
   * CloudWatch namespace (`POWERTOOLS_METRICS_NAMESPACE`).
   * @default DEFAULT_METRICS_NAMESPACE ('SwarmSend')
   */
  readonly namespace?: string;
  /**
   * Service name (`POWERTOOLS_SERVICE_NAME`), the `service` dimension.
   * @default DEFAULT_SERVICE_NAME ('swarm-send')
   */
  readonly serviceName?: string;
  /**
   * Aggregation period.
   * @default DEFAULT_ALARM_PERIOD (5 minutes)
   */
  readonly period?: Duration;
}

/**
 * Metric factory for the handler's EMF output: what to measure, shared by the alarms (when to
 * page) and the dashboard (how to show it).
 */
export class HandlerMetrics {
  readonly namespace: string;
  readonly serviceName: string;
  readonly period: Duration;

  constructor(props: HandlerMetricsProps = {}) {
    this.namespace = props.namespace ?? DEFAULT_METRICS_NAMESPACE;
    this.serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    this.period = props.period ?? DEFAULT_ALARM_PERIOD;
  }

  // No `unit`: on an alarm it filters datapoints by unit, and a unit mismatch with the handler's
  // EMF output would silently leave the alarm without data.
  protected metric(metricName: string, statistic: string, label: string): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { [SERVICE_DIMENSION]: this.serviceName },
      statistic,
      period: this.period,
      label,
    });
  }

  /** Messages that ended with `outcome`, summed per period. */
  outcome(outcome: OutcomeKind): Metric {
    return this.metric(HANDLER_METRIC_NAMES.outcome(outcome), 'Sum', outcome);
  }

  /** Messages processed (any outcome), summed per period. */
  messagesProcessed(): Metric {
    return this.metric(HANDLER_METRIC_NAMES.messagesProcessed, 'Sum', 'processed');
  }

  /** Time from the message's SentTimestamp to its outcome. */
  replicationLag(statistic = 'p90'): Metric {
    return this.metric(HANDLER_METRIC_NAMES.replicationLag, statistic, `replication lag ${statistic}`);
  }

  /** Duration of one SEND. */
  sendLatency(statistic = 'p90'): Metric {
    return this.metric(HANDLER_METRIC_NAMES.sendLatency, statistic, `SEND latency ${statistic}`);
  }

  /**
   * Messages per outcome and reason code (one series each), found with a SEARCH expression:
   * for dashboards only (alarms cannot use SEARCH).
   * @param outcome only this outcome's reasons
   */
  outcomesByReason(outcome: OutcomeKind): MathExpression {
    const namespace = this.namespace.replace(/"/g, '');
    const service = this.serviceName.replace(/"/g, '');
    return new MathExpression({
      expression: `SEARCH('{"${namespace}",outcome,reason,${SERVICE_DIMENSION}} MetricName="${HANDLER_METRIC_NAMES.outcomesByReason}" outcome="${outcome}" ${SERVICE_DIMENSION}="${service}"', 'Sum', ${this.period.toSeconds()})`,
      usingMetrics: {},
      period: this.period,
      // A dynamic label: each series is named by its reason code.
      label: "${PROP('Dim.reason')}",
    });
  }

  /**
   * Percent of processed messages that ended `failed`. Periods without a failure count as 0
   * (`FILL`); periods without traffic yield no value.
   */
  failureRate(): MathExpression {
    return new MathExpression({
      expression: 'IF(processed > 0, 100 * FILL(failed, 0) / processed, 0)',
      usingMetrics: { failed: this.outcome('failed'), processed: this.messagesProcessed() },
      period: this.period,
      label: 'failure rate (%)',
    });
  }
}
