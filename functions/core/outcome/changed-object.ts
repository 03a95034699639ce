import type { UnprovenIdentity } from '../copy/content-identity.js';
import { OUTCOME, type OutcomeKind, type Reason, type Replacement, type Versions } from './outcome.js';

/**
 * What the worker's verify (and any repair after it) found about an object that changed: a DR
 * copy of another version, a copy whose identity cannot be proven, a replacement (docs/changed-objects.md).
 * `core/outcome/decide.ts` turns it into an outcome with {@link changeVerdict}. Pure.
 */

export type ChangeFinding =
  /** Same size, different ETags, no digest on both sides; the route's choice applies. */
  | {
      readonly kind: 'unproven';
      readonly detail: string;
      readonly versions: Versions;
      readonly policy: UnprovenIdentity;
    }
  /** DR holds another version; `transient` when a repair was tried and may succeed next time. */
  | { readonly kind: 'stale'; readonly detail: string; readonly versions: Versions; readonly transient: boolean }
  /** The stale copy was replaced and content identity confirmed it. */
  | { readonly kind: 'replaced'; readonly detail: string; readonly versions: Versions; readonly replaced: Replacement }
  /** The source changed while the worker copied it. */
  | { readonly kind: 'source-changed'; readonly detail: string; readonly versions: Versions };

const UNPROVEN_OUTCOME: Readonly<Record<UnprovenIdentity, OutcomeKind>> = {
  accept: OUTCOME.REPLICATED,
  retry: OUTCOME.RETRY,
  fail: OUTCOME.FAILED,
};

/** The outcome and reason of a finding, with what the record carries. */
export function changeVerdict(f: ChangeFinding): {
  readonly outcome: OutcomeKind;
  readonly reason: Reason;
  readonly detail: string;
  readonly versions: Versions;
  readonly replaced?: Replacement;
} {
  switch (f.kind) {
    case 'unproven':
      return {
        outcome: UNPROVEN_OUTCOME[f.policy],
        reason: 'unproven-identity',
        detail: f.detail,
        versions: f.versions,
      };
    case 'stale':
      return {
        outcome: f.transient ? OUTCOME.RETRY : OUTCOME.FAILED,
        reason: 'stale-at-destination',
        detail: f.detail,
        versions: f.versions,
      };
    case 'replaced':
      return {
        outcome: OUTCOME.REPLICATED,
        reason: 'stale-replaced',
        detail: f.detail,
        versions: f.versions,
        replaced: f.replaced,
      };
    case 'source-changed':
      return { outcome: OUTCOME.RETRY, reason: 'source-changed', detail: f.detail, versions: f.versions };
  }
}
