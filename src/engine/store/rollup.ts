import type Database from 'better-sqlite3'
import type { Store } from './open-store'
import { DAY_MS as DAY, HOUR_MS as HOUR, QUARTER_MS as QUARTER, offsetMs, offsetSegments } from '../../shared/time-zone'

/** Zones kept as local-day rollups at once: each is a copy of the aggregates at day resolution. */
export const MAX_ROLLUP_ZONES = 4

/** The eight sums every aggregate table (quarter-hours, days, model days) keeps, in column order. */
export const SUM_COLUMNS = 'input, output, cache_read, cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests'

/** An upsert's conflict clause that adds the new row's sums to the stored row's. */
export const ADD_SUMS_ON_CONFLICT = `ON CONFLICT DO UPDATE SET ${SUM_COLUMNS.split(', ').map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`

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
  const r = db.prepare('SELECT (SELECT min(bucket_start) FROM usage_buckets) AS lo, (SELECT max(bucket_start) FROM usage_buckets) AS hi')
    .get() as { lo: number | null; hi: number | null }
  if (r.lo === null || r.hi === null) return
  const insert = db.prepare(`INSERT INTO usage_days (tz, day, source, user_id, agent_id, project, model, ${SUM_COLUMNS})
    SELECT ?, (bucket_start + CAST(? AS INTEGER)) / ${DAY} AS d, source, user_id, agent_id, project, model,
      sum(input), sum(output), sum(cache_read), sum(cache_write), sum(requests), sum(cost_nusd), sum(unpriced_tokens), sum(unpriced_requests)
    FROM usage_buckets WHERE bucket_start >= ? AND bucket_start < ?${byModel}
    GROUP BY d, source, user_id, agent_id, project, model
    ${ADD_SUMS_ON_CONFLICT}`)
  for (const seg of offsetSegments(r.lo, r.hi + QUARTER, tz)) insert.run(tz, seg.offset, seg.from, seg.to, ...extra)
  rebuildModelDays(db, tz, model)
}

/** (Re)builds zone `tz`'s model-only day rows (for one model or all) from its full day rows. */
function rebuildModelDays(db: Database.Database, tz: string, model?: string): void {
  const byModel = model === undefined ? '' : ' AND model = ?'
  const extra = model === undefined ? [] : [model]
  db.prepare(`DELETE FROM usage_days_model WHERE tz = ?${byModel}`).run(tz, ...extra)
  db.prepare(`INSERT INTO usage_days_model (tz, day, model, ${SUM_COLUMNS})
    SELECT tz, day, model, sum(input), sum(output), sum(cache_read), sum(cache_write), sum(requests), sum(cost_nusd),
      sum(unpriced_tokens), sum(unpriced_requests) FROM usage_days WHERE tz = ?${byModel} GROUP BY day, model`).run(tz, ...extra)
}

/**
 * Makes sure zone `tz` has a rollup (building it now if there is room); returns whether it has.
 * Only the store's writer may call this: its commits keep the rollup current from then on.
 */
export function ensureRollup(store: Store, tz: string): boolean {
  const zones = rollupZones(store.db)
  if (zones.includes(tz)) return true
  if (zones.length >= MAX_ROLLUP_ZONES) return false
  store.db.transaction(() => {
    rebuildRollup(store, tz)
    store.db.prepare('INSERT INTO rollup_zones (tz, built_at) VALUES (?, ?)').run(tz, Date.now())
  }).immediate()
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

/**
 * Applies a commit's aggregate deltas (rows as applyBatch builds them: bucket_start, source,
 * user, agent, project, model, then the eight sums) to every zone's rollup, in the same
 * transaction, and drops day rows a correction emptied.
 */
export function applyRollupDeltas(db: Database.Database, zones: string[], rows: Iterable<(string | number)[]>): void {
  if (zones.length === 0) return
  const add = db.prepare(`INSERT INTO usage_days (tz, day, source, user_id, agent_id, project, model, ${SUM_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ${ADD_SUMS_ON_CONFLICT}`)
  const drop = db.prepare(`DELETE FROM usage_days WHERE tz = ? AND day = ? AND source = ? AND user_id = ? AND agent_id = ?
    AND project = ? AND model = ? AND requests = 0`)
  const addModel = db.prepare(`INSERT INTO usage_days_model (tz, day, model, ${SUM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ${ADD_SUMS_ON_CONFLICT}`)
  const dropModel = db.prepare('DELETE FROM usage_days_model WHERE tz = ? AND day = ? AND model = ? AND requests = 0')
  const list = [...rows]
  for (const tz of zones) {
    const byModel = new Map<string, (string | number)[]>()
    const days = new Map<string, (string | number)[]>()
    for (const row of list) {
      const day = localDayNumber(tz, row[0] as number)
      const k = `${day}\u0000${row.slice(1, 6).join('\u0000')}`
      let acc = days.get(k)
      if (!acc) days.set(k, (acc = [tz, day, ...row.slice(1, 6), 0, 0, 0, 0, 0, 0, 0, 0]))
      for (let i = 0; i < 8; i++) acc[7 + i] = (acc[7 + i] as number) + (row[6 + i] as number)
      const mk = `${day}\u0000${row[5] as string}`
      let m = byModel.get(mk)
      if (!m) byModel.set(mk, (m = [tz, day, row[5] as string, 0, 0, 0, 0, 0, 0, 0, 0]))
      for (let i = 0; i < 8; i++) m[3 + i] = (m[3 + i] as number) + (row[6 + i] as number)
    }
    for (const acc of days.values()) {
      add.run(acc)
      if ((acc[11] as number) < 0) drop.run(acc.slice(0, 7))
    }
    for (const m of byModel.values()) {
      addModel.run(m)
      if ((m[7] as number) < 0) dropModel.run(m.slice(0, 3))
    }
  }
}
