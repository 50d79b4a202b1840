import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import type { DatabaseReader, FileContext, RecordsOutcome, SkipReason } from '../types'
import { csvDays, DB_KEY_PREFIX } from './csv'

/** The cursor kept in our store: the last `cursorDiskKV` rowid read. */
export interface CursorDbCursor {
  rowid: number
}

interface Row {
  rid: number
  key: string
  value: string | Buffer | null
}

function instant(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v < 1e11 ? v * 1000 : v)
  return isoTime(v)
}

/**
 * Cursor's `state.vscdb` (User/globalStorage): `cursorDiskKV` rows keyed
 * `bubbleId:<composer>:<bubble>` whose JSON value carries `tokenCount{inputTokens, outputTokens}`,
 * `createdAt`, `modelInfo.modelName` (tokscale `cursorcli.rs`, codeburn `cursor.ts`). Read by
 * rowid: Cursor writes a bubble again with INSERT OR REPLACE, which gives it a new rowid, so a
 * bubble updated in place is read again under the same key and corrected. Bubbles with zero
 * tokens (newer Cursor builds write 0/0 for everything) are no requests. A bubble on a UTC day an
 * imported usage CSV covers is not counted: the CSV replaces the database's figures there.
 */
export const cursorDbReader: DatabaseReader<CursorDbCursor> = {
  source: 'cursor',
  initialState: () => ({ rowid: 0 }),
  readRows(db: Database.Database, cursor, ctx: FileContext, maxRows): RecordsOutcome<CursorDbCursor> & { done: boolean; bytes: number } {
    // Only values that mention tokenCount cross into JS: bubbles also hold whole tool outputs.
    const rows = db
      .prepare(
        `SELECT rowid AS rid, key, CASE WHEN instr(value, '"tokenCount"') > 0 THEN value END AS value FROM cursorDiskKV
      WHERE rowid > ? AND key LIKE 'bubbleId:%' ORDER BY rowid LIMIT ?`,
      )
      .all(cursor.rowid, maxRows) as Row[]
    const covered = csvDays(ctx)
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    let bytes = 0
    for (const r of rows) {
      if (r.value === null) continue
      const text = typeof r.value === 'string' ? r.value : r.value.toString('utf8')
      bytes += text.length
      const v = parseJsonObject(text)
      if (!v) {
        skips.push('malformed-json')
        continue
      }
      const tc = asObject(v.tokenCount)
      if (!tc) continue
      const input = tokenCount(tc.inputTokens)
      const output = tokenCount(tc.outputTokens)
      const ts = instant(v.createdAt)
      if ([input, output].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS) || Number.isNaN(ts)) {
        skips.push('bad-field')
        continue
      }
      if (!plausibleTime(ts)) {
        skips.push('implausible-time')
        continue
      }
      if (input + output === 0) continue
      if (covered.has(new Date(ts).toISOString().slice(0, 10))) continue
      const [, composer = '', bubble = ''] = r.key.split(':')
      events.push({
        key: `${DB_KEY_PREFIX}${composer}:${asString(v.bubbleId) ?? bubble}`,
        ts,
        source: 'cursor',
        userId: ctx.userId,
        agentId: 'cursor',
        project: 'cursor',
        sessionId: composer,
        model: asString(asObject(v.modelInfo)?.modelName) ?? 'cursor-unknown',
        input,
        output,
        cacheRead: 0,
        cacheWrite: 0,
        cacheWrite1h: 0,
      })
    }
    const last = rows[rows.length - 1]
    return {
      events,
      records: rows.length,
      skips,
      state: { rowid: last ? last.rid : cursor.rowid },
      done: rows.length < maxRows,
      bytes: bytes + rows.length * 64,
    }
  },
}
