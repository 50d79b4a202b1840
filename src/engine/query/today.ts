import type { TodaySpend } from '../../shared/contract'
import type { Store } from '../store/open-store'
import { runReport } from './report'
import { localDay, startOfLocalDay } from './time-zone'

/** Today's spend in the viewer's zone: cost, tokens and the top models, from the aggregates. */
export function todaySpend(store: Store, tz: string, now = Date.now()): TodaySpend {
  const day = localDay(tz, now)
  const from = startOfLocalDay(tz, day)
  const to = startOfLocalDay(tz, new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10))
  const r = runReport(store, { tz, from, to, groupBy: ['model'] })
  const t = r.totals
  const tokens = (f: { input: number; output: number; cacheRead: number; cacheWrite: number }) =>
    f.input + f.output + f.cacheRead + f.cacheWrite
  return {
    day,
    tz,
    costUsd: t.costUsd,
    tokens: tokens(t),
    requests: t.requests,
    unpricedTokens: t.unpricedTokens,
    topModels: r.rows
      .map((row) => ({ model: row.model ?? '', costUsd: row.costUsd, tokens: tokens(row) }))
      .sort((a, b) => b.costUsd - a.costUsd || b.tokens - a.tokens)
      .slice(0, 5),
  }
}
