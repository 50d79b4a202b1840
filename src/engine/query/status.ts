import type { Store } from '../store/open-store'

/** Every stored model that has usage without a known price. */
export function unpricedModels(store: Store): string[] {
  const rows = store.db.prepare('SELECT DISTINCT model FROM usage_buckets WHERE unpriced_requests > 0 ORDER BY model').all() as {
    model: string
  }[]
  return rows.map((r) => r.model)
}
