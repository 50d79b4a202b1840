import { type JSX, useMemo } from 'react'
import type { AppApi, Dimensions, Figures, Report } from '../../../shared/contract'
import { isActivityMetric } from '../lib/chart-data'
import type { Transport } from '../api'
import { bucketKeys, describeRange, type ResolvedRange } from '../lib/range'
import { useAsync } from '../lib/use-async'
import { chartQuery, previousFilter, usageFilter, type ViewState } from '../lib/view-state'
import { dayKey } from '../../../shared/time-zone'
import { BreakdownTable } from './BreakdownTable'
import { ChartCard } from './ChartCard'
import { KpiTiles } from './KpiTiles'

const NO_ACTIVITY = 'Time and sessions are counted from sessions, which stay on each machine: switch to This machine to chart its own'

const NO_FIGURES: Figures = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 }

/** KPIs, the chart and the breakdown for the chosen range and filters; refetches on `tick`. */
export function DashboardView({
  api,
  transport,
  tz,
  view,
  onView,
  range,
  dims,
  tick,
  sessionsHere = true,
}: {
  api: AppApi
  transport: Transport
  tz: string
  view: ViewState
  onView: (v: ViewState) => void
  range: ResolvedRange
  /** Filter values (for stable colours) and the stored data's extent (for the "all" axis). */
  dims: Dimensions
  tick: number
  /**
   * Whether the data holds sessions (this machine's store). The team database and the my-machines
   * folder hold quarter-hour totals: no session count, no active time, said so on screen.
   */
  sessionsHere?: boolean
}): JSX.Element {
  // A link (or the view kept from this machine) asking for time or sessions over data without sessions charts tokens.
  const metric = !sessionsHere && isActivityMetric(view.metric) ? 'tokens' : view.metric
  const query = chartQuery({ ...view, metric }, range, tz)
  const filter = usageFilter(range, tz, view.filters)
  const qKey = JSON.stringify(query)
  const chart = useAsync(`${qKey}#${tick}`, () => api.report(query))
  // Time and sessions come from request timestamps (the activity query), grouped like the chart.
  const activityMetric = isActivityMetric(metric)
  const activity = useAsync(activityMetric ? `activity#${qKey}#${tick}` : null, () => api.activity(query))
  // The cost forecast for a range that runs past now (today, 24 h, the last N days).
  // The forecast is drawn over hourly or daily bars only.
  const running = range.to !== undefined && range.to > Date.now() && (range.resolution === 'hour' || range.resolution === 'day')
  const forecast = useAsync(running ? `forecast#${qKey}#${tick}` : null, () => api.forecast({ ...filter, groupBy: [range.resolution] }))
  const chartReport = useMemo((): Report | undefined => {
    if (!activityMetric) return chart.data
    if (chart.data === undefined || activity.data === undefined) return undefined
    return { ...chart.data, rows: activity.data.map((r) => ({ ...NO_FIGURES, ...r })) }
  }, [activityMetric, chart.data, activity.data])

  const prev = range.previous === undefined ? undefined : previousFilter(view, range.previous, tz)
  const prevKey = prev === undefined ? null : `${JSON.stringify(prev)}#${tick}`
  const prevTotals = useAsync(prevKey, () =>
    prev === undefined ? Promise.reject(new Error('no previous period')) : api.report({ ...prev, groupBy: [] }),
  )
  const sessions = useAsync(sessionsHere ? `${JSON.stringify(filter)}#${tick}` : null, () => api.sessionCount(filter))
  const prevSessions = useAsync(sessionsHere ? prevKey : null, () =>
    prev === undefined ? Promise.reject(new Error('no previous period')) : api.sessionCount(prev),
  )

  const from = range.from ?? dims.firstTs
  const to = range.to ?? (dims.lastTs === null ? null : dims.lastTs + 1)
  const keys = useMemo(
    () => (from === null || to === null ? [] : bucketKeys(from, to, range.resolution, tz)),
    [from, to, range.resolution, tz],
  )

  return (
    <>
      {/* Which range the figures below cover, so they are never read as the header's "Today". */}
      <p className="range-caption" data-testid="range-caption">
        {describeRange(view.range, range, tz)}
      </p>
      {chart.error !== undefined && chart.data === undefined ? null : (
        <KpiTiles
          current={chart.data?.totals}
          previous={prev === undefined ? undefined : prevTotals.data?.totals}
          sessions={sessionsHere ? sessions.data : 'per-machine'}
          prevSessions={prev === undefined ? undefined : prevSessions.data}
          forecast={running ? forecast.data : undefined}
        />
      )}
      <ChartCard
        api={api}
        transport={transport}
        report={chartReport}
        error={chart.error ?? (activityMetric ? activity.error : undefined)}
        keys={keys}
        dims={dims}
        resolution={range.resolution}
        metric={metric}
        split={view.split}
        query={query}
        dayOf={(ms) => dayKey(ms, tz)}
        onMetric={(metric) => onView({ ...view, metric })}
        onSplit={(split) => onView({ ...view, split })}
        forecast={running ? forecast.data : undefined}
        noActivity={sessionsHere ? undefined : NO_ACTIVITY}
      />
      <BreakdownTable api={api} filter={filter} tick={tick} machines={(dims.machines?.length ?? 0) > 1} />
    </>
  )
}
