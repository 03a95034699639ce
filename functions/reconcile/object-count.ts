import type { Side, SideTally } from './side-pages.js';
import {
  COUNT_LAG_FRACTION,
  COUNT_LAG_OBJECTS,
  type ReconcileScopeOptions,
  type ScopeSummary,
  type SideListing,
} from './scope-types.js';

/** The difference between rows listed and a cluster's object count that the index lag explains. */
export function countAllowance(count: number): number {
  return Math.max(COUNT_LAG_OBJECTS, Math.ceil(count * COUNT_LAG_FRACTION));
}

const NUM = new Intl.NumberFormat('en-US');

/** Asks one side's cluster for its object count of the bucket; a failure is a warning, never a count. */
async function countOf(
  side: Side,
  o: Pick<ReconcileScopeOptions, 'scope' | 'source' | 'dr' | 'signal'>,
  warnings: string[],
): Promise<number | null> {
  const port = side === 'source' ? o.source : o.dr;
  if (o.scope.kind !== 'named' || !port.objectCount) return null;
  try {
    return await port.objectCount({ domain: o.scope.domain, bucket: o.scope.bucket }, o.signal);
  } catch (err) {
    warnings.push(`${side}: the object count could not be read (${err instanceof Error ? err.message : String(err)})`);
    return null;
  }
}

/**
 * What each side's listing showed, and the warnings an operator should read: once both listings
 * ended (a complete scope), each cluster's own count of the bucket (`Castor-Object-Count`) is set
 * beside the rows it listed, and a difference beyond {@link countAllowance} is a warning.
 */
export async function countWarnings(
  tally: SideTally & { readonly seen: Record<Side, number> },
  o: Pick<ReconcileScopeOptions, 'scope' | 'source' | 'dr' | 'signal'>,
  complete: boolean,
): Promise<Pick<ScopeSummary, 'listing' | 'warnings'>> {
  const warnings: string[] = [];
  const sideOf = async (side: Side): Promise<SideListing> => {
    const counted = complete && tally.ended[side] !== 'not-found' ? await countOf(side, o, warnings) : null;
    const rows = tally.seen[side];
    if (counted !== null && Math.abs(counted - rows) > countAllowance(counted))
      warnings.push(
        `${side}: the listing gave ${NUM.format(rows)} rows but the cluster counts ${NUM.format(counted)} objects (Castor-Object-Count), more apart than the index lag explains (${NUM.format(countAllowance(counted))})`,
      );
    return { rows, pages: tally.pages[side], ended: tally.ended[side], objectCount: counted };
  };
  const source = await sideOf('source');
  const dr = await sideOf('dr');
  return { listing: { source, dr }, warnings };
}
