/** What the reconcile benchmark's processes agree on: the bucket, the object names, the seed request. */

export const BENCH_DOMAIN = 'bench.example.com';
export const BENCH_BUCKET = 'objects';

/** The i-th object's name: fixed width, so name order is index order. */
export function benchName(i: number): string {
  return `object-${String(i).padStart(8, '0')}.bin`;
}

export interface SeedRequest {
  readonly type: 'seed';
  readonly count: number;
  /** Every n-th object is not copied to DR (0: none). */
  readonly missingEvery: number;
}
