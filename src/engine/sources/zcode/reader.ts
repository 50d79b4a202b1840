import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { plausibleTime } from '../parse-helpers'
import type { DatabaseReader, FileContext, RecordsOutcome, SkipReason } from '../types'

/**
 * The cursor kept in our store: the last `model_usage` rowid read, and the rows read while still
 * running (re-read until they finish; ZCode completes them in place).
 */
export interface ZCodeCursor {
  rowid: number
  pending: number[]
}

interface Row {
  rid: number
  id: unknown
  session_id: unknown
  started_at: unknown
  model_id: unknown
  status: unknown
  input_tokens: unknown
  output_tokens: unknown
  cache_creation_input_tokens: unknown
  cache_read_input_tokens: unknown
  directory: unknown
}

/** A row still running this long after it started is taken for abandoned (ZCode was killed mid-request). */
const ABANDONED_MS = 24 * 3600_000

function count(v: unknown): number {
  if (v === null || v === undefined) return 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN
}

/**
 * The columns read. Older schemas (and codeburn's subset of db v0.14.8) have no `status`: there a
 * row without `completed_at` is still running, and without either every row is complete.
 */
function columns(db: Database.Database): string {
  const names = new Set((db.prepare('PRAGMA table_info(model_usage)').all() as { name: string }[]).map((c) => c.name))
  const status = names.has('status')
    ? 'm.status'
    : names.has('completed_at')
      ? "CASE WHEN m.completed_at IS NULL THEN 'running' ELSE 'completed' END"
      : "'completed'"
  return `m.rowid AS rid, m.id, m.session_id, m.started_at, m.model_id, ${status} AS status, m.input_tokens, m.output_tokens,
  m.cache_creation_input_tokens, m.cache_read_input_tokens`
}

/**
 * ZCode's `cli/db/db.sqlite`: one `model_usage` row per model request. `input_tokens` includes
 * both cache parts (ccusage subtracts them too); reasoning is inside `output_tokens`. Only
 * `completed` rows are requests (`error`, `cancelled` are not billed, as ccusage reads them); a
 * row read while `running` is kept in the cursor and read again until it finishes. Key: the row's
 * id. The project is the session's `directory`.
 */
export function zcodeReader(now: () => number = Date.now): DatabaseReader<ZCodeCursor> {
  return {
    source: 'zcode',
    initialState: () => ({ rowid: 0, pending: [] }),
    readRows(db: Database.Database, cursor, ctx: FileContext, maxRows): RecordsOutcome<ZCodeCursor> & { done: boolean; bytes: number } {
      let join = 'LEFT JOIN session s ON s.id = m.session_id'
      let dir = 's.directory'
      const hasSession = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session'").get() !== undefined
      if (!hasSession) {
        join = ''
        dir = 'NULL'
      }
      const COLUMNS = columns(db)
      const pending =
        cursor.pending.length > 0
          ? (db
              .prepare(
                `SELECT ${COLUMNS}, ${dir} AS directory FROM model_usage m ${join} WHERE m.rowid IN (${cursor.pending.map(() => '?').join(',')})`,
              )
              .all(...cursor.pending) as Row[])
          : []
      const fresh = db
        .prepare(`SELECT ${COLUMNS}, ${dir} AS directory FROM model_usage m ${join} WHERE m.rowid > ? ORDER BY m.rowid LIMIT ?`)
        .all(cursor.rowid, maxRows) as Row[]
      const events: UsageEvent[] = []
      const skips: SkipReason[] = []
      const stillPending: number[] = []
      for (const r of [...pending, ...fresh]) {
        const ts = typeof r.started_at === 'number' ? Math.trunc(r.started_at > 1e12 ? r.started_at : r.started_at * 1000) : Number.NaN
        if (r.status !== 'completed') {
          // In flight: look again next time, unless it was abandoned long ago.
          if ((r.status === 'running' || r.status === 'pending' || r.status === null) && Number.isFinite(ts) && ts >= now() - ABANDONED_MS)
            stillPending.push(r.rid)
          continue
        }
        const input = count(r.input_tokens)
        const output = count(r.output_tokens)
        const cacheWrite = count(r.cache_creation_input_tokens)
        const cacheRead = count(r.cache_read_input_tokens)
        const model = typeof r.model_id === 'string' ? r.model_id.trim() : ''
        if (
          [input, output, cacheWrite, cacheRead].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS) ||
          Number.isNaN(ts) ||
          model === ''
        ) {
          skips.push('bad-field')
          continue
        }
        if (!plausibleTime(ts)) {
          skips.push('implausible-time')
          continue
        }
        const uncached = Math.max(0, input - cacheRead - cacheWrite)
        if (uncached + output + cacheRead + cacheWrite === 0) continue
        const session = typeof r.session_id === 'string' ? r.session_id : ''
        events.push({
          key: `zcode:${typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : `#${r.rid}`}`,
          ts,
          source: 'zcode',
          userId: ctx.userId,
          agentId: 'zcode',
          project: typeof r.directory === 'string' ? r.directory : '',
          sessionId: session,
          model,
          input: uncached,
          output,
          cacheRead,
          cacheWrite,
          cacheWrite1h: 0,
        })
      }
      const last = fresh[fresh.length - 1]
      return {
        events,
        records: fresh.length,
        skips,
        state: { rowid: last ? last.rid : cursor.rowid, pending: stillPending },
        done: fresh.length < maxRows,
        bytes: (pending.length + fresh.length) * 120,
      }
    },
  }
}
