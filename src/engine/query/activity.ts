/**
 * Active time and sessions, from request timestamps in the ledger. A session is active between two
 * of its consecutive requests when they are at most IDLE_GAP_MS apart; that gap is credited to the
 * later request's group (its time bucket and dimensions). A longer pause is idle and counts
 * nothing; a session's first request only starts the clock.
 */
import type { ActivityRow, GroupDim, ReportQuery } from '../../shared/contract'
import { offsetSegments, type OffsetSegment } from '../../shared/time-zone'
import type { Store } from '../store/open-store'
import { column, filterClause, isColumnDim, isTimeDim, machineLabelOf, timeLabel } from './report'

/** The longest pause between two requests that still counts as working. */
export const IDLE_GAP_MS = 5 * 60_000

function offsetAt(segments: readonly OffsetSegment[], t: number): number {
  let lo = 0
  let hi = segments.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((segments[mid]?.from ?? Infinity) <= t) lo = mid
    else hi = mid - 1
  }
  return segments[lo]?.offset ?? 0
}

/** Active milliseconds and distinct sessions per group of `q.groupBy`, sorted like a report. */
export function activityReport(store: Store, q: ReportQuery): ActivityRow[] {
  const colDims = q.groupBy.filter(isColumnDim)
  const machine = machineLabelOf(store, q.groupBy)
  const where = filterClause(q)
  const from = q.from ?? Number.MIN_SAFE_INTEGER
  const to = q.to ?? Number.MAX_SAFE_INTEGER
  const cols = colDims.map((d) => `${column(d)} AS "${d}"`)
  // Requests from one idle gap before the range: the first one inside may continue that work.
  const rows = store.db
    .prepare(
      `SELECT ts, session_id AS sid${cols.length ? `, ${cols.join(', ')}` : ''} FROM usage_events
    WHERE ts >= ? AND ts < ?${where.sql} ORDER BY session_id, ts`,
    )
    .iterate(Math.max(Number.MIN_SAFE_INTEGER, from - IDLE_GAP_MS), to, ...where.params) as Iterable<Record<string, string | number>>
  const span = store.db.prepare('SELECT min(ts) AS lo, max(ts) AS hi FROM usage_events').get() as { lo: number | null; hi: number | null }
  const segments =
    span.lo === null || span.hi === null ? [] : offsetSegments(Math.max(from, span.lo - IDLE_GAP_MS), Math.min(to, span.hi + 1), q.tz)
  const groups = new Map<string, { labels: Partial<Record<GroupDim, string>>; activeMs: number; sessions: Set<string> }>()
  let lastSid: string | undefined
  let lastTs = 0
  for (const r of rows) {
    const ts = r.ts as number
    const sid = String(r.sid)
    const gap = sid === lastSid ? ts - lastTs : Infinity
    lastSid = sid
    lastTs = ts
    if (ts < from) continue
    const local = ts + offsetAt(segments, ts)
    const labels: Partial<Record<GroupDim, string>> = {}
    let key = ''
    for (const d of q.groupBy) {
      const v = isTimeDim(d) ? timeLabel(d, local) : d === 'machine' ? machine : String(r[d])
      labels[d] = v
      key += `${v}\u0000`
    }
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { labels, activeMs: 0, sessions: new Set() }))
    g.sessions.add(sid)
    if (gap <= IDLE_GAP_MS) g.activeMs += gap
  }
  return [...groups.values()]
    .sort((a, b) => {
      for (const d of q.groupBy) {
        const c = (a.labels[d] ?? '').localeCompare(b.labels[d] ?? '')
        if (c !== 0) return c
      }
      return 0
    })
    .map((g) => ({ ...g.labels, activeMs: g.activeMs, sessions: g.sessions.size }))
}
