import type Database from 'better-sqlite3'
import type { Coster } from '../pricing/types'
import { guardWal } from '../store/wal-guard'
import type { BulkLoad } from './bulk-load'
import type { SourceId, UsageEvent } from '../../shared/usage'
import type { Supersede } from '../sources/types'
import type { Store } from '../store/open-store'
import { applyProjections } from '../projections'
import { countEvent, isZero, namesOf, zeroMeasures } from '../projections/measures'
import type { AggregateDelta, BatchChanges, Span } from '../projections/types'
import { nextChangeSeq } from '../store/changes'
import { SumGuard } from './bounds'
import { mergeRecords } from './merge'
import { bucketOf, eventFromRow, hourOf, type EventRow, type LedgerEvent } from '../store/ledger'
import { findTwins } from './twins'
import { copilotRollups } from './copilot-rollups'

/** Where a file's reading stands after a batch; committed with the batch's events. */
export interface FileCheckpoint {
  path: string
  source: SourceId
  /** The offset the store held when this read began (null: the file was new). Guards against a
   * second writer: a batch whose file moved on meanwhile is dropped whole. */
  expectOffset: number | null
  offset: number
  size: number
  mtimeMs: number
  ino: number
  fingerprint: string
  /** The parser's state at `offset`, JSON. */
  state: string
  /** Counts for the bytes read in this batch (added to the file's totals; after a rewrite they replace them). */
  lines: number
  events: number
  skipped: number
  skipReasons: Record<string, number>
  /** The read restarted at 0 because the file was rewritten or truncated. */
  rewritten: boolean
}

/** Events from one file (or from pushed sources when `file` is absent). */
export interface FileBatch {
  file?: FileCheckpoint
  events: UsageEvent[]
  /** Records of the file's source this batch replaces: removed after its events are applied. */
  supersede?: Supersede[]
  /** The file's latest instant read, when `events` were already merged per key (else taken from them). */
  lastEventTs?: number | null
}

/** Prices one event: integer nano-USD, or null when its model has no known price. */
export type { Coster } from '../pricing/types'

export interface BatchResult {
  /** Keys seen for the first time. */
  inserted: number
  /** Stored records corrected by a re-seen key that carried more. */
  updated: number
  /** Re-seen keys (streamed lines, replays, repeated socket ids): never counted twice. */
  duplicates: number
  /** Files whose batch was dropped because another writer had moved them on. */
  stale: string[]
  /** Hour starts (epoch ms UTC) whose figures changed. */
  hours: Set<number>
  /**
   * Pushed events not stored because they would break a bound (docs/RELIABILITY.md): key ->
   * why. Such log events are counted in their file's skips as `too-large` instead.
   */
  refused: Map<string, string>
  /** Where the commit's time went (ms): merging and looking up keys, writing rows, committing. */
  stages: WriteStages
}

export interface WriteStages {
  dedupMs: number
  sqlMs: number
  commitMs: number
}

interface Statements {
  insertEvent: Database.Statement
  updateEvent: Database.Statement
  supersededOf: Database.Statement
  deleteEvent: Database.Statement
  getFileOffset: Database.Statement
  upsertFile: Database.Statement
  skipRefused: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()

function prepare(db: Database.Database): Statements {
  let s = statements.get(db)
  if (s) return s
  s = {
    insertEvent: db.prepare(`INSERT INTO usage_events (key, ts, source, user_id, agent_id, project, session_id, model,
      input, output, cache_read, cache_write, cache_write_1h, reported_cost_nusd, cost_nusd)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // The same parameters as insertEvent, the key moved last.
    updateEvent: db.prepare(`UPDATE usage_events SET ts = ?, source = ?, user_id = ?, agent_id = ?, project = ?,
      session_id = ?, model = ?, input = ?, output = ?, cache_read = ?, cache_write = ?, cache_write_1h = ?,
      reported_cost_nusd = ?, cost_nusd = ? WHERE key = ?`),
    supersededOf: db.prepare('SELECT * FROM usage_events WHERE key >= ? AND key < ? AND source = ? AND ts >= ? AND ts < ?'),
    deleteEvent: db.prepare('DELETE FROM usage_events WHERE key = ?'),
    getFileOffset: db.prepare('SELECT offset, skip_reasons FROM source_files WHERE path = ?'),
    upsertFile: db.prepare(`INSERT INTO source_files (path, source, size, mtime_ms, ino, offset, fingerprint, state,
      lines, events, skipped, skip_reasons, last_event_ts, rewrites, updated_at)
      VALUES (@path, @source, @size, @mtimeMs, @ino, @offset, @fingerprint, @state, @lines, @events, @skipped,
      @skipReasons, @lastEventTs, @rewrites, @now)
      ON CONFLICT DO UPDATE SET source = excluded.source, size = excluded.size, mtime_ms = excluded.mtime_ms,
      ino = excluded.ino, offset = excluded.offset, fingerprint = excluded.fingerprint, state = excluded.state,
      lines = CASE WHEN excluded.rewrites > 0 THEN excluded.lines ELSE lines + excluded.lines END,
      events = CASE WHEN excluded.rewrites > 0 THEN excluded.events ELSE events + excluded.events END,
      skipped = CASE WHEN excluded.rewrites > 0 THEN excluded.skipped ELSE skipped + excluded.skipped END,
      skip_reasons = excluded.skip_reasons,
      last_event_ts = max(coalesce(last_event_ts, 0), coalesce(excluded.last_event_ts, 0)),
      rewrites = rewrites + excluded.rewrites, updated_at = excluded.updated_at`),
    // Events a bound refused: skipped lines of their file, not events.
    skipRefused: db.prepare(`UPDATE source_files SET events = max(0, events - @n), skipped = skipped + @n,
      skip_reasons = json_set(skip_reasons, '$."too-large"', coalesce(json_extract(skip_reasons, '$."too-large"'), 0) + @n) WHERE path = @path`),
  }
  statements.set(db, s)
  return s
}

/** A ledger record as insertEvent's positional parameters: the key, then every column in order. */
function toParams(e: LedgerEvent): unknown[] {
  const reported = e.reportedCostUsd === undefined ? null : Math.round(e.reportedCostUsd * 1e9)
  return [
    e.key,
    e.ts,
    e.source,
    e.userId,
    e.agentId,
    e.project,
    e.sessionId,
    e.model,
    e.input,
    e.output,
    e.cacheRead,
    e.cacheWrite,
    e.cacheWrite1h,
    reported,
    e.costNanoUsd,
  ]
}

/** A session span's key: the session and the names of its requests. */
function spanKey(e: LedgerEvent, names: string): string {
  return `${e.sessionId}\u0000${names}`
}

/**
 * What a batch does to the derived tables, summed in memory so that each row is written once
 * per commit (the projections receive it as BatchChanges). Every key is built from `namesOf`
 * once per record.
 */
class BatchEffects implements BatchChanges {
  readonly rows = new Map<string, AggregateDelta>()
  readonly spans = new Map<string, Span>()
  readonly sessions = new Map<string, Map<string, Span>>()
  readonly moved = new Map<string, LedgerEvent>()
  seq = 0
  ledgerSince: number | null = null

  /** Adds (sign 1) or takes back (-1) a record's tokens, cost and request in its aggregate row. */
  count(e: LedgerEvent, names: string, sign: 1 | -1): void {
    const bucket = bucketOf(e.ts)
    const k = `${bucket}\u0000${names}`
    let row = this.rows.get(k)
    if (!row) {
      row = { bucket, source: e.source, userId: e.userId, agentId: e.agentId, project: e.project, model: e.model, sums: zeroMeasures() }
      this.rows.set(k, row)
    }
    countEvent(row.sums, e, sign)
  }

  /** Widens the record's span and its session's span to include it. */
  widen(e: LedgerEvent, names: string): void {
    widen(this.spans, spanKey(e, names), e)
    let bySession = this.sessions.get(e.source)
    if (!bySession) {
      bySession = new Map()
      this.sessions.set(e.source, bySession)
    }
    widen(bySession, e.sessionId, e)
  }

  /** Hour starts (epoch ms UTC) whose figures change. */
  hours(): Set<number> {
    const out = new Set<number>()
    for (const row of this.rows.values()) out.add(hourOf(row.bucket))
    return out
  }
}

/** Widens the span kept under `key` to include `e`. */
function widen(spans: Map<string, Span>, key: string, e: LedgerEvent): void {
  const span = spans.get(key)
  if (!span) spans.set(key, { e, firstTs: e.ts, lastTs: e.ts })
  else if (e.ts < span.firstTs) span.firstTs = e.ts
  else if (e.ts > span.lastTs) span.lastTs = e.ts
}

/** A pushed or parsed event as the ledger keeps it, with its cost. Built field by field (no spread: this runs per event). */
function ledgerEvent(ev: UsageEvent, cost: Coster): LedgerEvent {
  const e: LedgerEvent = {
    key: ev.key,
    ts: ev.ts,
    source: ev.source,
    userId: ev.userId,
    agentId: ev.agentId,
    project: ev.project,
    sessionId: ev.sessionId,
    model: ev.model,
    input: ev.input,
    output: ev.output,
    cacheRead: ev.cacheRead,
    cacheWrite: ev.cacheWrite,
    cacheWrite1h: ev.cacheWrite1h,
    costNanoUsd: cost(ev),
  }
  if (ev.reportedCostUsd !== undefined) e.reportedCostUsd = ev.reportedCostUsd
  return e
}

/**
 * A commit inserting at least this many records sums their effect on the derived tables in SQL
 * from the ledger rows (INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE) instead of per
 * record in JS: a cold backfill's 32 MiB commit inserts ~1,500 (docs/BENCHMARKS.md).
 */
export const SQL_SUMS_MIN_INSERTS = 64

export interface ApplyOptions {
  /** Bulk mode (bulk-load.ts): keys looked up in memory. */
  bulk?: BulkLoad | null
  /** Sum the new records in SQL from this many inserts on (default SQL_SUMS_MIN_INSERTS; Infinity: never, 0: always). */
  sqlSumsMin?: number
}

const lastRowids = new WeakMap<Database.Database, Database.Statement>()

/** The ledger's last rowid (0: empty). */
function lastRowid(db: Database.Database): number {
  let stmt = lastRowids.get(db)
  if (!stmt) lastRowids.set(db, (stmt = db.prepare('SELECT coalesce(max(rowid), 0) FROM usage_events').pluck()))
  return stmt.get() as number
}

/**
 * Records events in the ledger, applies their effect on the aggregates and moves the files'
 * offsets, all in one IMMEDIATE transaction: a crash at any instant leaves either all of it or none.
 * `alsoInTransaction` runs first inside that transaction.
 */
export function applyBatch(
  store: Store,
  batches: FileBatch[],
  cost: Coster,
  now = Date.now(),
  alsoInTransaction?: () => void,
  opts: ApplyOptions = {},
): BatchResult {
  const bulk = opts.bulk
  guardWal(store)
  const s = prepare(store.db)
  setDurability(
    store.db,
    batches.some((b) => !b.file),
  )
  const result: BatchResult = {
    inserted: 0,
    updated: 0,
    duplicates: 0,
    stale: [],
    hours: new Set(),
    refused: new Map(),
    stages: { dedupMs: 0, sqlMs: 0, commitMs: 0 },
  }
  const guard = new SumGuard(store.db)
  const t0 = performance.now()
  let t1 = t0
  let t2 = t0
  // Bulk mode (bulk-load.ts): keys looked up in memory; the keys this commit inserts, with their rowids.
  let inBulk = false
  const inserted: [string, number][] = []
  const run = store.db.transaction(() => {
    // 0. The caller's own rows that must commit with these events (the OTLP receiver's counts).
    alsoInTransaction?.()
    // 1. Merge this batch's sightings per key in memory (streamed lines often share a batch).
    const seen = new Map<string, LedgerEvent>()
    // The file each key was last seen in (none: pushed), to count a refused one where it came from.
    const origin = new Map<string, string | undefined>()
    const superseding: { source: SourceId; range: Supersede }[] = []
    for (const batch of batches) {
      const f = batch.file
      let skipReasons: Record<string, number> = {}
      if (f) {
        const row = s.getFileOffset.get(f.path) as { offset: number; skip_reasons: string } | undefined
        if ((row?.offset ?? null) !== f.expectOffset) {
          result.stale.push(f.path)
          continue
        }
        // Per-file counts describe the file as read: they add up across reads, per reason, and
        // start over when a rewrite made the read restart at 0 (else its lines count twice).
        skipReasons = row && !f.rewritten ? addCounts(JSON.parse(row.skip_reasons) as Record<string, number>, f.skipReasons) : f.skipReasons
      }
      if (f && batch.supersede) for (const range of batch.supersede) superseding.push({ source: f.source, range })
      for (const ev of batch.events) {
        const e = ledgerEvent(ev, cost)
        origin.set(e.key, f?.path)
        const prev = seen.get(e.key)
        if (!prev) {
          seen.set(e.key, e)
          continue
        }
        result.duplicates++
        const merged = mergeRecords(prev, e)
        if (merged) seen.set(e.key, merged)
      }
      if (f) {
        s.upsertFile.run({
          path: f.path,
          source: f.source,
          size: f.size,
          mtimeMs: f.mtimeMs,
          ino: f.ino,
          offset: f.offset,
          fingerprint: f.fingerprint,
          state: f.state,
          lines: f.lines,
          events: f.events,
          skipped: f.skipped,
          skipReasons: JSON.stringify(skipReasons),
          lastEventTs: batch.lastEventTs !== undefined ? batch.lastEventTs : lastTs(batch.events),
          rewrites: f.rewritten ? 1 : 0,
          now,
        })
      }
    }
    // 2. Fetch the stored records of keys seen before, many keys per query.
    inBulk = bulk?.usable() ?? false
    const stored = inBulk && bulk ? bulk.lookup(seen.keys()) : fetchStored(store.db, [...seen.keys()])
    // 2b. A request seen before under its other key (an agent's log and its OTLP event): merge
    // into that record (ingest/twins.ts).
    const twins = findTwins(store.db, seen.values(), stored)
    if (twins.size > 0) rekeyTwins(seen, twins, stored, result)
    // 2c. Copilot CLI's shutdown rollups count only beyond its chat spans (ingest/copilot-rollups.ts).
    const rollups = copilotRollups(store.db, seen, stored, (e) => ledgerEvent(e, cost))
    t1 = performance.now()
    // 3. Insert new keys; correct stored records where the new sighting carries more. A large
    // commit leaves its new records' effect on the derived tables to SQL (summed from the ledger
    // rows it inserted, all with a rowid above the ledger's last before it); corrections, and a
    // commit that supersedes records (which may take back some it inserted), are summed here.
    const fx = new BatchEffects()
    const newKeys = seen.size - stored.size
    const inSql = superseding.length === 0 && newKeys >= (opts.sqlSumsMin ?? SQL_SUMS_MIN_INSERTS)
    if (inSql) fx.ledgerSince = lastRowid(store.db)
    const newHours = new Set<number>()
    /** Removes a stored record, its aggregates and spans with it. */
    const dropStored = (kept: LedgerEvent): void => {
      const names = namesOf(kept)
      result.updated++
      fx.count(kept, names, -1)
      s.deleteEvent.run(kept.key)
      fx.moved.set(spanKey(kept, names), kept)
    }
    const refusedInFile = new Map<string, number>()
    for (const e of seen.values()) {
      const kept = stored.get(e.key)
      if (kept) result.duplicates++
      const forced = rollups.get(e.key)
      const current = forced !== undefined ? forced : kept ? mergeRecords(kept, e) : e
      if (!current) {
        if (forced === null && kept) dropStored(kept)
        continue
      }
      const why = guard.admit(current, kept)
      if (why !== undefined) {
        const path = origin.get(e.key)
        if (path === undefined) result.refused.set(e.key, why)
        else refusedInFile.set(path, (refusedInFile.get(path) ?? 0) + 1)
        continue
      }
      if (kept) {
        result.updated++
        const names = namesOf(current)
        const keptNames = namesOf(kept)
        fx.count(kept, keptNames, -1)
        const [key, ...columns] = toParams(current)
        s.updateEvent.run(...columns, key)
        if (kept.ts !== current.ts || kept.sessionId !== current.sessionId || keptNames !== names)
          fx.moved.set(spanKey(kept, keptNames), kept)
        fx.count(current, names, 1)
        fx.widen(current, names)
        continue
      }
      result.inserted++
      const info = s.insertEvent.run(toParams(current))
      if (inBulk) inserted.push([current.key, Number(info.lastInsertRowid)])
      if (inSql) newHours.add(hourOf(current.ts))
      else {
        const names = namesOf(current)
        fx.count(current, names, 1)
        fx.widen(current, names)
      }
    }
    if (inSql && result.inserted === 0) fx.ledgerSince = null
    // 3a. Stored rollups a new chat span took tokens off (not among this batch's keys).
    for (const [key, current] of rollups) {
      const kept = stored.get(key)
      if (seen.has(key) || !kept) continue
      if (current === null) {
        dropStored(kept)
        continue
      }
      const names = namesOf(current)
      const keptNames = namesOf(kept)
      result.updated++
      fx.count(kept, keptNames, -1)
      const [, ...columns] = toParams(current)
      s.updateEvent.run(...columns, key)
      fx.count(current, names, 1)
      fx.widen(current, names)
    }
    for (const [path, n] of refusedInFile) s.skipRefused.run({ path, n })
    // 3b. Records a batch replaces (Cursor's database figures for the days an imported CSV covers):
    // removed, their aggregates and spans with them, after this batch's own events are in.
    for (const { source, range } of superseding) {
      const rows = s.supersededOf.all(range.keyPrefix, `${range.keyPrefix}\uffff`, source, range.from, range.to) as EventRow[]
      for (const row of rows) {
        const kept = eventFromRow(row)
        const names = namesOf(kept)
        result.updated++
        fx.count(kept, names, -1)
        s.deleteEvent.run(kept.key)
        fx.moved.set(spanKey(kept, names), kept)
      }
    }
    // A record added and taken back in one batch (superseded by a later file of it) changes no row.
    for (const [k, row] of fx.rows) if (isZero(row.sums)) fx.rows.delete(k)
    // 4. Every derived table (aggregates, sessions, picker values, rollups) takes the commit's changes.
    fx.seq = fx.rows.size > 0 || fx.ledgerSince !== null ? nextChangeSeq(store.db) : 0
    applyProjections(store.db, fx)
    result.hours = fx.hours()
    for (const h of newHours) result.hours.add(h)
    t2 = performance.now()
  })
  run.immediate()
  if (inBulk) bulk?.remember(inserted)
  result.stages = { dedupMs: t1 - t0, sqlMs: t2 - t1, commitMs: performance.now() - t2 }
  guard.committed()
  return result
}

/**
 * Moves each sighting that has a stored twin under the twin's key (merged with any other
 * sighting of it in the batch), and puts the twin among the stored records.
 */
function rekeyTwins(
  seen: Map<string, LedgerEvent>,
  twins: Map<string, LedgerEvent>,
  stored: Map<string, LedgerEvent>,
  result: BatchResult,
): void {
  for (const [key, twin] of twins) {
    const e = seen.get(key)
    if (!e) continue
    seen.delete(key)
    stored.set(twin.key, twin)
    const moved: LedgerEvent = { ...e, key: twin.key }
    const prev = seen.get(twin.key)
    if (!prev) {
      seen.set(twin.key, moved)
      continue
    }
    result.duplicates++
    const merged = mergeRecords(prev, moved)
    if (merged) seen.set(twin.key, merged)
  }
}

const durability = new WeakMap<Database.Database, boolean>()

/**
 * Pushed events (no file behind them) commit with synchronous=FULL: their acknowledgement
 * promises they survive power loss. Log batches commit with NORMAL: in WAL mode a power loss can
 * only roll back whole recent transactions, and since a log batch's offset rolls back with its
 * events, those bytes are simply read again. That saves an fsync per backfill commit.
 */
function setDurability(db: Database.Database, full: boolean): void {
  if (durability.get(db) === full) return
  db.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`)
  durability.set(db, full)
}

const LOOKUP_CHUNK = 500
const lookups = new WeakMap<Database.Database, Database.Statement>()

/** The stored records among `keys`, fetched LOOKUP_CHUNK keys per query. */
function fetchStored(db: Database.Database, keys: string[]): Map<string, LedgerEvent> {
  const out = new Map<string, LedgerEvent>()
  let full = lookups.get(db)
  if (!full) {
    full = db.prepare(`SELECT * FROM usage_events WHERE key IN (${Array(LOOKUP_CHUNK).fill('?').join(',')})`)
    lookups.set(db, full)
  }
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    const chunk = keys.slice(i, i + LOOKUP_CHUNK)
    const stmt =
      chunk.length === LOOKUP_CHUNK ? full : db.prepare(`SELECT * FROM usage_events WHERE key IN (${chunk.map(() => '?').join(',')})`)
    for (const row of stmt.all(...chunk) as EventRow[]) out.set(row.key, eventFromRow(row))
  }
  return out
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a }
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n
  return out
}

function lastTs(events: UsageEvent[]): number | null {
  let max: number | null = null
  for (const e of events) if (max === null || e.ts > max) max = e.ts
  return max
}
