import { type JSX, useMemo } from 'react'
import type { AppApi, Dimensions } from '../../../shared/contract'
import type { Transport } from '../api'
import { bucketKeys, type ResolvedRange } from '../lib/range'
import { useAsync } from '../lib/use-async'
import { chartQuery, previousFilter, usageFilter, type ViewState } from '../lib/view-state'
import { dayKey } from '../../../shared/time-zone'
import { BreakdownTable } from './BreakdownTable'
import { ChartCard } from './ChartCard'
import { KpiTiles } from './KpiTiles'

/** KPIs, the chart and the breakdown for the chosen range and filters; refetches on `tick`. */
export function DashboardView({ api, transport, tz, view, onView, range, dims, tick }: {
  api: AppApi
  transport: Transport
  tz: string
  view: ViewState
  onView: (v: ViewState) => void
  range: ResolvedRange
  /** Filter values (for stable colours) and the stored data's extent (for the "all" axis). */
  dims: Dimensions
  tick: number
}): JSX.Element {
  const query = chartQuery(view, range, tz)
  const filter = usageFilter(range, tz, view.filters)
  const qKey = JSON.stringify(query)
  const chart = useAsync(`${qKey}#${tick}`, () => api.report(query))

  const prev = range.previous === undefined ? undefined : previousFilter(view, range.previous, tz)
  const prevKey = prev === undefined ? null : `${JSON.stringify(prev)}#${tick}`
  const prevTotals = useAsync(prevKey, () => (prev === undefined ? Promise.reject(new Error('no previous period')) : api.report({ ...prev, groupBy: [] })))
  const sessions = useAsync(`${JSON.stringify(filter)}#${tick}`, () => api.sessionCount(filter))
  const prevSessions = useAsync(prevKey, () => (prev === undefined ? Promise.reject(new Error('no previous period')) : api.sessionCount(prev)))

  const from = range.from ?? dims.firstTs
  const to = range.to ?? (dims.lastTs === null ? null : dims.lastTs + 1)
  const keys = useMemo(() => (from === null || to === null ? [] : bucketKeys(from, to, range.resolution, tz)), [from, to, range.resolution, tz])

  return (
    <>
      {chart.error !== undefined && chart.data === undefined ? null : (
        <KpiTiles
          current={chart.data?.totals}
          previous={prev === undefined ? undefined : prevTotals.data?.totals}
          sessions={sessions.data}
          prevSessions={prev === undefined ? undefined : prevSessions.data}
        />
      )}
      <ChartCard
        api={api}
        transport={transport}
        report={chart.data}
        error={chart.error}
        keys={keys}
        dims={dims}
        resolution={range.resolution}
        metric={view.metric}
        split={view.split}
        query={query}
        dayOf={(ms) => dayKey(ms, tz)}
        onMetric={(metric) => onView({ ...view, metric })}
        onSplit={(split) => onView({ ...view, split })}
      />
      <BreakdownTable api={api} filter={filter} tick={tick} />
    </>
  )
}
