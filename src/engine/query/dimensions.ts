import type { Dimensions } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { Store } from '../store/open-store'

/** Distinct values of every filter dimension, and the span of stored data. */
export function listDimensions(store: Store): Dimensions {
  const distinct = (col: string): string[] =>
    (store.db.prepare(`SELECT DISTINCT ${col} AS v FROM usage_buckets ORDER BY v`).all() as { v: string }[]).map((r) => r.v)
  const span = store.db.prepare('SELECT min(bucket_start) AS lo, max(bucket_start) AS hi FROM usage_buckets').get() as {
    lo: number | null
    hi: number | null
  }
  const times = store.db.prepare('SELECT min(ts) AS lo, max(ts) AS hi FROM usage_events').get() as { lo: number | null; hi: number | null }
  return {
    users: distinct('user_id'),
    agents: distinct('agent_id'),
    projects: distinct('project'),
    models: distinct('model'),
    sources: distinct('source') as SourceId[],
    firstTs: times.lo ?? span.lo,
    lastTs: times.hi ?? span.hi,
  }
}
