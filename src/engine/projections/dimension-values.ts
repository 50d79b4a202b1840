/** The filter pickers' values (`dimension_values`: one row per distinct value), read without scanning aggregates. */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import { DIMENSIONS } from './measures'
import type { BatchChanges, Projection } from './types'

const statements = new WeakMap<Database.Database, Database.Statement>()
const fromLedger = new WeakMap<Database.Database, Database.Statement>()

export const dimensionValues: Projection = {
  name: 'picker values',
  tables: ['dimension_values'],
  costed: false,
  answers: ['dimensions'],

  apply(db: Database.Database, changes: BatchChanges): void {
    let add = statements.get(db)
    if (!add) statements.set(db, (add = db.prepare('INSERT OR IGNORE INTO dimension_values (dim, value) VALUES (?, ?)')))
    if (changes.ledgerSince !== null) {
      let stmt = fromLedger.get(db)
      if (!stmt) {
        // The names of the aggregate rows this commit wrote (its change sequence, indexed; the
        // quarter-hour aggregates apply first): far fewer rows than the new ledger rows.
        const each = DIMENSIONS.map((d) => `SELECT '${d.picker}', ${d.column} FROM usage_buckets WHERE change_seq = @seq`).join(' UNION ')
        stmt = db.prepare(`INSERT OR IGNORE INTO dimension_values (dim, value) ${each}`)
        fromLedger.set(db, stmt)
      }
      stmt.run({ seq: changes.seq })
    }
    const seen = new Set<string>()
    for (const row of changes.rows.values()) {
      // A row a correction only took from names no value new.
      if (row.sums.requests < 0) continue
      for (const d of DIMENSIONS) {
        const k = `${d.picker}\u0000${row[d.field]}`
        if (seen.has(k)) continue
        seen.add(k)
        add.run(d.picker, row[d.field])
      }
    }
  },

  /** From the quarter-hour aggregates: the values that have rows now. */
  rebuild(store: Store): void {
    const db = store.db
    db.prepare('DELETE FROM dimension_values').run()
    for (const d of DIMENSIONS) {
      db.prepare(`INSERT OR IGNORE INTO dimension_values (dim, value) SELECT DISTINCT ?, ${d.column} FROM usage_buckets`).run(d.picker)
    }
  },
}
