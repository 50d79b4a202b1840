import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asString, plausibleTime, tokenCount } from '../parse-helpers'
import type { DatabaseReader, FileContext, RecordsOutcome, SkipReason } from '../types'

/**
 * Copilot's model names as the CLI writes them (`claude-sonnet-4.5`, `claude-opus-4.6-1m`,
 * `gpt-5.4-internal`): the context and internal suffixes dropped and Claude's dotted versions
 * dashed (`claude-sonnet-4-5`), so prices and the two records of one request (store row and
 * shutdown rollup) meet under one name.
 */
export function copilotModel(raw: string | undefined): string {
  let m = (raw ?? '')
    .trim()
    .toLowerCase()
    .replace(/^[a-z0-9_-]+\//, '')
    .replace(/-(1m|internal)$/, '')
  if (m.startsWith('claude-')) m = m.replace(/(\d)\.(\d)/g, '$1-$2')
  return m || 'unknown'
}

/** `created_at` as Copilot writes it (ISO with a zone) or SQLite's zoneless `datetime('now')` (UTC). */
export function storeTime(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e12 ? v * 1000 : v
  if (typeof v !== 'string') return Number.NaN
  return Date.parse(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(v) ? v.replace(' ', 'T') + 'Z' : v)
}

/** Exclusive buckets of one request. */
export interface Buckets {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

interface Row {
  id: number
  session_id: string | null
  model: string | null
  input_tokens: unknown
  cache_read_tokens: unknown
  cache_write_tokens: unknown
  output_tokens?: unknown
  reasoning_tokens?: unknown
  created_at: unknown
  initiator?: unknown
  cwd?: string | null
}

/** The usage table's optional columns (they came in later CLI releases). */
function columnsOf(db: Database.Database): Set<string> {
  return new Set(
    (db.prepare("SELECT name FROM pragma_table_info('assistant_usage_events')").all() as { name: string }[]).map((c) => c.name),
  )
}

function rowSelect(db: Database.Database): string | null {
  const cols = columnsOf(db)
  if (!cols.has('id') || !cols.has('session_id')) return null
  const opt = (c: string) => (cols.has(c) ? `e.${c}` : `NULL AS ${c}`)
  const sessionCols = new Set((db.prepare("SELECT name FROM pragma_table_info('sessions')").all() as { name: string }[]).map((c) => c.name))
  const cwd = sessionCols.has('id') && sessionCols.has('cwd')
  return `SELECT e.id, e.session_id, ${opt('model')}, ${opt('input_tokens')}, ${opt('cache_read_tokens')}, ${opt('cache_write_tokens')},
    ${opt('output_tokens')}, ${opt('reasoning_tokens')}, ${opt('created_at')}, ${opt('initiator')}, ${cwd ? 's.cwd' : 'NULL AS cwd'}
    FROM assistant_usage_events e ${cwd ? 'LEFT JOIN sessions s ON s.id = e.session_id' : ''}`
}

/**
 * A row's exclusive buckets: `input_tokens` includes the cache read and write (as the shutdown
 * rollups do); `reasoning_tokens` is inside `output_tokens` (but for Gemini models); a store without `output_tokens`
 * (older CLIs) gives 0 output here and the session's shutdown rollup supplies it.
 */
function bucketsOf(r: Row): Buckets | null {
  const inclusive = tokenCount(r.input_tokens ?? undefined)
  const cacheRead = tokenCount(r.cache_read_tokens ?? undefined)
  const cacheWrite = tokenCount(r.cache_write_tokens ?? undefined)
  const reasoning = copilotModel(asString(r.model)).startsWith('gemini-') ? tokenCount(r.reasoning_tokens ?? undefined) : 0
  const output = tokenCount(r.output_tokens ?? undefined) + reasoning
  if ([inclusive, cacheRead, cacheWrite, output].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) return null
  return { input: Math.max(0, inclusive - cacheRead - cacheWrite), output, cacheRead, cacheWrite }
}

/** The cursor kept in our store: the last row read, with its time (a store re-created under the same path restarts its ids). */
export interface StoreCursor {
  id: number
  createdAt: string
}

/**
 * `~/.copilot/session-store.db` (written by the CLI and the GitHub Copilot desktop app, SQLite in
 * WAL mode): one `assistant_usage_events` row per API request, as it happens. Each row is a
 * request (key session id + row id + its time). Rows are not rewritten; the cursor is the row id.
 */
export const copilotStoreReader: DatabaseReader<StoreCursor> = {
  source: 'copilot-cli',
  initialState: () => ({ id: 0, createdAt: '' }),
  readRows(db, cursor, ctx: FileContext, maxRows): RecordsOutcome<StoreCursor> & { done: boolean; bytes: number } {
    const empty = { events: [], records: 0, skips: [], state: cursor, done: true, bytes: 0 }
    const select = rowSelect(db)
    if (select === null) return empty
    let from = cursor
    if (from.id > 0) {
      const at = db
        .prepare(`SELECT ${columnsOf(db).has('created_at') ? 'created_at' : "''"} AS c FROM assistant_usage_events WHERE id = ?`)
        .get(from.id) as { c: unknown } | undefined
      // The row under the cursor is gone or another one: a new store; its rows are all new (their keys differ by time).
      if (!at || String(at.c ?? '') !== from.createdAt) from = { id: 0, createdAt: '' }
    }
    const rows = db.prepare(`${select} WHERE e.id > ? ORDER BY e.id LIMIT ?`).all(from.id, maxRows) as Row[]
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    for (const r of rows) {
      const b = bucketsOf(r)
      const ts = storeTime(r.created_at)
      const session = asString(r.session_id)
      if (!b || !session || Number.isNaN(ts)) {
        skips.push('bad-field')
        continue
      }
      if (!plausibleTime(ts)) {
        skips.push('implausible-time')
        continue
      }
      if (b.input + b.output + b.cacheRead + b.cacheWrite === 0) continue
      events.push({
        key: `copilot:row:${session}:${r.id}:${ts}`,
        ts,
        source: 'copilot-cli',
        userId: ctx.userId,
        agentId: 'copilot-cli',
        project: asString(r.cwd) ?? '',
        sessionId: session,
        model: copilotModel(asString(r.model)),
        ...b,
        cacheWrite1h: 0,
      })
    }
    const last = rows[rows.length - 1]
    const state = last ? { id: last.id, createdAt: String(last.created_at ?? '') } : from
    return { events, records: rows.length, skips, state, done: rows.length < maxRows, bytes: rows.length * 120 }
  },
}

/** What the store holds for a session, to subtract from a shutdown rollup. */
export type StoreRows =
  { kind: 'absent' } | { kind: 'unreadable' } | { kind: 'rows'; rows: { ts: number; model: string; compaction: boolean; b: Buckets }[] }

/** The store's rows of one session (read-only, never locking it); 'absent' when there is no store or no usage table. */
export function storeRowsOf(storePath: string, sessionId: string): StoreRows {
  if (!existsSync(storePath)) return { kind: 'absent' }
  let db: Database.Database | undefined
  try {
    db = new Database(storePath, { readonly: true, fileMustExist: true, timeout: 2000 })
    const select = rowSelect(db)
    if (select === null) return { kind: 'absent' }
    const rows = (db.prepare(`${select} WHERE e.session_id = ?`).all(sessionId) as Row[]).flatMap((r) => {
      const b = bucketsOf(r)
      const ts = storeTime(r.created_at)
      return b && !Number.isNaN(ts) ? [{ ts, model: copilotModel(asString(r.model)), compaction: r.initiator === 'compaction', b }] : []
    })
    return { kind: 'rows', rows }
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return { kind: 'absent' }
    return { kind: 'unreadable' }
  } finally {
    db?.close()
  }
}
