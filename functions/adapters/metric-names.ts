/**
 * Metric names the handler writes and the construct's alarms and dashboard read (infra/ imports
 * them). A module of its own, with no imports, so the construct does not load Powertools.
 */
export const METRICS = {
  OUTCOME_PREFIX: 'Outcome_',
  OUTCOME_BY_REASON: 'OutcomesByReason',
  SEND_LATENCY: 'SendLatency',
  REPLICATION_LAG: 'ReplicationLag',
  MESSAGES_PROCESSED: 'MessagesProcessed',
} as const;
