import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import type { LogSourceId } from '../../../shared/sources'
import type { DatabaseReader, RecordsOutcome, SkipReason } from '../types'

/** The cursor kept in our store: the last (time_updated, id) read from `message`. */
export interface OpenCodeCursor {
  updated: number
  id: string
}

interface MessageRow {
  id: string
  session_id: string
  time_updated: number
  data: string
  directory: string | null
}

/**
 * OpenCode's `opencode.db`: each assistant `message` row's `data.tokens` (input is cache-exclusive).
 * Only messages are counted: the `step-finish` parts and the session's running columns repeat the
 * same numbers. A message still in flight carries zeros and is updated in place when done (its
 * `time_updated` moves past our cursor, so it is read again, with the same key: the ledger
 * corrects the record, it never adds it twice); zero-token rows are not requests.
 */
export const opencodeReader: DatabaseReader<OpenCodeCursor> = openCodeSchemaReader({
  source: 'opencode',
  agentId: 'opencode',
  keyPrefix: 'opencode',
})

/**
 * A reader for a database in OpenCode's schema, under another source's name (Kilo Code 7 keeps its
 * sessions in an OpenCode-derived `kilo.db`).
 */
export function openCodeSchemaReader(o: { source: LogSourceId; agentId: string; keyPrefix: string }): DatabaseReader<OpenCodeCursor> {
  return {
    source: o.source,
    initialState: () => ({ updated: -1, id: '' }),
    readRows(db: Database.Database, cursor, ctx, maxRows): RecordsOutcome<OpenCodeCursor> & { done: boolean; bytes: number } {
      let rows: MessageRow[]
      const where = 'WHERE (m.time_updated > ? OR (m.time_updated = ? AND m.id > ?)) ORDER BY m.time_updated, m.id LIMIT ?'
      try {
        rows = db
          .prepare(
            `SELECT m.id, m.session_id, m.time_updated, m.data, s.directory FROM message m
          LEFT JOIN session s ON s.id = m.session_id ${where}`,
          )
          .all(cursor.updated, cursor.updated, cursor.id, maxRows) as MessageRow[]
      } catch (err) {
        // Older schemas without a session table: messages alone.
        if (!/no such table: session|no such column: s\./.test((err as Error).message)) throw err
        rows = db
          .prepare(`SELECT m.id, m.session_id, m.time_updated, m.data, NULL AS directory FROM message m ${where}`)
          .all(cursor.updated, cursor.updated, cursor.id, maxRows) as MessageRow[]
      }
      const events: UsageEvent[] = []
      const skips: SkipReason[] = []
      let bytes = 0
      for (const r of rows) {
        bytes += typeof r.data === 'string' ? r.data.length : 0
        const d = typeof r.data === 'string' ? parseJsonObject(r.data) : undefined
        if (!d) {
          skips.push('malformed-json')
          continue
        }
        if (d.role !== 'assistant') continue
        const tokens = asObject(d.tokens)
        if (!tokens) continue
        const cache = asObject(tokens.cache)
        const input = tokenCount(tokens.input)
        const output = tokenCount(tokens.output)
        const reasoning = tokenCount(tokens.reasoning)
        const cacheRead = tokenCount(cache?.read)
        const cacheWrite = tokenCount(cache?.write)
        const time = asObject(d.time)
        const ts = typeof time?.created === 'number' ? time.created : Number.NaN
        const model = asString(d.modelID)
        if (
          [input, output, reasoning, cacheRead, cacheWrite].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS) ||
          Number.isNaN(ts) ||
          !model
        ) {
          skips.push('bad-field')
          continue
        }
        if (!plausibleTime(ts)) {
          skips.push('implausible-time')
          continue
        }
        if (input + output + reasoning + cacheRead + cacheWrite === 0) continue
        const path = asObject(d.path)
        const event: UsageEvent = {
          key: `${o.keyPrefix}:${r.id}`,
          ts,
          source: o.source,
          userId: ctx.userId,
          agentId: o.agentId,
          project: asString(path?.cwd) ?? asString(path?.root) ?? r.directory ?? '',
          sessionId: r.session_id,
          model,
          input,
          output: output + reasoning,
          cacheRead,
          cacheWrite,
          cacheWrite1h: 0,
        }
        // OpenCode's own estimate is 0 for subscriptions and proxies: only a positive one is kept.
        if (typeof d.cost === 'number' && Number.isFinite(d.cost) && d.cost > 0) event.reportedCostUsd = d.cost
        events.push(event)
      }
      const last = rows[rows.length - 1]
      const next = last ? { updated: last.time_updated, id: last.id } : cursor
      return { events, records: rows.length, skips, state: next, done: rows.length < maxRows, bytes }
    },
  }
}
