import type { PriceTable } from '../pricing/types'
import type { Store } from '../store/open-store'

/** The stored values of one filter dimension, sorted (kept by every commit in `dimension_values`). */
export function dimensionValues(store: Store, dim: 'source' | 'user' | 'agent' | 'project' | 'model'): string[] {
  return store.db.prepare('SELECT value FROM dimension_values WHERE dim = ? ORDER BY value').pluck().all(dim) as string[]
}

/**
 * Every stored model that has usage without a known price: the models `prices` cannot resolve,
 * each confirmed by one unpriced aggregate row (a source-reported cost prices a request even
 * without a rate, and a value can outlive its usage in `dimension_values`).
 */
export function unpricedModels(store: Store, prices: PriceTable, models: readonly string[] = dimensionValues(store, 'model')): string[] {
  // No index leads with model: a confirmed model is found at its first unpriced row; only a
  // model that has none (rare: see above) costs a full scan.
  const confirm = store.db.prepare('SELECT 1 FROM usage_buckets WHERE model = ? AND unpriced_requests > 0 LIMIT 1').pluck()
  return models.filter((m) => prices.resolve(m) === undefined && confirm.get(m) !== undefined)
}
