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
    key: r.key, ts: r.ts, source: r.source, userId: r.user_id, agentId: r.agent_id, project: r.project,
    sessionId: r.session_id, model: r.model, input: r.input, output: r.output, cacheRead: r.cache_read,
    cacheWrite: r.cache_write, cacheWrite1h: r.cache_write_1h, costNanoUsd: r.cost_nusd,
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

function tokenSum(e: UsageEvent): number {
  return e.input + e.output + e.cacheRead + e.cacheWrite
}

/**
 * Whether `a` carries more than `b` for the same key. Claude Code streams one message as several
 * lines whose output_tokens grows, so the largest output wins; ties go to the larger total.
 */
export function carriesMore(a: UsageEvent, b: UsageEvent): boolean {
  return a.output > b.output || (a.output === b.output && tokenSum(a) > tokenSum(b))
}

/**
 * Merges a re-seen key into the kept record: tokens (and cost) from whichever carries more; the
 * instant and dimensions from the earlier sighting (a message keeps the time of its first line; a
 * forked Codex session's replay belongs to the parent that first recorded it). Returns null when
 * nothing changes, so a duplicate costs no write. Also merges sightings before they are costed (a
 * parse worker merges a file's streamed lines): the cost follows the tokens, so costing the merged
 * sighting gives the cost the ledger record would have carried.
 */
export function mergeRecords<T extends UsageEvent | LedgerEvent>(kept: T, seen: T): T | null {
  // A request read from its agent's own log and also received over OTLP (ingest/twins.ts): the
  // log's sighting is the richer one (project, 1-hour cache writes), so it keeps its names, its
  // instant and, on equal tokens, its tokens. Same-source sightings merge as before.
  const logWins = (seen.source === 'otlp') !== (kept.source === 'otlp') ? (seen.source === 'otlp' ? kept : seen) : undefined
  const tokens = carriesMore(seen, kept) ? seen : carriesMore(kept, seen) ? kept : (logWins ?? kept)
  const first = logWins ?? (seen.ts < kept.ts ? seen : kept)
  if (tokens === kept && first === kept) return null
  const merged: UsageEvent = {
    key: kept.key,
    ts: first.ts,
    source: first.source,
    userId: first.userId,
    agentId: first.agentId,
    project: first.project,
    sessionId: first.sessionId,
    // The model stays with the tokens it priced.
    model: tokens.model,
    input: tokens.input,
    output: tokens.output,
    cacheRead: tokens.cacheRead,
    cacheWrite: tokens.cacheWrite,
    cacheWrite1h: tokens.cacheWrite1h,
  }
  if ('costNanoUsd' in tokens) (merged as LedgerEvent).costNanoUsd = tokens.costNanoUsd
  if (tokens.reportedCostUsd !== undefined) merged.reportedCostUsd = tokens.reportedCostUsd
  return merged as T
}
