/**
 * Metric names the handlers write and the construct's alarms and dashboard read (infra/ imports
 * them). A module of its own, with no imports, so the construct does not load Powertools.
 */
export const METRICS = {
  OUTCOME_PREFIX: 'Outcome_',
  OUTCOME_BY_REASON: 'OutcomesByReason',
  SEND_LATENCY: 'SendLatency',
  REPLICATION_LAG: 'ReplicationLag',
  MESSAGES_PROCESSED: 'MessagesProcessed',
} as const;

/** Metric names of the reconcile function (functions/adapters/reconcile-telemetry.ts writes them). */
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
