/**
 * Pushed lines and items refused, per source and reason, for the Sources panel. Kept in the store
 * (`push_refusals`, migration v10) so the counts outlive a restart: a refusal is counted in memory
 * at once and written with the others of the same second in one transaction, so a flood of bad
 * lines costs one commit a second, not one each.
 */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'

/** Why a pushed line or item was refused (counted per reason in the sources panel). */
export type PushRefusal = 'malformed-json' | 'invalid-utf8' | 'line-too-long' | 'bad-field' | 'too-large'

export type PushSource = 'socket' | 'http'

/** How long counted refusals wait before they are written (a crash forgets at most these). */
const FLUSH_MS = 1000

type Counts = Record<PushSource, Partial<Record<PushRefusal, number>>>

/** The refusals stored in `db`, per source; none when the table is not there (an older store opened read-only). */
export function storedPushRefusals(db: Database.Database, source: PushSource): Record<string, number> {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'push_refusals'").get()
  if (has === undefined) return {}
  const rows = db.prepare('SELECT reason, count FROM push_refusals WHERE source = ?').raw().all(source) as [string, number][]
  return Object.fromEntries(rows)
}

/** The totals of `reasons`, as the Sources panel shows them. */
function summed(reasons: Record<string, number>): { skipped: number; reasons: Record<string, number> } {
  return { skipped: Object.values(reasons).reduce((a, b) => a + b, 0), reasons }
}

export class PushRefusals {
  private pending: Counts = { socket: {}, http: {} }
  private timer: NodeJS.Timeout | undefined

  /** `store` keeps the counts; without one they last as long as this object. */
  constructor(private readonly store?: Store) {}

  /** Counts one refused line or item. */
  count(source: PushSource, reason: PushRefusal): void {
    const c = this.pending[source]
    c[reason] = (c[reason] ?? 0) + 1
    if (this.store && this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS)
      this.timer.unref()
    }
  }

  /**
   * Writes the counts not yet written. A failed write (disk full, store closed) keeps them for
   * the next try rather than lose them.
   */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const store = this.store
    if (!store || !store.db.open) return
    const rows = (Object.entries(this.pending) as [PushSource, Partial<Record<PushRefusal, number>>][]).flatMap(([source, reasons]) =>
      Object.entries(reasons).map(([reason, n]) => [source, reason, n] as const),
    )
    if (rows.length === 0) return
    try {
      const add = store.db.prepare(
        'INSERT INTO push_refusals (source, reason, count) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count',
      )
      store.db.transaction(() => {
        for (const r of rows) add.run(...r)
      })()
      this.pending = { socket: {}, http: {} }
    } catch {
      if (store.db.open) {
        this.timer = setTimeout(() => this.flush(), FLUSH_MS)
        this.timer.unref()
      }
    }
  }

  /** How many were refused from `source`, in all and by reason: those stored and those still to be written. */
  of(source: PushSource): { skipped: number; reasons: Record<string, number> } {
    const reasons = this.store?.db.open ? storedPushRefusals(this.store.db, source) : {}
    for (const [k, n] of Object.entries(this.pending[source])) reasons[k] = (reasons[k] ?? 0) + (n ?? 0)
    return summed(reasons)
  }
}

/** The refusals `store` holds for `source` (a reader with no writer of its own). */
export function pushRefusalsOf(store: Store, source: PushSource): { skipped: number; reasons: Record<string, number> } {
  return summed(storedPushRefusals(store.db, source))
}
