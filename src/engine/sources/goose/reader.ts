import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asString, parseJsonObject, plausibleTime } from '../parse-helpers'
import { increment, isCounters } from '../running-total'
import type { DatabaseReader, RecordsOutcome, SkipReason } from '../types'

/**
 * The cursor kept in our store: the last (updated_at, id) read from `sessions`, and each session's
 * counters counted so far ([input, output, reasoning]), so a row updated in place adds only its growth.
 */
export interface GooseCursor {
  updated: string
  id: string
  sessions: Record<string, number[]>
}

interface SessionRow {
  id: unknown
  working_dir: unknown
  updated_at: unknown
  created_at: unknown
  acc_in: unknown
  acc_out: unknown
  acc_total: unknown
  turn_in: unknown
  turn_out: unknown
  turn_total: unknown
  model_config_json: unknown
}

/** A token column: a non-negative integer, NULL as 0; anything else is NaN (the row is bad). */
function column(v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'bigint') return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN
}

/**
 * Goose's times: `datetime('now')` / CURRENT_TIMESTAMP text (`2026-05-01 01:02:03`, UTC), RFC 3339
 * (what sqlx writes for a `DateTime<Utc>`), or epoch seconds / milliseconds.
 */
export function gooseTime(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e12 ? v : v * 1000
  if (typeof v !== 'string') return Number.NaN
  const t = v.trim()
  if (/^\d+$/.test(t)) return gooseTime(Number(t))
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(t)
  if (m) return Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`)
  return Date.parse(t)
}

/** `updated_at` as comparable text (a row without one sorts first). */
const UPDATED = "coalesce(CAST(updated_at AS TEXT), '')"

/** How far back a new pass looks before the cursor (Goose's time text, an hour earlier); the cursor itself when it is not one. */
export function lookBack(updated: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})([ T])(\d{2}:\d{2}:\d{2})/.exec(updated)
  if (!m) return updated
  const t = Date.parse(`${m[1]}T${m[3]}Z`) - 3_600_000
  if (Number.isNaN(t)) return updated
  return new Date(t)
    .toISOString()
    .slice(0, 19)
    .replace('T', m[2] as string)
}

/** Which of the columns this database's `sessions` table has (schemas grew over Goose releases). */
function columnsOf(db: Database.Database): Set<string> {
  return new Set((db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name))
}

/**
 * Goose's `sessions.db`: one row per session holding its running totals (`accumulated_input_tokens`,
 * `accumulated_output_tokens`, `accumulated_total_tokens`; the per-turn columns where those are
 * empty), updated in place after every reply (`updated_at = datetime('now')`). Rows past the cursor
 * are diffed against what each session counted: one increment per change, stamped at the row's
 * `updated_at` (on a first backfill the whole session lands at its last update). The part of the
 * total beyond input + output is reasoning, counted as output. Goose keeps no cache split: its input
 * includes any cached prompt, all counted as uncached input.
 */
export const gooseReader: DatabaseReader<GooseCursor> = {
  source: 'goose',
  initialState: () => ({ updated: '', id: '', sessions: {} }),
  readRows(db, cursor, ctx, maxRows): RecordsOutcome<GooseCursor> & { done: boolean; bytes: number } {
    const cols = columnsOf(db)
    const pick = (name: string): string => (cols.has(name) ? name : 'NULL')
    const select = `SELECT id, ${pick('working_dir')} AS working_dir, ${pick('updated_at')} AS updated_at, ${pick('created_at')} AS created_at,
      ${pick('accumulated_input_tokens')} AS acc_in, ${pick('accumulated_output_tokens')} AS acc_out, ${pick('accumulated_total_tokens')} AS acc_total,
      ${pick('input_tokens')} AS turn_in, ${pick('output_tokens')} AS turn_out, ${pick('total_tokens')} AS turn_total,
      ${pick('model_config_json')} AS model_config_json FROM sessions`
    // Without updated_at (early schemas) every row is read on each change, by id.
    const byTime = cols.has('updated_at')
    // A new pass starts an hour before the last second it saw: a session whose update was stamped
    // earlier than that (the clock set back) is still read; re-reading the others adds nothing.
    const from = cursor.id === '' ? lookBack(cursor.updated) : cursor.updated
    const rows = (
      byTime
        ? db
            .prepare(`${select} WHERE (${UPDATED} > ? OR (${UPDATED} = ? AND id > ?)) ORDER BY ${UPDATED}, id LIMIT ?`)
            .all(from, from, cursor.id, maxRows)
        : db.prepare(`${select} WHERE id > ? ORDER BY id LIMIT ?`).all(cursor.id, maxRows)
    ) as SessionRow[]
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    const sessions = { ...cursor.sessions }
    let bytes = 0
    let records = 0
    for (const r of rows) {
      bytes += 200 + (typeof r.model_config_json === 'string' ? r.model_config_json.length : 0)
      // A row of the look-back window, already looked at in an earlier pass: it counts as a record,
      // or a skip, only if it changed.
      const seenBefore =
        byTime && cursor.id === '' && cursor.updated !== '' && r.updated_at !== null && String(r.updated_at) <= cursor.updated
      const skip = (reason: SkipReason): void => {
        if (!seenBefore) skips.push(reason)
      }
      if (!seenBefore) records++
      const id = typeof r.id === 'string' ? r.id : typeof r.id === 'number' ? String(r.id) : undefined
      if (!id) {
        skip('bad-field')
        continue
      }
      const accIn = column(r.acc_in)
      const accOut = column(r.acc_out)
      const accTotal = column(r.acc_total)
      // The accumulated columns where Goose has written them, else the turn's (as ccusage reads them).
      const input = accIn > 0 ? accIn : column(r.turn_in)
      const output = accOut > 0 ? accOut : column(r.turn_out)
      const total = accTotal > 0 ? accTotal : column(r.turn_total)
      if ([accIn, accOut, accTotal, input, output, total].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) {
        skip('bad-field')
        continue
      }
      const now = [input, output, Math.max(0, total - input - output)]
      if (now.every((n) => n === 0)) continue
      // The row's last update, else its creation; a schema with neither: the database's file time.
      const stamp = r.updated_at ?? r.created_at
      const ts = stamp === null || stamp === undefined ? (ctx.mtimeMs ?? Number.NaN) : gooseTime(stamp)
      if (Number.isNaN(ts)) {
        skip('bad-field')
        continue
      }
      if (!plausibleTime(ts)) {
        skip('implausible-time')
        continue
      }
      const before = sessions[id]
      const { delta, counted } = increment(isCounters(before, 3) ? before : undefined, now)
      sessions[id] = counted
      if (delta.every((n) => n === 0)) continue
      if (seenBefore) records++
      const config = typeof r.model_config_json === 'string' ? parseJsonObject(r.model_config_json) : undefined
      const [dIn = 0, dOut = 0, dReasoning = 0] = delta
      events.push({
        key: `goose:${id}:${counted.join(':')}`,
        ts,
        source: 'goose',
        userId: ctx.userId,
        agentId: 'goose',
        project: asString(r.working_dir) ?? '',
        sessionId: id,
        model: asString(config?.model_name)?.trim() || 'unknown',
        input: dIn,
        output: dOut + dReasoning,
        cacheRead: 0,
        cacheWrite: 0,
        cacheWrite1h: 0,
      })
    }
    const done = rows.length < maxRows
    const last = rows[rows.length - 1]
    let next: GooseCursor
    if (!byTime) {
      // Read again from the start at the next change; the counted figures make that add only growth.
      next = { updated: '', id: done ? '' : String(last?.id ?? ''), sessions }
    } else if (!last) {
      next = { ...cursor, id: '', sessions }
    } else {
      const updated = last.updated_at === null || last.updated_at === undefined ? '' : String(last.updated_at)
      // A pass ends at the last second it saw, not past it: a session updated again within that
      // second (datetime('now') has one-second steps) is read again at the next change.
      next = { updated, id: done ? '' : String(last.id), sessions }
    }
    return { events, records, skips, state: next, done, bytes }
  },
}
