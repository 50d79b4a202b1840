/**
 * The local-day rollups (`usage_days`, and `usage_days_model` summed over every name but the
 * model): for each zone a dashboard asked for (at most MAX_ROLLUP_ZONES), the quarter-hour
 * aggregates at local-day resolution, so a long-range report reads days, not quarter-hours.
 */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import { DAY_MS as DAY, HOUR_MS as HOUR, QUARTER_MS as QUARTER, offsetMs, offsetSegments } from '../../shared/time-zone'
import {
  ADD_MEASURES_ON_CONFLICT,
  DIMENSION_COLUMNS,
  DIMENSIONS,
  MEASURE_COLUMNS,
  MEASURES,
  MEASURES_FROM_LEDGER,
  SUM_OF_MEASURES,
  addMeasures,
  dimensionValues,
  measureValues,
  namesOf,
  placeholders,
  zeroMeasures,
  type Measures,
} from './measures'
import type { AggregateDelta, BatchChanges, Projection } from './types'

/** Zones kept as local-day rollups at once: each is a copy of the aggregates at day resolution. */
export const MAX_ROLLUP_ZONES = 4

/** The zones whose local-day rollups exist (and are kept current by every commit). */
export function rollupZones(db: Database.Database): string[] {
  return (db.prepare('SELECT tz FROM rollup_zones ORDER BY tz').all() as { tz: string }[]).map((r) => r.tz)
}

/**
 * (Re)builds zone `tz`'s local-day rows from the quarter-hour aggregates, for every model or
 * one. A stretch of constant UTC offset at a time; a local day cut by a DST change gets both parts.
 */
export function rebuildRollup(store: Store, tz: string, model?: string): void {
  const db = store.db
  const byModel = model === undefined ? '' : ' AND model = ?'
  const extra = model === undefined ? [] : [model]
  db.prepare(`DELETE FROM usage_days WHERE tz = ?${byModel}`).run(tz, ...extra)
  const r = db
    .prepare('SELECT (SELECT min(bucket_start) FROM usage_buckets) AS lo, (SELECT max(bucket_start) FROM usage_buckets) AS hi')
    .get() as { lo: number | null; hi: number | null }
  if (r.lo === null || r.hi === null) return
  const insert = db.prepare(`INSERT INTO usage_days (tz, day, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS})
    SELECT ?, (bucket_start + CAST(? AS INTEGER)) / ${DAY} AS d, ${DIMENSION_COLUMNS}, ${SUM_OF_MEASURES}
    FROM usage_buckets WHERE bucket_start >= ? AND bucket_start < ?${byModel}
    GROUP BY d, ${DIMENSION_COLUMNS}
    ${ADD_MEASURES_ON_CONFLICT}`)
  for (const seg of offsetSegments(r.lo, r.hi + QUARTER, tz)) insert.run(tz, seg.offset, seg.from, seg.to, ...extra)
  rebuildModelDays(db, tz, model)
}

/** (Re)builds zone `tz`'s model-only day rows (for one model or all) from its full day rows. */
function rebuildModelDays(db: Database.Database, tz: string, model?: string): void {
  const byModel = model === undefined ? '' : ' AND model = ?'
  const extra = model === undefined ? [] : [model]
  db.prepare(`DELETE FROM usage_days_model WHERE tz = ?${byModel}`).run(tz, ...extra)
  db.prepare(
    `INSERT INTO usage_days_model (tz, day, model, ${MEASURE_COLUMNS})
    SELECT tz, day, model, ${SUM_OF_MEASURES} FROM usage_days WHERE tz = ?${byModel} GROUP BY day, model`,
  ).run(tz, ...extra)
}

/**
 * Makes sure zone `tz` has a rollup (building it now if there is room); returns whether it has.
 * Only the store's writer may call this: its commits keep the rollup current from then on.
 */
export function ensureRollup(store: Store, tz: string): boolean {
  const zones = rollupZones(store.db)
  if (zones.includes(tz)) return true
  if (zones.length >= MAX_ROLLUP_ZONES) return false
  store.db
    .transaction(() => {
      rebuildRollup(store, tz)
      store.db.prepare('INSERT INTO rollup_zones (tz, built_at) VALUES (?, ?)').run(tz, Date.now())
    })
    .immediate()
  return true
}

const offsets = new Map<string, number>()

/** The local day (days since the epoch, local) of a quarter-hour in `tz`, offsets cached per hour. */
function localDayNumber(tz: string, bucket: number): number {
  const hour = bucket - (bucket % HOUR)
  const k = `${tz}\u0000${hour}`
  let off = offsets.get(k)
  if (off === undefined) {
    if (offsets.size > 200_000) offsets.clear()
    // Offsets change on quarter-hours, not always on hours: ask for the quarter itself then.
    off = offsetMs(bucket, tz)
    if (offsetMs(hour, tz) === off && offsetMs(hour + HOUR - 1, tz) === off) offsets.set(k, off)
  }
  return Math.floor((bucket + off) / DAY)
}

interface LedgerStatements {
  range: Database.Statement
  days: Database.Statement
  modelDays: Database.Statement
}

const ledgerStatements = new WeakMap<Database.Database, LedgerStatements>()

/**
 * Adds the ledger rows with a rowid above `since` (a commit's new records) to zone `tz`'s day
 * rows, in SQL: a stretch of constant UTC offset at a time, their quarter-hours grouped by local
 * day exactly as rebuildRollup groups the aggregates.
 */
function addLedgerRows(db: Database.Database, tz: string, since: number): void {
  let s = ledgerStatements.get(db)
  if (!s) {
    const bucket = `(ts - (ts % ${QUARTER}))`
    const where = `rowid > ? AND ${bucket} >= ? AND ${bucket} < ?`
    s = {
      range: db.prepare(`SELECT min(${bucket}) AS lo, max(${bucket}) AS hi FROM usage_events WHERE rowid > ?`),
      days: db.prepare(`INSERT INTO usage_days (tz, day, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS})
        SELECT ?, (${bucket} + CAST(? AS INTEGER)) / ${DAY} AS d, ${DIMENSION_COLUMNS}, ${MEASURES_FROM_LEDGER}
        FROM usage_events WHERE ${where} GROUP BY d, ${DIMENSION_COLUMNS} ${ADD_MEASURES_ON_CONFLICT}`),
      modelDays: db.prepare(`INSERT INTO usage_days_model (tz, day, model, ${MEASURE_COLUMNS})
        SELECT ?, (${bucket} + CAST(? AS INTEGER)) / ${DAY} AS d, model, ${MEASURES_FROM_LEDGER}
        FROM usage_events WHERE ${where} GROUP BY d, model ${ADD_MEASURES_ON_CONFLICT}`),
    }
    ledgerStatements.set(db, s)
  }
  const r = s.range.get(since) as { lo: number | null; hi: number | null }
  if (r.lo === null || r.hi === null) return
  for (const seg of offsetSegments(r.lo, r.hi + QUARTER, tz)) {
    s.days.run(tz, seg.offset, since, seg.from, seg.to)
    s.modelDays.run(tz, seg.offset, since, seg.from, seg.to)
  }
}

interface DayStatements {
  add: Database.Statement
  drop: Database.Statement
  addModel: Database.Statement
  dropModel: Database.Statement
}

const dayStatements = new WeakMap<Database.Database, DayStatements>()

function prepareDays(db: Database.Database): DayStatements {
  let s = dayStatements.get(db)
  if (s) return s
  s = {
    add: db.prepare(`INSERT INTO usage_days (tz, day, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS})
      VALUES (${placeholders(2 + DIMENSIONS.length + MEASURES.length)}) ${ADD_MEASURES_ON_CONFLICT}`),
    drop: db.prepare(
      `DELETE FROM usage_days WHERE tz = ? AND day = ? AND ${DIMENSIONS.map((d) => `${d.column} = ?`).join(' AND ')} AND requests = 0`,
    ),
    addModel: db.prepare(`INSERT INTO usage_days_model (tz, day, model, ${MEASURE_COLUMNS})
      VALUES (${placeholders(3 + MEASURES.length)}) ${ADD_MEASURES_ON_CONFLICT}`),
    dropModel: db.prepare('DELETE FROM usage_days_model WHERE tz = ? AND day = ? AND model = ? AND requests = 0'),
  }
  dayStatements.set(db, s)
  return s
}

/** A local day's delta: the names of a quarter-hour delta, the day, and the sums. */
interface DayDelta {
  day: number
  names: AggregateDelta
  sums: Measures
}

/**
 * Applies a commit's quarter-hour deltas to every zone's rollup, in the same transaction, and
 * drops day rows a correction emptied.
 */
export function applyRollupDeltas(db: Database.Database, zones: string[], rows: Iterable<AggregateDelta>): void {
  if (zones.length === 0) return
  const s = prepareDays(db)
  const list = [...rows]
  for (const tz of zones) {
    const days = new Map<string, DayDelta>()
    const byModel = new Map<string, DayDelta>()
    for (const row of list) {
      const day = localDayNumber(tz, row.bucket)
      const k = `${day}\u0000${namesOf(row)}`
      let acc = days.get(k)
      if (!acc) days.set(k, (acc = { day, names: row, sums: zeroMeasures() }))
      addMeasures(acc.sums, row.sums)
      const mk = `${day}\u0000${row.model}`
      let m = byModel.get(mk)
      if (!m) byModel.set(mk, (m = { day, names: row, sums: zeroMeasures() }))
      addMeasures(m.sums, row.sums)
    }
    for (const d of days.values()) {
      const id = [tz, d.day, ...dimensionValues(d.names)]
      s.add.run(...id, ...measureValues(d.sums))
      if (d.sums.requests < 0) s.drop.run(...id)
    }
    for (const m of byModel.values()) {
      const id = [tz, m.day, m.names.model]
      s.addModel.run(...id, ...measureValues(m.sums))
      if (m.sums.requests < 0) s.dropModel.run(...id)
    }
  }
}

export const rollup: Projection = {
  name: 'local-day rollups',
  tables: ['usage_days', 'usage_days_model', 'rollup_zones'],
  costed: true,
  answers: ['report and reportCsv over long ranges in a rolled-up zone'],

  apply(db: Database.Database, changes: BatchChanges): void {
    const zones = rollupZones(db)
    if (changes.ledgerSince !== null) for (const tz of zones) addLedgerRows(db, tz, changes.ledgerSince)
    applyRollupDeltas(db, zones, changes.rows.values())
  },

  /** From the quarter-hour aggregates (rebuilt first), for every zone rolled up. */
  rebuild(store: Store, model?: string): void {
    for (const tz of rollupZones(store.db)) rebuildRollup(store, tz, model)
  },
}
