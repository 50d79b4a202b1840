import type { SessionEvent, SessionSummary, UsageFilter } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { Store } from '../store/open-store'
import { filterClause } from './report'

const SUMS = `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
  count(*) AS requests, sum(coalesce(cost_nusd, 0)) AS costNanoUsd,
  sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END) AS unpricedTokens`

interface SessionRow {
  sessionId: string
  source: SourceId
  userId: string
  agentId: string
  project: string
  models: string
  firstTs: number
  lastTs: number
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costNanoUsd: number
  unpricedTokens: number
}

/** Sessions with usage in the filter's range, most recent first (at most `limit`). */
export function listSessions(store: Store, f: UsageFilter, limit = 500): SessionSummary[] {
  const where = filterClause(f)
  const rows = store.db.prepare(`SELECT session_id AS sessionId, min(source) AS source, min(user_id) AS userId,
      min(agent_id) AS agentId, min(project) AS project, group_concat(DISTINCT model) AS models,
      min(ts) AS firstTs, max(ts) AS lastTs, ${SUMS}
    FROM usage_events WHERE ts >= ? AND ts < ?${where.sql}
    GROUP BY session_id ORDER BY lastTs DESC LIMIT ?`)
    .all(f.from ?? 0, f.to ?? Number.MAX_SAFE_INTEGER, ...where.params, limit) as SessionRow[]
  return rows.map(({ costNanoUsd, models, ...r }) => ({
    ...r,
    models: models.split(',').sort(),
    costUsd: costNanoUsd / 1e9,
  }))
}

/** Every request of one session, in time order, for its timeline. */
export function sessionEvents(store: Store, sessionId: string): SessionEvent[] {
  const rows = store.db.prepare(`SELECT ts, model, input, output, cache_read AS cacheRead, cache_write AS cacheWrite,
      cost_nusd AS costNanoUsd FROM usage_events WHERE session_id = ? ORDER BY ts LIMIT 10000`)
    .all(sessionId) as { ts: number; model: string; input: number; output: number; cacheRead: number; cacheWrite: number; costNanoUsd: number | null }[]
  return rows.map(({ costNanoUsd, ...r }) => ({
    ...r,
    requests: 1,
    costUsd: (costNanoUsd ?? 0) / 1e9,
    unpricedTokens: costNanoUsd === null ? r.input + r.output + r.cacheRead + r.cacheWrite : 0,
  }))
}
