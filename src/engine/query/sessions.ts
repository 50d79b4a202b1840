import type { SessionEvent, SessionSummary, UsageFilter } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { Store } from '../store/open-store'
import { filterClause } from './report'
import type { StoredSums } from '../store/sums'

const SUMS = `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
  count(*) AS requests, sum(coalesce(cost_nusd, 0)) AS costNanoUsd,
  sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END) AS unpricedTokens`

/** A session's in-range figures, as the ledger sums them. */
const SUMMARY = `session_id AS sessionId, min(source) AS source, min(user_id) AS userId,
  min(agent_id) AS agentId, min(project) AS project, group_concat(DISTINCT model) AS models,
  min(ts) AS firstTs, max(ts) AS lastTs, ${SUMS}`

interface SessionRow extends StoredSums {
  sessionId: string
  source: SourceId
  userId: string
  agentId: string
  project: string
  models: string
  firstTs: number
  lastTs: number
}

/** The filter's range as SQL bounds: [from, to). */
function bounds(f: UsageFilter): [number, number] {
  return [f.from ?? 0, f.to ?? Number.MAX_SAFE_INTEGER]
}

/** Whether a filter names any dimension (not just a time range). */
function hasDimensionFilter(f: UsageFilter): boolean {
  return [f.users, f.agents, f.projects, f.models, f.sources, f.sessions].some((v) => (v?.length ?? 0) > 0)
}

/**
 * The sessions with a request in [from, to) that matches the filter, each with `latest`, its last
 * such request before `to`. Read from the span tables, never by grouping the ledger: `sessions`
 * (first and last request per session) when the filter names no dimension, else `session_spans`
 * (the same per session, user, agent, project and model; a span's requests share its dimensions,
 * so every filter is exact). A span that ends before `to` has `latest = last_ts`; only one still
 * running at `to` costs a seek on the ledger's session index for its last request before `to`.
 */
function sessionsInRange(f: UsageFilter): { sql: string; params: unknown[] } {
  const [from, to] = bounds(f)
  const spans = hasDimensionFilter(f)
  const where = filterClause(f)
  const match = spans ? ' AND e.user_id = s.user_id AND e.agent_id = s.agent_id AND e.project = s.project AND e.model = s.model' : ''
  const latest = `CASE WHEN last_ts < ? THEN last_ts ELSE (SELECT max(e.ts) FROM usage_events e
    WHERE e.session_id = s.session_id AND e.ts < ? AND e.source = s.source${match}) END`
  // Seek the spans that end after `from` when there is one; a scan in key order is cheaper for "all".
  const table = spans ? 'session_spans' : 'sessions'
  const index = f.from === undefined ? '' : ` INDEXED BY ${table}_last`
  const inner = `SELECT source, session_id, ${latest} AS latest FROM ${table} s${index} WHERE last_ts >= ? AND first_ts < ?${where.sql}`
  return {
    sql: spans
      ? `SELECT session_id, max(latest) AS latest FROM (${inner}) WHERE latest >= ? GROUP BY source, session_id`
      : `SELECT session_id, latest FROM (${inner}) WHERE latest >= ?`,
    params: [to, to, from, to, ...where.params, from],
  }
}

/** How many sessions have a request in the filter's range (see sessionsInRange). */
export function countSessions(store: Store, f: UsageFilter): number {
  // All time, no filter: every row of `sessions` is a session with a request (kept so by commits).
  if (f.from === undefined && f.to === undefined && !hasDimensionFilter(f)) {
    return store.db.prepare('SELECT count(*) FROM sessions').pluck().get() as number
  }
  // All time with a filter: the distinct sessions of the matching spans, in key order.
  if (f.from === undefined && f.to === undefined) {
    const where = filterClause(f)
    return store.db
      .prepare(`SELECT count(*) FROM (SELECT 1 FROM session_spans WHERE 1 = 1${where.sql} GROUP BY source, session_id)`)
      .pluck()
      .get(...where.params) as number
  }
  const q = sessionsInRange(f)
  return store.db
    .prepare(`SELECT count(*) FROM (${q.sql})`)
    .pluck()
    .get(...q.params) as number
}

/**
 * Sessions with a request in the filter's range, the most recent first (at most `limit`), with
 * their figures inside the range: the `limit` sessions whose last matching request in the range is
 * latest are picked from `session_spans`, and only their requests are summed (through the
 * ledger's session index).
 */
export function listSessions(store: Store, f: UsageFilter, limit = 500): SessionSummary[] {
  const where = filterClause(f)
  const [from, to] = bounds(f)
  const q = sessionsInRange(f)
  const rows = store.db
    .prepare(
      `WITH picked AS (${q.sql} ORDER BY latest DESC LIMIT ?)
    SELECT ${SUMMARY} FROM usage_events WHERE session_id IN (SELECT session_id FROM picked) AND ts >= ? AND ts < ?${where.sql}
    GROUP BY session_id ORDER BY lastTs DESC`,
    )
    .all(...q.params, limit, from, to, ...where.params) as SessionRow[]
  return rows.map(({ costNanoUsd, models, ...r }) => ({
    ...r,
    models: models.split(',').sort(),
    costUsd: costNanoUsd / 1e9,
  }))
}

/** Every request of one session, in time order, for its timeline. */
export function sessionEvents(store: Store, sessionId: string): SessionEvent[] {
  const rows = store.db
    .prepare(
      `SELECT ts, model, input, output, cache_read AS cacheRead, cache_write AS cacheWrite,
      cost_nusd AS costNanoUsd FROM usage_events WHERE session_id = ? ORDER BY ts LIMIT 10000`,
    )
    .all(sessionId) as {
    ts: number
    model: string
    input: number
    output: number
    cacheRead: number
    cacheWrite: number
    costNanoUsd: number | null
  }[]
  return rows.map(({ costNanoUsd, ...r }) => ({
    ...r,
    requests: 1,
    costUsd: (costNanoUsd ?? 0) / 1e9,
    unpricedTokens: costNanoUsd === null ? r.input + r.output + r.cacheRead + r.cacheWrite : 0,
  }))
}
