import type { Coster } from './apply-batch'
import { eventFromRow, type EventRow } from '../store/ledger'
import { forgetTotals } from './bounds'
import { getMeta, setMeta, type Store } from '../store/open-store'
import { rebuildProjections } from '../projections'
import type { PriceTable } from '../pricing/types'

/**
 * Re-costs stored history after a price change (new snapshot or an override): every model whose
 * resolved rates differ from the ones recorded gets its events re-priced and its aggregate rows
 * rebuilt from the ledger, in one transaction. Returns the models re-costed.
 */
export function recostHistory(store: Store, prices: PriceTable, cost: Coster): string[] {
  if (getMeta(store, 'price_version') === prices.version) return []
  const db = store.db
  const recorded = new Map(
    (db.prepare('SELECT model, rates FROM prices').all() as { model: string; rates: string | null }[]).map((r) => [r.model, r.rates]),
  )
  const models = (db.prepare('SELECT DISTINCT model FROM usage_events').all() as { model: string }[]).map((r) => r.model)
  const changed: string[] = []
  const now = Date.now()
  db.transaction(() => {
    const update = db.prepare('UPDATE usage_events SET cost_nusd = ? WHERE key = ?')
    const record = db.prepare(`INSERT INTO prices (model, rates, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(model) DO UPDATE SET rates = excluded.rates, updated_at = excluded.updated_at`)
    for (const model of models) {
      const rates = JSON.stringify(prices.resolve(model) ?? null)
      if (recorded.get(model) === rates) continue
      changed.push(model)
      record.run(model, rates, now)
    }
    if (changed.length > 0) {
      // One pass over the ledger for all changed models (no index on model: it would slow every insert).
      const rows = db
        .prepare(`SELECT * FROM usage_events WHERE model IN (${changed.map(() => '?').join(',')})`)
        .iterate(...changed) as Iterable<EventRow>
      const updates: [number | null, string][] = []
      for (const r of rows) {
        const next = cost(eventFromRow(r))
        if (next !== r.cost_nusd) updates.push([next, r.key])
      }
      for (const u of updates) update.run(...u)
      // Re-costing is rebuilding the projections that hold cost, for these models.
      forgetTotals(db)
      for (const model of changed) rebuildProjections(store, { model, costedOnly: true })
    }
    setMeta(store, 'price_version', prices.version)
  })()
  forgetTotals(db) // a re-cost that rolled back may have been forgotten mid-way: measure again
  return changed
}
