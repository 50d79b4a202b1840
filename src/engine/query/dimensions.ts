import type { Dimensions } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { PriceTable } from '../pricing/types'
import type { Store } from '../store/open-store'
import { dimensionValues, unpricedModels } from './status'

/**
 * Distinct values of every filter dimension, the models among them without a known price, and the
 * span of stored data. Reads `dimension_values` and two index seeks; never scans the aggregates.
 */
export function listDimensions(store: Store, prices: PriceTable): Dimensions {
  // Two scalar subqueries: each min() or max() alone is one seek on usage_events_ts; together in
  // one SELECT they would scan the index.
  const span = store.db.prepare('SELECT (SELECT min(ts) FROM usage_events) AS lo, (SELECT max(ts) FROM usage_events) AS hi').get() as {
    lo: number | null
    hi: number | null
  }
  const models = dimensionValues(store, 'model')
  return {
    users: dimensionValues(store, 'user'),
    agents: dimensionValues(store, 'agent'),
    projects: dimensionValues(store, 'project'),
    models,
    sources: dimensionValues(store, 'source') as SourceId[],
    unpricedModels: unpricedModels(store, prices, models),
    firstTs: span.lo,
    lastTs: span.hi,
  }
}
