import type { Figures, GroupDim, Report, ReportQuery, ReportRow, UsageFilter } from '../../shared/contract'
import { assertNever } from '../../shared/assert-never'
import type { Store } from '../store/open-store'
import { DAY_MS as DAY, HOUR_MS as HOUR, QUARTER_MS as QUARTER, offsetMs, offsetSegments, ymdOf } from '../../shared/time-zone'
import { ensureRollup, rollupZones } from '../projections/rollup'
import { addSums, type StoredSums } from '../store/sums'
import { machineIdentity } from '../store/changes'

/** Integer sums as SQL returns them; money in nano-USD. */
type Sums = StoredSums

export type TimeDim = 'hour' | 'day' | 'week' | 'month'
/** Dimensions held in a store column; `machine` is not: a store is one machine. */
export type ColumnDim = Exclude<GroupDim, TimeDim | 'machine'>

export function isTimeDim(d: GroupDim): d is TimeDim {
  return d === 'hour' || d === 'day' || d === 'week' || d === 'month'
}

/** A dimension read from a store column (neither time nor the machine). */
export function isColumnDim(d: GroupDim): d is ColumnDim {
  return !isTimeDim(d) && d !== 'machine'
}

/** The label a store's rows get for `machine`: the given one, else the store's machine name. */
export function machineLabelOf(store: Store, groupBy: readonly GroupDim[], given?: string): string {
  if (given !== undefined || !groupBy.includes('machine')) return given ?? ''
  return machineIdentity(store).name
}

export function column(d: ColumnDim): string {
  switch (d) {
    case 'model':
      return 'model'
    case 'agent':
      return 'agent_id'
    case 'user':
      return 'user_id'
    case 'project':
      return 'project'
    case 'source':
      return 'source'
    case 'session':
      return 'session_id'
    default:
      return assertNever(d)
  }
}

/** Which table answers a query: the quarter-hour aggregates, or the ledger when sessions matter. */
interface Table {
  name: string
  time: string
  sums: string
}

const BUCKETS: Table = {
  name: 'usage_buckets',
  time: 'bucket_start',
  sums: `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
    sum(requests) AS requests, sum(cost_nusd) AS costNanoUsd, sum(unpriced_tokens) AS unpricedTokens`,
}

const LEDGER: Table = {
  name: 'usage_events',
  time: 'ts',
  sums: `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
    count(*) AS requests, sum(coalesce(cost_nusd, 0)) AS costNanoUsd,
    sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END) AS unpricedTokens`,
}

/** SQL conditions and parameters for a filter's dimension lists (not its time range). */
export function filterClause(f: UsageFilter): { sql: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  const lists: [string, readonly string[] | undefined][] = [
    ['user_id', f.users],
    ['agent_id', f.agents],
    ['project', f.projects],
    ['model', f.models],
    ['source', f.sources],
    ['session_id', f.sessions],
  ]
  for (const [col, values] of lists) {
    if (!values || values.length === 0) continue
    parts.push(`${col} IN (${values.map(() => '?').join(', ')})`)
    params.push(...values)
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params }
}

/**
 * A local store is its own machine: a `machines` filter naming it (by name or id) is no filter,
 * one that leaves it out selects nothing (an empty range).
 */
export function localMachineFilter<F extends UsageFilter>(store: Store, f: F): F {
  if (!f.machines) return f
  const { machines, ...rest } = f
  const me = machineIdentity(store)
  return (machines.includes(me.name) || machines.includes(me.id) ? rest : { ...rest, from: 0, to: 0 }) as F
}

/** The span [from, to) a filter covers, clamped to stored data; null when there is none. */
function span(store: Store, table: Table, f: UsageFilter): { from: number; to: number } | null {
  // Two scalar subqueries: each min() or max() alone is an index seek; together in one SELECT
  // they would scan the table.
  const r = store.db
    .prepare(
      `SELECT (SELECT min(${table.time}) FROM ${table.name}) AS lo,
    (SELECT max(${table.time}) FROM ${table.name}) AS hi`,
    )
    .get() as {
    lo: number | null
    hi: number | null
  }
  if (r.lo === null || r.hi === null) return null
  const from = Math.max(f.from ?? r.lo, r.lo)
  const to = Math.min(f.to ?? Infinity, r.hi + QUARTER)
  return from < to ? { from, to } : null
}

function zero(): Sums {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costNanoUsd: 0, unpricedTokens: 0 }
}

/** Converts integer sums to the contract's figures (USD at the edge). */
export function toFigures(s: Sums): Figures {
  return {
    input: s.input,
    output: s.output,
    cacheRead: s.cacheRead,
    cacheWrite: s.cacheWrite,
    requests: s.requests,
    costUsd: s.costNanoUsd / 1e9,
    unpricedTokens: s.unpricedTokens,
  }
}

export function timeLabel(d: TimeDim, localMs: number): string {
  const iso = new Date(localMs).toISOString()
  switch (d) {
    case 'hour':
      return `${iso.slice(0, 13)}:00`
    case 'day':
      return iso.slice(0, 10)
    case 'week': {
      const dayStart = localMs - (localMs % DAY)
      const weekday = (new Date(dayStart).getUTCDay() + 6) % 7 // Monday = 0
      return ymdOf(dayStart - weekday * DAY)
    }
    case 'month':
      return iso.slice(0, 7)
    default:
      return assertNever(d)
  }
}

export interface ReportOptions {
  /** The store's writer may build the zone's local-day rollup on first use (readers may not). */
  buildRollup?: boolean
  /** The `machine` label of this store's rows (default: the store's machine name). */
  machine?: string
}

type Collect = (row: Sums & { tu: number } & Record<string, string>, unit: number) => void

/** Whether an instant is a local midnight in `tz` (or open-ended). */
function isLocalMidnight(tz: string, t: number | undefined): boolean {
  return t === undefined || (t + offsetMs(t, tz)) % DAY === 0
}

/** The local day number (days since the epoch, local) that begins at local midnight `t`. */
function dayNumber(tz: string, t: number): number {
  return Math.round((t + offsetMs(t, tz)) / DAY)
}

/**
 * Sums from the zone's local-day rollup: for day, week and month reports (and none) over whole
 * local days, e.g. the dashboard's 7 d, 30 d, 90 d and all. Returns false when it cannot answer.
 */
function fromRollup(
  store: Store,
  q: ReportQuery,
  colDims: ColumnDim[],
  timed: boolean,
  opts: ReportOptions,
  collect: Collect,
  unpriced: Set<string>,
): boolean {
  if (q.groupBy.includes('hour') || !isLocalMidnight(q.tz, q.from) || !isLocalMidnight(q.tz, q.to)) return false
  if (!rollupZones(store.db).includes(q.tz) && !(opts.buildRollup && ensureRollup(store, q.tz))) return false
  const where = filterClause(q)
  // Grouped and filtered by nothing but the model: the model-only copy, a fraction of the rows.
  const byModelOnly =
    colDims.every((d) => d === 'model') && [q.users, q.agents, q.projects, q.sources, q.sessions].every((v) => (v?.length ?? 0) === 0)
  const days = byModelOnly ? 'usage_days_model' : 'usage_days'
  const range = [
    q.tz,
    q.from === undefined ? Number.MIN_SAFE_INTEGER : dayNumber(q.tz, q.from),
    q.to === undefined ? Number.MAX_SAFE_INTEGER : dayNumber(q.tz, q.to),
    ...where.params,
  ]
  const select = [timed ? 'day AS tu' : '0 AS tu', ...colDims.map((d) => `${column(d)} AS "${d}"`)].join(', ')
  const groupBy = ['tu', ...colDims.map((d) => `"${d}"`)].join(', ')
  const cond = `tz = ? AND day >= ? AND day < ?${where.sql}`
  const rows = store.db.prepare(`SELECT ${select}, ${BUCKETS.sums} FROM ${days} WHERE ${cond}
    GROUP BY ${groupBy} HAVING sum(requests) > 0`)
  for (const row of rows.iterate(...range) as Iterable<Sums & { tu: number } & Record<string, string>>) collect(row, DAY)
  const models = store.db.prepare(`SELECT DISTINCT model FROM ${days} WHERE ${cond} AND unpriced_requests > 0`)
  for (const r of models.iterate(...range) as Iterable<{ model: string }>) unpriced.add(r.model)
  return true
}

/**
 * Answers a report: sums grouped by the requested dimensions, with time dimensions bucketed in
 * the query's zone. Whole local days come from the zone's day rollup; otherwise SQL sums the
 * quarter-hour aggregates per stretch of constant UTC offset, so local days and hours are exact
 * in every zone (+05:30, +05:45, DST days) and JS only relabels the groups.
 */
export function runReport(store: Store, q: ReportQuery, opts: ReportOptions = {}): Report {
  // The aggregates are exact only for ranges made of whole quarter-hours (every local day and
  // hour is one); a range cut elsewhere (e.g. "yesterday up to this time") is summed from the ledger.
  const cut = (t: number | undefined) => t !== undefined && t % QUARTER !== 0
  const useLedger = q.groupBy.includes('session') || (q.sessions?.length ?? 0) > 0 || cut(q.from) || cut(q.to)
  const table = useLedger ? LEDGER : BUCKETS
  const timeDims = q.groupBy.filter(isTimeDim)
  const colDims = q.groupBy.filter(isColumnDim)
  const machine = machineLabelOf(store, q.groupBy, opts.machine)
  const unit = timeDims.includes('hour') ? HOUR : DAY
  const cols = colDims.map((d) => `${column(d)} AS "${d}"`)
  const groups = new Map<string, { labels: Partial<Record<GroupDim, string>>; sums: Sums }>()
  const unpriced = new Set<string>()
  // A year of days by model is thousands of rows: label each time unit once, not once per row.
  const labelCache = new Map<number, string>()
  const labelOf = (d: TimeDim, localMs: number): string => {
    if (timeDims.length !== 1) return timeLabel(d, localMs)
    let l = labelCache.get(localMs)
    if (l === undefined) labelCache.set(localMs, (l = timeLabel(d, localMs)))
    return l
  }
  const label = (d: GroupDim, row: Record<string, unknown> & { tu: number }, rowUnit: number): string =>
    isTimeDim(d) ? labelOf(d, row.tu * rowUnit) : d === 'machine' ? machine : String(row[d])
  const collect: Collect = (row, rowUnit) => {
    let k = ''
    for (const d of q.groupBy) k += `${label(d, row, rowUnit)}\u0000`
    let g = groups.get(k)
    if (!g) {
      const labels: Partial<Record<GroupDim, string>> = {}
      for (const d of q.groupBy) labels[d] = label(d, row, rowUnit)
      groups.set(k, (g = { labels, sums: zero() }))
    }
    addSums(g.sums, row)
  }
  const range = !useLedger && fromRollup(store, q, colDims, timeDims.length > 0, opts, collect, unpriced) ? null : span(store, table, q)
  if (range) {
    const where = filterClause(q)
    const segments = timeDims.length ? offsetSegments(range.from, range.to, q.tz) : [{ ...range, offset: 0 }]
    // Integer division in SQL: the offset is cast so a bound JS number cannot make it REAL.
    const select = [timeDims.length ? `(${table.time} + CAST(? AS INTEGER)) / ${unit} AS tu` : '0 AS tu', ...cols].join(', ')
    const groupBy = ['tu', ...colDims.map((d) => `"${d}"`)].join(', ')
    const stmt = store.db.prepare(`SELECT ${select}, ${table.sums} FROM ${table.name}
      WHERE ${table.time} >= ? AND ${table.time} < ?${where.sql} GROUP BY ${groupBy}`)
    for (const seg of segments) {
      const params = timeDims.length ? [seg.offset, seg.from, seg.to, ...where.params] : [seg.from, seg.to, ...where.params]
      for (const row of stmt.iterate(...params) as Iterable<Sums & { tu: number } & Record<string, string>>) collect(row, unit)
    }
    const models = store.db.prepare(`SELECT DISTINCT model FROM ${table.name}
      WHERE ${table.time} >= ? AND ${table.time} < ?${where.sql} AND ${useLedger ? 'cost_nusd IS NULL' : 'unpriced_requests > 0'}`)
    for (const r of models.iterate(range.from, range.to, ...where.params) as Iterable<{ model: string }>) unpriced.add(r.model)
  }
  const total = zero()
  const rows: ReportRow[] = [...groups.values()]
    .sort((a, b) => compareLabels(q.groupBy, a.labels, b.labels))
    .map((g) => {
      addSums(total, g.sums)
      return Object.assign(g.labels, toFigures(g.sums))
    })
  return { rows, totals: toFigures(total), unpricedModels: [...unpriced].sort() }
}

function compareLabels(dims: GroupDim[], a: Partial<Record<GroupDim, string>>, b: Partial<Record<GroupDim, string>>): number {
  for (const d of dims) {
    const x = a[d] ?? ''
    const y = b[d] ?? ''
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}
