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
  /** Outcome events not put on the event bus after their retries (docs/events.md). */
  EVENTS_NOT_PUBLISHED: 'EventsNotPublished',
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
  /** Objects on DR only (reported; deleted only where the route propagates deletes). */
  EXTRA_ON_DR: 'ReconcileExtraOnDr',
  /** Candidates a HEAD could not settle. */
  UNCONFIRMED: 'ReconcileUnconfirmed',
  /** SEND messages enqueued as repairs. */
  REPAIRS_ENQUEUED: 'ReconcileRepairsEnqueued',
  /** Listed objects no request can name (a lone surrogate): reported, never HEADed or sent. */
  UNNAMEABLE: 'ReconcileUnnameable',
  /** Scope slices that ended in a listing error (and bucket fan-outs that failed). */
  SCOPE_ERRORS: 'ReconcileScopeErrors',
  /** Scopes finished with both listings ended as the protocol ends one (a run is complete when all are). */
  SCOPES_COMPLETE: 'ReconcileScopesComplete',
  /** Rows the source's listing gave in the slice. */
  SOURCE_ROWS_LISTED: 'ReconcileSourceRowsListed',
  /** Rows the DR listing gave in the slice. */
  DR_ROWS_LISTED: 'ReconcileDrRowsListed',
  /** Warnings of a finished scope (rows listed and the cluster's object count too far apart). */
  COUNT_WARNINGS: 'ReconcileCountWarnings',
  /** Extra-on-DR objects deleted with the delete proof (a route whose deletes is "propagate"). */
  EXTRA_DELETED: 'ReconcileExtraDeleted',
  /** From the scheduled start to the end of a scope, per scope finished: the run's duration is its maximum. */
  RUN_DURATION: 'ReconcileRunDuration',
} as const;
