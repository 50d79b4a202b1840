/** The forecast for the rest of a dashboard range: its end total and each future bucket's share. */
import type { RangeForecast, ReportQuery } from '../../shared/contract'
import { HOUR_MS, dayKey, hourKey, nextDay, startOfHour, startOfLocalDay } from '../../shared/time-zone'
import type { Store } from '../store/open-store'
import { forecastPeriod } from './forecast'

/** Null when the range has no end after `now` (nothing left to forecast) or no start. */
export function rangeForecast(store: Store, q: ReportQuery, now = Date.now()): RangeForecast | null {
  if (q.from === undefined || q.to === undefined || q.to <= now || q.from >= q.to) return null
  const { from, to, tz, groupBy: _groupBy, ...filter } = q
  void _groupBy
  const f = forecastPeriod(store, filter, tz, from, to, now)
  const byHour = q.groupBy.includes('hour')
  const points: RangeForecast['points'] = []
  let start = Math.max(from, byHour ? startOfHour(now, tz) : startOfLocalDay(dayKey(now, tz), tz))
  while (start < to) {
    const end = Math.min(to, byHour ? start + HOUR_MS : startOfLocalDay(nextDay(dayKey(start, tz)), tz))
    const usd = f.projectedAt(end) - f.projectedAt(Math.max(start, now))
    points.push({ key: byHour ? hourKey(start, tz) : dayKey(start, tz), usd })
    start = end
  }
  return { spentUsd: f.spentUsd, forecast: f.forecast, points }
}
