import type { TodaySpend } from '../../shared/contract'
import type { Store } from '../store/open-store'
import { runReport } from './report'
import { dayKey, nextDay, startOfLocalDay } from '../../shared/time-zone'

/** Today's spend in the viewer's zone: cost, tokens and the top models, from the aggregates. */
export function todaySpend(store: Store, tz: string, now = Date.now()): TodaySpend {
  const day = dayKey(now, tz)
  const from = startOfLocalDay(day, tz)
  const to = startOfLocalDay(nextDay(day), tz)
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
