import { ListingError, type ListingEnd } from '../core/listing/listing.js';
import { mergeJoinPages } from '../core/listing/reconcile-diff.js';
import { pagesOf, SideFailure, type Side, type SideTally } from './side-pages.js';
import type { ListingPort, ObjectScope } from './scope-types.js';
import { SwarmSendError } from '../core/errors.js';

/**
 * Most buckets one domain's discovery yields: a bucket listing that goes on past this is an
 * error (`too-many-buckets`), not a walk that never ends. Swarm documents no maximum; this is a
 * named choice (docs/reconcile.md): it bounds the summary the CLI keeps (one entry per scope)
 * and the continuations one fan-out slice enqueues.
 */
export const MAX_BUCKETS_PER_DOMAIN = 10_000;

/** A bucket's named objects: the scope discovery yields. */
export interface BucketScope {
  readonly kind: 'named';
  readonly domain: string;
  readonly bucket: string;
}

/** A bucket discovery that failed: which side, and why. */
export class DiscoveryError extends SwarmSendError {
  /** The listing's code, or `internal` for any other failure. */
  constructor(
    readonly side: Side | null,
    readonly failure: ListingError | Error,
  ) {
    super(failure instanceof ListingError ? failure.code : 'internal', failure.message);
    this.name = 'DiscoveryError';
  }

  get transient(): boolean {
    return this.failure instanceof ListingError && this.failure.transient;
  }
}

/**
 * The buckets of a domain that either cluster lists, streamed in name order: a merge-join of both
 * clusters' bucket listings, one page of each in memory, never the whole list. A domain the DR
 * cluster does not have adds no DR buckets. A bucket name longer than Swarm allows, or one that
 * is not valid UTF-8, is an error of the listing (see `MAX_BUCKET_NAME_LENGTH`); more than `max`
 * buckets is `too-many-buckets`. Throws {@link DiscoveryError}; returns how each listing ended.
 */
export async function* bucketScopes(
  domain: string,
  source: ListingPort,
  dr: ListingPort,
  signal?: AbortSignal,
  max = MAX_BUCKETS_PER_DOMAIN,
): AsyncGenerator<BucketScope, Record<Side, ListingEnd | null>> {
  const tally: SideTally = {
    pages: { source: 0, dr: 0 },
    ended: { source: null, dr: null },
    drScopeMissing: false,
  };
  const scope = { kind: 'buckets', domain } as const;
  let count = 0;
  try {
    for await (const run of mergeJoinPages(
      pagesOf(source.pages(scope, null, signal), 'source', tally),
      pagesOf(dr.pages(scope, null, signal), 'dr', tally),
    )) {
      for (const row of run) {
        if (++count > max)
          throw new DiscoveryError(
            row.source ? 'source' : 'dr',
            new ListingError('too-many-buckets', `the bucket listing of ${domain} goes on past ${max} buckets`),
          );
        yield { kind: 'named', domain, bucket: row.key };
      }
    }
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    if (err instanceof SideFailure) throw new DiscoveryError(err.side, err.err as Error);
    throw new DiscoveryError(null, err instanceof Error ? err : new Error(String(err)));
  }
  for (const side of ['source', 'dr'] as const)
    if (tally.ended[side] === null)
      throw new DiscoveryError(
        side,
        new Error(`the ${side} bucket listing of ${domain} did not end as a listing ends`),
      );
  return tally.ended;
}

/** What to reconcile. */
export interface ScopeSpec {
  /** Domains to walk (named objects bucket by bucket). */
  readonly domains: readonly string[];
  /** Only these buckets (in every domain); empty = every bucket either cluster lists. */
  readonly buckets: readonly string[];
  /** Also the unnamed objects tenanted in each domain. */
  readonly unnamed: boolean;
  /** Also the untenanted unnamed objects (`domain=` empty). */
  readonly untenanted: boolean;
}

/** A domain whose buckets could not be discovered: reported in the run's summary, never thrown. */
export interface DiscoveryFailure {
  readonly kind: 'discovery-failed';
  readonly domain: string;
  readonly side: 'source' | 'dr' | null;
  readonly code: string;
  readonly message: string;
  readonly transient: boolean;
}

/**
 * The scopes of a spec, streamed: for each domain the buckets either cluster lists (or the given
 * ones), then its unnamed objects. Buckets come as both clusters' bucket listings are read (one
 * page of each in memory); a domain whose discovery fails yields a {@link DiscoveryFailure} and
 * the next domain goes on.
 */
export async function* expandScopes(
  spec: ScopeSpec,
  source: ListingPort,
  dr: ListingPort,
  signal?: AbortSignal,
  maxBuckets?: number,
): AsyncGenerator<ObjectScope | DiscoveryFailure> {
  for (const domain of spec.domains) {
    if (spec.buckets.length) for (const bucket of spec.buckets) yield { kind: 'named', domain, bucket };
    else {
      try {
        yield* bucketScopes(domain, source, dr, signal, maxBuckets);
      } catch (err) {
        if (!(err instanceof DiscoveryError)) throw err;
        const { side, code, message, transient } = err;
        yield { kind: 'discovery-failed', domain, side, code, message, transient };
      }
    }
    if (spec.unnamed) yield { kind: 'unnamed', domain };
  }
  if (spec.untenanted) yield { kind: 'unnamed', domain: '' };
}
