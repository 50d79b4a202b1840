import type { Coster } from './apply-batch'
import { BUCKET_MS, eventFromRow, type EventRow } from './merge'
import { nextChangeSeq } from '../store/changes'
import { forgetTotals } from './bounds'
import { getMeta, setMeta, type Store } from '../store/open-store'
import { rebuildRollup, rollupZones } from '../store/rollup'
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
      const rows = db.prepare(`SELECT * FROM usage_events WHERE model IN (${changed.map(() => '?').join(',')})`).iterate(...changed) as Iterable<EventRow>
      const updates: [number | null, string][] = []
      for (const r of rows) {
        const next = cost(eventFromRow(r))
        if (next !== r.cost_nusd) updates.push([next, r.key])
      }
      for (const u of updates) update.run(...u)
      for (const model of changed) {
        rebuildBuckets(store, model)
        for (const tz of rollupZones(db)) rebuildRollup(store, tz, model)
      }
    }
    setMeta(store, 'price_version', prices.version)
  })()
  forgetTotals(db) // a re-cost that rolled back may have been forgotten mid-way: measure again
  return changed
}

/**
 * Recomputes one model's aggregate rows from the ledger (the ledger is the truth). Every row
 * rebuilt gets a new change sequence, and every row that was there and is no more gets a
 * tombstone with it, so a sink receives the re-costed absolute values and learns of rows that no
 * longer exist.
 */
export function rebuildBuckets(store: Store, model: string): void {
  forgetTotals(store.db)
  const seq = nextChangeSeq(store.db)
  store.db.prepare(`INSERT INTO bucket_drops (bucket_start, source, user_id, agent_id, project, model, change_seq)
    SELECT bucket_start, source, user_id, agent_id, project, model, ? FROM usage_buckets WHERE model = ?
    ON CONFLICT DO UPDATE SET change_seq = excluded.change_seq`).run(seq, model)
  store.db.prepare('DELETE FROM usage_buckets WHERE model = ?').run(model)
  store.db.prepare(`INSERT INTO usage_buckets (bucket_start, source, user_id, agent_id, project, model, input, output,
      cache_read, cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests, change_seq)
    SELECT ts - (ts % ${BUCKET_MS}) AS b, source, user_id, agent_id, project, model, sum(input), sum(output),
      sum(cache_read), sum(cache_write), count(*), sum(coalesce(cost_nusd, 0)),
      sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END),
      sum(CASE WHEN cost_nusd IS NULL THEN 1 ELSE 0 END), ?
    FROM usage_events WHERE model = ? GROUP BY b, source, user_id, agent_id, project, model`).run(seq, model)
  // A tombstone whose row was rebuilt says nothing the row does not (a sink gets the row): only
  // rows that are gone keep theirs, so re-costs do not grow the table.
  store.db.prepare(`DELETE FROM bucket_drops WHERE model = ? AND EXISTS (SELECT 1 FROM usage_buckets b
    WHERE b.bucket_start = bucket_drops.bucket_start AND b.source = bucket_drops.source AND b.user_id = bucket_drops.user_id
      AND b.agent_id = bucket_drops.agent_id AND b.project = bucket_drops.project AND b.model = bucket_drops.model
      AND b.change_seq >= bucket_drops.change_seq)`).run(model)
}
