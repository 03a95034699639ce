/**
 * Lifepoints as the simulator reads them: each `Lifepoint` header is `[<end date>] <constraint>,
 * <constraint>...`, where the end date is an HTTP date or empty (`[]`: never ends), e.g.
 * `[Wed, 12 Dec 2040 15:59:02 GMT] reps=3, deletable=no` then `[] delete`. The lifepoint in
 * force is the one with the earliest end date still in the future (an empty date last);
 * Swarm refuses a DELETE with 403 while that lifepoint says `deletable=no` (object locks are
 * this lifepoint too). Constraints other than `deletable` are kept and echoed, never enforced.
 */

interface Lifepoint {
  /** Epoch ms the lifepoint ends at; Infinity for `[]`. */
  readonly end: number;
  readonly constraints: readonly string[];
}

const LIFEPOINT = /^\s*\[([^\]]*)\]\s*(.*)$/;

/** Parses one `Lifepoint` header value; null when it is not `[date] constraints`. */
export function parseLifepoint(value: string): Lifepoint | null {
  const m = LIFEPOINT.exec(value);
  if (!m) return null;
  const date = m[1]!.trim();
  const end = date === '' ? Infinity : Date.parse(date);
  if (Number.isNaN(end)) return null;
  const constraints = m[2]!
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  return { end, constraints };
}

/** The lifepoint in force at `now` among `values` (Lifepoint headers), or null (none: deletable). */
function lifepointAt(values: readonly string[], now: number): Lifepoint | null {
  const live = values
    .map(parseLifepoint)
    .filter((l): l is Lifepoint => l !== null && l.end > now)
    .sort((a, b) => a.end - b.end);
  return live[0] ?? null;
}

/** Whether an object with these `Lifepoint` headers may be deleted at `now` (ms). */
export function deletableAt(values: readonly string[], now: number): boolean {
  return !(lifepointAt(values, now)?.constraints.includes('deletable=no') ?? false);
}
