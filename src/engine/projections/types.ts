import type Database from 'better-sqlite3'
import type { LedgerEvent } from '../store/ledger'
import type { Store } from '../store/open-store'
import type { Dimensions, Measures } from './measures'

/** One quarter-hour aggregate row's change in a commit: its names and the sums it moves by. */
export interface AggregateDelta extends Dimensions {
  /** The quarter-hour (epoch ms UTC). */
  bucket: number
  sums: Measures
}

/** A session (or one of its spans) widened in memory: the first record seen in it and its first and last instant. */
export interface Span {
  e: LedgerEvent
  firstTs: number
  lastTs: number
}

/** What one commit changed, summed in memory, as every projection receives it. */
export interface BatchChanges {
  /** Quarter-hour aggregate deltas, keyed by quarter-hour and names (one per row per commit). */
  rows: Map<string, AggregateDelta>
  /** Session spans (a session's requests of one set of names) widened, keyed by session and names. */
  spans: Map<string, Span>
  /** Sessions widened, per source, then per session id. */
  sessions: Map<string, Map<string, Span>>
  /** Stored records a correction moved out of their span (other names, session or time), by span key. */
  moved: Map<string, LedgerEvent>
  /** The commit's change sequence (rows it touches are sent again by a sync); 0 when no row changed. */
  seq: number
  /**
   * When set, the ledger rows with a rowid above it were inserted by this commit and are NOT in
   * `rows`, `spans` or `sessions`: each projection sums them in SQL from the ledger (a large
   * commit's new records, see ingest/apply-batch.ts). The maps then hold only the corrections.
   * Applied before the maps, so a correction that empties a row sees the new records in it.
   */
  ledgerSince: number | null
}

/**
 * A table (or tables) derived from the ledger: it declares the tables it keeps (created by the
 * migrations), applies a commit's changes inside the commit's transaction, and can be rebuilt
 * from the ledger (all of it, or one model's rows: a re-cost rebuilds the projections that hold
 * cost for the models whose prices changed). The queries that read it are listed in `answers`.
 */
export interface Projection {
  readonly name: string
  readonly tables: readonly string[]
  /** Whether it holds cost (a price change rebuilds it for the models re-priced). */
  readonly costed: boolean
  /** Which queries read it (documentation, and the place to look when changing it). */
  readonly answers: readonly string[]
  apply(db: Database.Database, changes: BatchChanges): void
  /** Rebuilds from the ledger (or from a projection it is derived from): every row, or one model's. */
  rebuild(store: Store, model?: string): void
}
