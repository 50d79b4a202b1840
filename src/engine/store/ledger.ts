/** The ledger's records (`usage_events`): their shape in memory and in SQL, and the time buckets they fall in. */
import type { SourceId, UsageEvent } from '../../shared/usage'

/** A usage event as the ledger keeps it: with its cost (integer nano-USD, null = unpriced). */
export interface LedgerEvent extends UsageEvent {
  costNanoUsd: number | null
}

/** A `usage_events` row as SQLite returns it. */
export interface EventRow {
  key: string
  ts: number
  source: SourceId
  user_id: string
  agent_id: string
  project: string
  session_id: string
  model: string
  input: number
  output: number
  cache_read: number
  cache_write: number
  cache_write_1h: number
  reported_cost_nusd: number | null
  cost_nusd: number | null
}

/** The ledger event a stored row holds. */
export function eventFromRow(r: EventRow): LedgerEvent {
  const e: LedgerEvent = {
    key: r.key,
    ts: r.ts,
    source: r.source,
    userId: r.user_id,
    agentId: r.agent_id,
    project: r.project,
    sessionId: r.session_id,
    model: r.model,
    input: r.input,
    output: r.output,
    cacheRead: r.cache_read,
    cacheWrite: r.cache_write,
    cacheWrite1h: r.cache_write_1h,
    costNanoUsd: r.cost_nusd,
  }
  if (r.reported_cost_nusd !== null) e.reportedCostUsd = r.reported_cost_nusd / 1e9
  return e
}

/** Minutes of resolution kept in the aggregates: every real UTC offset is a multiple of 15. */
export const BUCKET_MS = 15 * 60 * 1000
export const HOUR_MS = 60 * 60 * 1000

/** The quarter-hour (UTC) an instant falls in. */
export function bucketOf(ts: number): number {
  return ts - (((ts % BUCKET_MS) + BUCKET_MS) % BUCKET_MS)
}

/** The hour (UTC) an instant falls in. */
export function hourOf(ts: number): number {
  return ts - (((ts % HOUR_MS) + HOUR_MS) % HOUR_MS)
}
