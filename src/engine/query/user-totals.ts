/** Lifetime and last-24-hour totals per user (the all-time sums come from the aggregates). */
import type { Figures, UserTotals } from '../../shared/contract'
import type { Store } from '../store/open-store'
import { runReport } from './report'

const DAY_MS = 86_400_000
const ZERO: Figures = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 }

const figures = (r: Figures): Figures => ({
  input: r.input,
  output: r.output,
  cacheRead: r.cacheRead,
  cacheWrite: r.cacheWrite,
  requests: r.requests,
  costUsd: r.costUsd,
  unpricedTokens: r.unpricedTokens,
})

/** Every user with usage, biggest lifetime cost first (then by name); the 24 h window ends at `now`. */
export function userTotals(store: Store, now = Date.now()): UserTotals[] {
  const lifetime = runReport(store, { tz: 'UTC', groupBy: ['user'] }).rows
  const recent = new Map(
    runReport(store, { tz: 'UTC', from: now - DAY_MS, to: now, groupBy: ['user'] }).rows.map((r) => [r.user ?? '', figures(r)]),
  )
  return lifetime
    .map((r) => ({ userId: r.user ?? '', lifetime: figures(r), last24h: recent.get(r.user ?? '') ?? { ...ZERO } }))
    .sort((a, b) => b.lifetime.costUsd - a.lifetime.costUsd || a.userId.localeCompare(b.userId))
}
