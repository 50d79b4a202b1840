import { parse } from 'csv-parse/sync'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { plausibleTime } from '../parse-helpers'
import type { DocumentParser, FileContext, RecordsOutcome, SkipReason, Supersede } from '../types'

/** What a usage CSV covers, kept with the file: the UTC days it has rows on. */
export interface CursorCsvState {
  cursorCsvDays: string[]
}

/** The `shared` entry (FileContext.shared) holding the UTC days imported CSVs cover. */
export const CSV_DAYS = 'cursor:csv-days'
/** state.vscdb records' keys start so: a CSV replaces those of the days it covers. */
export const DB_KEY_PREFIX = 'cursor:db:'

const DAY_MS = 86_400_000

/** The UTC days the CSVs read so far cover, from FileContext.shared (made by the source's contextFor). */
export function csvDays(ctx: FileContext): Set<string> {
  let days = ctx.shared?.get(CSV_DAYS) as Set<string> | undefined
  if (!days) {
    days = new Set()
    ctx.shared?.set(CSV_DAYS, days)
  }
  return days
}

/** The covered days of every saved CSV state (a cheap look for the marker before parsing). */
export function savedCsvDays(savedStates: Iterable<string>): Set<string> {
  const days = new Set<string>()
  for (const s of savedStates) {
    if (!s.includes('"cursorCsvDays"')) continue
    try {
      for (const d of (JSON.parse(s) as Partial<CursorCsvState>).cursorCsvDays ?? []) days.add(d)
    } catch {
      /* not ours */
    }
  }
  return days
}

/** Header names compared without case, spaces or punctuation ("Input (w/ Cache Write)" = "inputwcachewrite"). */
const norm = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '')

/** A non-negative number from a cell ("1,234", "$0.19"); undefined when empty, NaN when not a number. */
function amount(cell: string | undefined): number | undefined {
  if (cell === undefined) return undefined
  const t = cell.trim().replace(/^\$/, '').replace(/,/g, '')
  if (t === '') return undefined
  const n = Number(t)
  return Number.isFinite(n) && n >= 0 ? n : Number.NaN
}

/** A whole token count from a cell ("1,234"; empty = 0), or NaN. */
function count(cell: string | undefined): number {
  const n = amount(cell)
  if (n === undefined) return 0
  return Number.isSafeInteger(n) ? n : Number.NaN
}

/** Why a text is not a Cursor usage export; undefined when it is one. */
export function notCursorExport(text: string): string | undefined {
  let header: string[] | undefined
  try {
    header = (parse(text.replace(/^\uFEFF/, ''), { to_line: 1, relax_column_count: true, trim: true }) as string[][])[0]
  } catch (err) {
    return `not a CSV file (${(err as Error).message})`
  }
  if (!header) return 'the file is empty'
  const h = new Set(header.map(norm))
  if (h.has('inputwcachewrite') && h.has('inputwocachewrite') && h.has('date')) return undefined
  return `not Cursor's usage export (headers: ${header.join(', ')}); export it from Cursor's dashboard (Usage, Export CSV)`
}

/**
 * Cursor's dashboard usage export (`Date,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o
 * Cache Write),Cache Read,Output Tokens,Total Tokens,Cost`; later versions add columns, found by
 * name). Each row is one request at its `Date`: "Input (w/o Cache Write)" is the plain input and
 * "Input (w/ Cache Write)" the cache-write count (the four sum to Total Tokens). Cursor's `Cost`
 * is kept as the reported cost when positive. Key: the row's instant, model and kind, with its
 * position among identical ones, so overlapping exports of the same days count each request once.
 * The CSV is the account's own record: for each UTC day it has rows on, it replaces what
 * state.vscdb gave (docs/SOURCES.md, "Cursor").
 */
export const cursorCsvParser: DocumentParser<CursorCsvState> = {
  source: 'cursor',
  initialState: () => ({ cursorCsvDays: [] }),
  parseDocument(text, state, ctx): RecordsOutcome<CursorCsvState> {
    const why = notCursorExport(text)
    if (why !== undefined)
      return { events: [], records: 1, skips: [why.startsWith('not a CSV') ? 'malformed-csv' : 'unknown-shape'], state }
    let records: string[][]
    try {
      records = parse(text.replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][]
    } catch {
      // A half-written export (a quote left open): what was counted stays, the file is read again when whole.
      return { events: [], records: 1, skips: ['malformed-csv'], state }
    }
    const [header = [], ...body] = records
    const col = new Map(header.map((h, i) => [norm(h), i]))
    const cell = (cells: string[], name: string): string | undefined => {
      const i = col.get(norm(name))
      return i === undefined ? undefined : cells[i]
    }
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    const seen = new Map<string, number>()
    const days = new Set<string>()
    for (const cells of body) {
      const ts = Date.parse(cell(cells, 'Date') ?? '')
      const model = (cell(cells, 'Model') ?? '').trim() || 'cursor-unknown'
      const kind = (cell(cells, 'Kind') ?? '').trim()
      const input = count(cell(cells, 'Input (w/o Cache Write)'))
      const cacheWrite = count(cell(cells, 'Input (w/ Cache Write)'))
      const cacheRead = count(cell(cells, 'Cache Read'))
      const output = count(cell(cells, 'Output Tokens'))
      const cost = amount(cell(cells, 'Cost'))
      if (
        [input, cacheWrite, cacheRead, output].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS) ||
        Number.isNaN(ts) ||
        Number.isNaN(cost)
      ) {
        skips.push('bad-field')
        continue
      }
      if (!plausibleTime(ts)) {
        skips.push('implausible-time')
        continue
      }
      const day = new Date(ts).toISOString().slice(0, 10)
      days.add(day)
      if (input + cacheWrite + cacheRead + output === 0) continue
      const id = `${new Date(ts).toISOString()}:${model}:${kind}`
      const n = seen.get(id) ?? 0
      seen.set(id, n + 1)
      const event: UsageEvent = {
        key: `cursor:csv:${id}:${n}`,
        ts,
        source: 'cursor',
        userId: ctx.userId,
        agentId: 'cursor',
        project: 'cursor',
        sessionId: `cursor-csv:${day}`,
        model,
        input,
        output,
        cacheRead,
        cacheWrite,
        cacheWrite1h: 0,
      }
      if (cost !== undefined && cost > 0) event.reportedCostUsd = cost
      events.push(event)
    }
    const shared = csvDays(ctx)
    for (const d of days) shared.add(d)
    const supersede: Supersede[] = [...days].sort().map((d) => {
      const from = Date.parse(`${d}T00:00:00Z`)
      return { keyPrefix: DB_KEY_PREFIX, from, to: from + DAY_MS }
    })
    return { events, records: body.length, skips, state: { cursorCsvDays: [...days].sort() }, supersede }
  },
}
