import type { SessionEvent, SessionSummary, UsageFilter } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { Store } from '../store/open-store'
import { filterClause } from './report'

const SUMS = `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
  count(*) AS requests, sum(coalesce(cost_nusd, 0)) AS costNanoUsd,
  sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END) AS unpricedTokens`

/** A session's in-range figures, as the ledger sums them. */
const SUMMARY = `session_id AS sessionId, min(source) AS source, min(user_id) AS userId,
  min(agent_id) AS agentId, min(project) AS project, group_concat(DISTINCT model) AS models,
  min(ts) AS firstTs, max(ts) AS lastTs, ${SUMS}`

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

/** The filter's range as SQL bounds: [from, to). */
function bounds(f: UsageFilter): [number, number] {
  return [f.from ?? 0, f.to ?? Number.MAX_SAFE_INTEGER]
}

/**
 * Sessions "active in the range": rows of `sessions` whose span [first_ts, last_ts] overlaps
 * [from, to) and whose user, agent, project, source and id match the filter. The `sessions` table
 * has no model, so the callers answer a model filter from the ledger instead.
 */
function activeSessions(f: UsageFilter): { sql: string; params: unknown[] } {
  const [from, to] = bounds(f)
  const where = filterClause({ ...f, models: [] })
  return { sql: `FROM sessions WHERE first_ts < ? AND last_ts >= ?${where.sql}`, params: [to, from, ...where.params] }
}

/**
 * How many sessions have usage in the filter's range. Without a model filter this counts the
 * sessions active in the range (their first-to-last span overlaps it, matched on the session's
 * user, agent, project and source): one pass over `sessions`, no ledger. A session with a gap
 * spanning the whole range counts although it has no request inside. With a model filter it is
 * exact: the distinct sessions of the matching requests in the range.
 */
export function countSessions(store: Store, f: UsageFilter): number {
  if ((f.models?.length ?? 0) > 0) {
    const where = filterClause(f)
    return store.db.prepare(`SELECT count(DISTINCT session_id) FROM usage_events WHERE ts >= ? AND ts < ?${where.sql}`)
      .pluck().get(...bounds(f), ...where.params) as number
  }
  const active = activeSessions(f)
  return store.db.prepare(`SELECT count(*) ${active.sql}`).pluck().get(...active.params) as number
}

/**
 * Sessions with usage in the filter's range, most recent first (at most `limit`), with their
 * figures inside the range. Without a model filter the `limit` sessions active in the range that
 * ran latest within it are picked from `sessions`, and only their requests are summed (through the
 * ledger's session index); a picked session with no matching request in the range is left out.
 * With a model filter every matching request in the range is grouped.
 */
export function listSessions(store: Store, f: UsageFilter, limit = 500): SessionSummary[] {
  const where = filterClause(f)
  const [from, to] = bounds(f)
  let rows: SessionRow[]
  if ((f.models?.length ?? 0) > 0) {
    rows = store.db.prepare(`SELECT ${SUMMARY} FROM usage_events WHERE ts >= ? AND ts < ?${where.sql}
      GROUP BY session_id ORDER BY lastTs DESC LIMIT ?`).all(from, to, ...where.params, limit) as SessionRow[]
  } else {
    const active = activeSessions(f)
    // Latest within the range: a session still running after `to` ranks as active at `to`.
    rows = store.db.prepare(`WITH picked AS (SELECT session_id ${active.sql} ORDER BY min(last_ts, ?) DESC, last_ts DESC LIMIT ?)
      SELECT ${SUMMARY} FROM usage_events WHERE session_id IN (SELECT session_id FROM picked) AND ts >= ? AND ts < ?${where.sql}
      GROUP BY session_id ORDER BY lastTs DESC`).all(...active.params, to, limit, from, to, ...where.params) as SessionRow[]
  }
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
