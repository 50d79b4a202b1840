import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { plausibleTime } from '../parse-helpers'
import type { DatabaseReader, FileContext, RecordsOutcome, SkipReason } from '../types'

/** What was counted of one session so far: input, output (with reasoning), cache read, cache write, cost (nano-USD), increments. */
type Counted = [number, number, number, number, number, number]

/** The cursor kept in our store: per session, the running totals already counted. */
export interface HermesState {
  sessions: Record<string, Counted>
}

type Row = Record<string, unknown>

const COLUMNS = [
  'id',
  'model',
  'cwd',
  'git_repo_root',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'estimated_cost_usd',
  'actual_cost_usd',
  'started_at',
  'last_activity_at',
  'ended_at',
]

/** A count column: a non-negative integer (REAL columns truncated); NaN when it is something else. */
function count(v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.trunc(v)
  if (typeof v === 'bigint' && v >= 0n) return Number(v)
  return Number.NaN
}

/** Hermes writes epoch seconds (REAL); epoch ms is taken too. */
function instant(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return Number.NaN
  return Math.trunc(v > 1e12 ? v : v * 1000)
}

function costNano(r: Row): number {
  for (const c of [r.actual_cost_usd, r.estimated_cost_usd]) {
    if (typeof c === 'number' && Number.isFinite(c) && c > 0) return Math.round(c * 1e9)
  }
  return 0
}

/**
 * Hermes Agent's `state.db`: one `sessions` row per session holding its running totals
 * (`input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `reasoning_tokens`,
 * costs), updated in place as the session goes on. The totals are diffed against what was counted
 * (kept in our store): a session first seen counts whole at its `started_at` (a backfill knows no
 * better, as ccusage), and what it grows by later counts as a new increment stamped by the row's
 * last activity (`last_activity_at`, else `ended_at`) or, without one, when it was read: while the
 * app runs, that is the hour it happened. Reasoning counts as output. A total that shrinks (a
 * rewritten row) only moves the baseline: what was counted stays counted.
 */
export function hermesReader(now: () => number = Date.now): DatabaseReader<HermesState> {
  return {
    source: 'hermes',
    initialState: () => ({ sessions: {} }),
    readRows(db: Database.Database, state, ctx: FileContext): RecordsOutcome<HermesState> & { done: boolean; bytes: number } {
      // Only the columns counted (a row also holds the system prompt and model config), those this schema has.
      const have = new Set((db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name))
      const cols = COLUMNS.filter((c) => have.has(c)).join(', ')
      const rows = db
        .prepare(`SELECT ${cols} FROM sessions WHERE model IS NOT NULL AND trim(model) != '' ORDER BY started_at, id`)
        .all() as Row[]
      const sessions = { ...state.sessions }
      const events: UsageEvent[] = []
      const skips: SkipReason[] = []
      for (const r of rows) {
        const id = (typeof r.id === 'string' && r.id.length > 0) || typeof r.id === 'number' ? String(r.id) : undefined
        const totals = [
          count(r.input_tokens),
          count(r.output_tokens) + count(r.reasoning_tokens),
          count(r.cache_read_tokens),
          count(r.cache_write_tokens),
        ]
        const started = instant(r.started_at)
        if (!id || totals.some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS * 1000) || Number.isNaN(started)) {
          skips.push('bad-field')
          continue
        }
        if (!plausibleTime(started)) {
          skips.push('implausible-time')
          continue
        }
        const cost = costNano(r)
        const before = sessions[id]
        const delta = totals.map((n, i) => n - (before ? (before[i] ?? 0) : 0))
        const steps = before ? before[5] : 0
        if (delta.some((d) => d < 0)) {
          // A shrunk total: re-baseline, never un-count.
          sessions[id] = [...totals, cost, steps] as Counted
          continue
        }
        if (delta.every((d) => d === 0)) continue
        const last = instant(r.last_activity_at ?? r.ended_at)
        const ts = before ? (Number.isNaN(last) ? now() : Math.max(last, started)) : started
        const event: UsageEvent = {
          key: `hermes:${id}:${steps}`,
          ts,
          source: 'hermes',
          userId: ctx.userId,
          agentId: 'hermes',
          project:
            typeof r.cwd === 'string' && r.cwd !== ''
              ? r.cwd
              : typeof r.git_repo_root === 'string' && r.git_repo_root !== ''
                ? r.git_repo_root
                : 'hermes',
          sessionId: id,
          model: String(r.model).trim(),
          input: delta[0] ?? 0,
          output: delta[1] ?? 0,
          cacheRead: delta[2] ?? 0,
          cacheWrite: delta[3] ?? 0,
          cacheWrite1h: 0,
        }
        const costDelta = cost - (before ? before[4] : 0)
        if (costDelta > 0) event.reportedCostUsd = costDelta / 1e9
        events.push(event)
        sessions[id] = [...totals, cost, steps + 1] as Counted
      }
      return { events, records: rows.length, skips, state: { sessions }, done: true, bytes: rows.length * 200 }
    },
  }
}
