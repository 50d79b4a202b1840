/**
 * Running totals: some agents keep only a session's cumulative counters (Droid's `.settings.json`,
 * Goose's `sessions` row), rewritten in place. Each snapshot read becomes one increment: the part
 * of each counter above what was already counted for the session. A counter read lower than what
 * was counted (an older copy of the session, e.g. Droid's archive) adds nothing and lowers nothing:
 * the counted figures only move up, bucket by bucket.
 */

/** A session's counters, in a source's own fixed order. */
export type Counters = readonly number[]

/** The increment from `counted` to `now`, and the counters counted after it. */
export function increment(counted: Counters | undefined, now: Counters): { delta: number[]; counted: number[] } {
  const delta = now.map((n, i) => Math.max(0, n - (counted?.[i] ?? 0)))
  return { delta, counted: now.map((n, i) => Math.max(n, counted?.[i] ?? 0)) }
}

/** The larger of two sets of counters, bucket by bucket (undefined when both are). */
export function maxCounters(a: Counters | undefined, b: Counters | undefined): Counters | undefined {
  if (!a) return b
  if (!b) return a
  return a.map((n, i) => Math.max(n, b[i] ?? 0))
}

/** Whether a value read back from a saved state is a list of counters of the given length. */
export function isCounters(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
}
