/**
 * Every table derived from the ledger, as declared projections (see types.ts). A commit hands
 * its changes to each in this order; a rebuild runs them in this order too (the picker values
 * and the rollups are derived from the quarter-hour aggregates, so those come first).
 */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import { buckets } from './buckets'
import { dimensionValues } from './dimension-values'
import { rollup } from './rollup'
import { sessions } from './sessions'
import type { BatchChanges, Projection } from './types'

export const PROJECTIONS: readonly Projection[] = [sessions, buckets, dimensionValues, rollup]

/** Applies a commit's changes to every projection (inside the commit's transaction). */
export function applyProjections(db: Database.Database, changes: BatchChanges): void {
  for (const p of PROJECTIONS) p.apply(db, changes)
}

/**
 * Rebuilds projections from the ledger: all of them, or (a re-cost) only those holding cost,
 * for one model's rows. The caller holds the transaction.
 */
export function rebuildProjections(store: Store, opts: { model?: string; costedOnly?: boolean } = {}): void {
  for (const p of PROJECTIONS) {
    if (opts.costedOnly && !p.costed) continue
    p.rebuild(store, opts.model)
  }
}
