/** The filter pickers' values (`dimension_values`: one row per distinct value), read without scanning aggregates. */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import { DIMENSIONS } from './measures'
import type { BatchChanges, Projection } from './types'

const statements = new WeakMap<Database.Database, Database.Statement>()

export const dimensionValues: Projection = {
  name: 'picker values',
  tables: ['dimension_values'],
  costed: false,
  answers: ['dimensions'],

  apply(db: Database.Database, changes: BatchChanges): void {
    let add = statements.get(db)
    if (!add) statements.set(db, (add = db.prepare('INSERT OR IGNORE INTO dimension_values (dim, value) VALUES (?, ?)')))
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
