/**
 * The quarter-hour aggregates (`usage_buckets`): every report's source, with a change sequence
 * per row for the sinks, and a tombstone (`bucket_drops`) for a row a correction emptied.
 */
import type Database from 'better-sqlite3'
import { BUCKET_MS } from '../store/ledger'
import { nextChangeSeq } from '../store/changes'
import type { Store } from '../store/open-store'
import {
  ADD_MEASURES_ON_CONFLICT,
  DIMENSION_COLUMNS,
  DIMENSIONS,
  MEASURE_COLUMNS,
  MEASURES,
  MEASURES_FROM_LEDGER,
  dimensionValues,
  measureValues,
  placeholders,
} from './measures'
import type { BatchChanges, Projection } from './types'

interface Statements {
  add: Database.Statement
  addFromLedger: Database.Statement
  dropEmpty: Database.Statement
  tombstone: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()

/** The row's identity: `bucket_start = ? AND source = ? AND …`. */
const ROW_IS = ['bucket_start', ...DIMENSIONS.map((d) => d.column)].map((c) => `${c} = ?`).join(' AND ')

function prepare(db: Database.Database): Statements {
  let s = statements.get(db)
  if (s) return s
  s = {
    // The row's change sequence becomes the commit's: a sync sends it again (its absolute values).
    add: db.prepare(`INSERT INTO usage_buckets (bucket_start, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS}, change_seq)
      VALUES (${placeholders(1 + DIMENSIONS.length + MEASURES.length + 1)}) ${ADD_MEASURES_ON_CONFLICT}, change_seq = excluded.change_seq`),
    // A commit's new ledger rows (rowid above the first parameter), summed per row in SQL.
    addFromLedger: db.prepare(`INSERT INTO usage_buckets (bucket_start, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS}, change_seq)
      SELECT ts - (ts % ${BUCKET_MS}) AS b, ${DIMENSION_COLUMNS}, ${MEASURES_FROM_LEDGER}, @seq
      FROM usage_events WHERE rowid > @since GROUP BY b, ${DIMENSION_COLUMNS}
      ${ADD_MEASURES_ON_CONFLICT}, change_seq = excluded.change_seq`),
    // A correction that moved a record to another row can leave its old row empty: drop it, so
    // reports, pickers and spans never show a group with no requests...
    dropEmpty: db.prepare(`DELETE FROM usage_buckets WHERE ${ROW_IS} AND requests = 0`),
    // ...and tell the sinks it is gone.
    tombstone: db.prepare(`INSERT INTO bucket_drops (bucket_start, ${DIMENSION_COLUMNS}, change_seq)
      VALUES (${placeholders(1 + DIMENSIONS.length + 1)}) ON CONFLICT DO UPDATE SET change_seq = excluded.change_seq`),
  }
  statements.set(db, s)
  return s
}

export const buckets: Projection = {
  name: 'quarter-hour aggregates',
  tables: ['usage_buckets', 'bucket_drops'],
  costed: true,
  answers: [
    'report',
    'reportCsv',
    'activity',
    'forecast',
    'budgets',
    'outlook',
    'todaySpend',
    'blocks',
    'team sync (rows changed since an ack)',
  ],

  apply(db: Database.Database, changes: BatchChanges): void {
    const s = prepare(db)
    if (changes.ledgerSince !== null) s.addFromLedger.run({ since: changes.ledgerSince, seq: changes.seq })
    for (const row of changes.rows.values()) {
      const id = [row.bucket, ...dimensionValues(row)]
      s.add.run(...id, ...measureValues(row.sums), changes.seq)
      if (row.sums.requests < 0 && s.dropEmpty.run(...id).changes > 0) s.tombstone.run(...id, changes.seq)
    }
  },

  /**
   * Recomputes the rows (of one model, or all) from the ledger (the ledger is the truth). Every
   * row rebuilt gets a new change sequence, and every row that was there and is no more gets a
   * tombstone with it, so a sink receives the re-costed absolute values and learns of rows that
   * no longer exist.
   */
  rebuild(store: Store, model?: string): void {
    const db = store.db
    // Always a WHERE: an INSERT … SELECT … ON CONFLICT needs one before the ON.
    const where = model === undefined ? 'WHERE 1' : 'WHERE model = ?'
    const args = model === undefined ? [] : [model]
    const seq = nextChangeSeq(db)
    db.prepare(
      `INSERT INTO bucket_drops (bucket_start, ${DIMENSION_COLUMNS}, change_seq)
      SELECT bucket_start, ${DIMENSION_COLUMNS}, ? FROM usage_buckets ${where}
      ON CONFLICT DO UPDATE SET change_seq = excluded.change_seq`,
    ).run(seq, ...args)
    db.prepare(`DELETE FROM usage_buckets ${where}`).run(...args)
    db.prepare(
      `INSERT INTO usage_buckets (bucket_start, ${DIMENSION_COLUMNS}, ${MEASURE_COLUMNS}, change_seq)
      SELECT ts - (ts % ${BUCKET_MS}) AS b, ${DIMENSION_COLUMNS}, ${MEASURES_FROM_LEDGER}, ?
      FROM usage_events ${where} GROUP BY b, ${DIMENSION_COLUMNS}`,
    ).run(seq, ...args)
    // A tombstone whose row was rebuilt says nothing the row does not (a sink gets the row): only
    // rows that are gone keep theirs, so re-costs do not grow the table.
    const same = ['bucket_start', ...DIMENSIONS.map((d) => d.column)].map((c) => `b.${c} = bucket_drops.${c}`).join(' AND ')
    db.prepare(
      `DELETE FROM bucket_drops WHERE ${model === undefined ? '1' : 'model = ?'} AND EXISTS (SELECT 1 FROM usage_buckets b
      WHERE ${same} AND b.change_seq >= bucket_drops.change_seq)`,
    ).run(...args)
  },
}
