/**
 * Spend forecast for the rest of a period: the hour-of-week profile of the four weeks before the
 * period began, scaled by this period's pace so far (spent / what the profile expected by now).
 * The band is the lowest and highest estimate from each of those four weeks alone.
 */
import type { Forecast, UsageFilter } from '../../shared/contract'
import { DAY_MS, QUARTER_MS, offsetSegments } from '../../shared/time-zone'
import type { Store } from '../store/open-store'
import { runReport } from '../query/report'

const WEEK_MS = 7 * DAY_MS
const WEEKS = 4
const HOURS_OF_WEEK = 168

/** Monday 00:00 = 0 ... Sunday 23:00 = 167, of a local wall-clock instant (ms as if UTC). */
function hourOfWeek(localMs: number): number {
  const d = new Date(localMs)
  return ((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours()
}

/** Each quarter-hour of [from, to): its local hour of the week and the share of it before `now`. */
interface Quarter {
  how: number
  /** UTC start of the quarter. */
  at: number
  elapsed: number
}

function quarters(from: number, to: number, now: number, tz: string): Quarter[] {
  const out: Quarter[] = []
  for (const seg of offsetSegments(from, to, tz)) {
    for (let q = seg.from; q < seg.to; q += QUARTER_MS) {
      const elapsed = Math.min(1, Math.max(0, (now - q) / QUARTER_MS))
      out.push({ how: hourOfWeek(q + seg.offset), at: q, elapsed })
    }
  }
  return out
}

/** A forecast and the curve it follows: what the period will have cost by any later instant. */
export interface PeriodForecast {
  spentUsd: number
  unpricedTokens: number
  forecast: Forecast
  /** When the cumulative spend reaches `amountUsd` at this pace; null if not within the period or already reached. */
  runsOutAt(amountUsd: number): number | null
  /** Projected cumulative spend at each instant (for the chart's dashed continuation). */
  projectedAt(t: number): number
}

interface Estimate {
  endUsd: number
  /** USD per unit of profile weight after now (the pace factor k times the profile). */
  k: number
  profile: Float64Array
}

/** The forecast of the period [start, end) for the usage `filter` selects, at instant `now`. */
export function forecastPeriod(
  store: Store,
  filter: Omit<UsageFilter, 'from' | 'to' | 'tz'>,
  tz: string,
  start: number,
  end: number,
  now: number,
): PeriodForecast {
  const clampedNow = Math.min(Math.max(now, start), end)
  const spent = runReport(store, { ...filter, tz, from: start, to: clampedNow, groupBy: [] }).totals
  const S = spent.costUsd

  // The profile: cost per local hour of the week, in each of the four weeks before the period.
  const histFrom = start - WEEKS * WEEK_MS
  const weeks = Array.from({ length: WEEKS }, () => new Float64Array(HOURS_OF_WEEK))
  const hist = runReport(store, { ...filter, tz, from: histFrom, to: start, groupBy: ['hour'] })
  const startLocal = start + (offsetSegments(start, start + 1, tz)[0]?.offset ?? 0)
  for (const row of hist.rows) {
    const local = Date.parse(`${row.hour ?? ''}:00Z`)
    if (!Number.isFinite(local)) continue
    const w = Math.min(WEEKS - 1, Math.max(0, Math.floor((startLocal - local - 1) / WEEK_MS)))
    const week = weeks[w]
    if (week) week[hourOfWeek(local)] = (week[hourOfWeek(local)] ?? 0) + row.costUsd
  }
  const mean = new Float64Array(HOURS_OF_WEEK)
  for (const week of weeks) for (let h = 0; h < HOURS_OF_WEEK; h++) mean[h] = (mean[h] ?? 0) + (week[h] ?? 0) / WEEKS

  const qs = quarters(start, end, clampedNow, tz)
  const estimate = (profile: Float64Array): Estimate | null => {
    let expectedSoFar = 0
    let rest = 0
    for (const q of qs) {
      const perQuarter = (profile[q.how] ?? 0) / 4
      expectedSoFar += perQuarter * q.elapsed
      rest += perQuarter * (1 - q.elapsed)
    }
    if (expectedSoFar + rest <= 0) return null
    // No usage expected so far (e.g. a Monday-morning week that usually starts later): take the profile as is.
    const k = expectedSoFar > 0 ? S / expectedSoFar : 1
    return { endUsd: S + k * rest, k, profile }
  }

  const central = estimate(mean)
  const elapsed = clampedNow - start
  const linearRate = elapsed > 0 ? S / elapsed : 0
  let forecast: Forecast
  if (central) {
    const singles = weeks
      .map(estimate)
      .filter((e): e is Estimate => e !== null)
      .map((e) => e.endUsd)
    forecast = {
      endUsd: central.endUsd,
      lowUsd: Math.min(central.endUsd, ...singles),
      highUsd: Math.max(central.endUsd, ...singles),
      method: 'profile',
    }
  } else if (S > 0) {
    const endUsd = S + linearRate * (end - clampedNow)
    forecast = { endUsd, lowUsd: endUsd, highUsd: endUsd, method: 'linear' }
  } else {
    forecast = { endUsd: 0, lowUsd: 0, highUsd: 0, method: 'none' }
  }

  const projectedAt = (t: number): number => {
    if (t <= clampedNow) return S
    if (!central) return S + linearRate * (Math.min(t, end) - clampedNow)
    let sum = S
    for (const q of qs) {
      if (q.at + QUARTER_MS <= clampedNow) continue
      const future = (1 - q.elapsed) * QUARTER_MS
      const qStart = q.at + QUARTER_MS - future
      if (qStart >= t) break
      const share = Math.min(1, (t - qStart) / future)
      sum += central.k * ((central.profile[q.how] ?? 0) / 4) * (1 - q.elapsed) * share
    }
    return sum
  }

  const runsOutAt = (amountUsd: number): number | null => {
    if (S >= amountUsd) return null
    if (!central) {
      if (linearRate <= 0) return null
      const t = clampedNow + (amountUsd - S) / linearRate
      return t < end ? Math.round(t) : null
    }
    let sum = S
    for (const q of qs) {
      if (q.elapsed >= 1) continue
      const add = central.k * ((central.profile[q.how] ?? 0) / 4) * (1 - q.elapsed)
      if (add > 0 && sum + add >= amountUsd) {
        const future = (1 - q.elapsed) * QUARTER_MS
        return Math.round(q.at + QUARTER_MS - future + ((amountUsd - sum) / add) * future)
      }
      sum += add
    }
    return null
  }

  return { spentUsd: S, unpricedTokens: spent.unpricedTokens, forecast, runsOutAt, projectedAt }
}
