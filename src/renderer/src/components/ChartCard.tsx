import { type JSX, useMemo, useRef } from 'react'
import type { AppApi, Dimensions, RangeForecast, Report, ReportQuery } from '../../../shared/contract'
import type { Transport } from '../api'
import { buildChartData, effectiveSplit, isActivityMetric, METRICS, SPLITS, withForecast, type Metric, type Split } from '../lib/chart-data'
import { formatCompact } from '../lib/format'
import { loadColorBook, saveColorBook, type ColorBook, type KeyValueStore } from '../lib/series-colors'
import type { Resolution } from '../lib/range'
import { ExportButton } from './ExportButton'
import { SegmentedControl } from './SegmentedControl'
import { StateMessage } from './StateMessage'
import { UsageChart } from './UsageChart'

/** The page's localStorage, or undefined where reading it throws (storage disabled). */
function safeLocalStorage(): KeyValueStore | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}

/** The main chart with its metric and split controls, and Export CSV of exactly what it shows. */
export function ChartCard(props: {
  api: AppApi
  transport: Transport
  report: Report | undefined
  error: string | undefined
  keys: string[]
  /** Every value of each split dimension, for stable series colours. */
  dims: Dimensions | undefined
  resolution: Resolution
  metric: Metric
  split: Split
  query: ReportQuery
  dayOf: (ms: number) => string
  onMetric: (m: Metric) => void
  onSplit: (s: Split) => void
  /** The cost forecast for the rest of the range, drawn dashed when the metric is cost. */
  forecast?: RangeForecast | null
  /** Why time and sessions cannot be charted here (data without sessions); undefined where they can. */
  noActivity?: string
}): JSX.Element {
  const { report, metric, resolution, keys } = props
  const split = effectiveSplit(metric, props.split)
  const colorOrder = split === 'bucket' ? undefined : props.dims?.[`${split}s`]
  const forecast = metric === 'cost' ? props.forecast : undefined
  // The colours given so far, kept in this browser: a series keeps its colour as others come and go.
  const book = useRef<ColorBook | undefined>(undefined)
  const data = useMemo(() => {
    if (report === undefined) return undefined
    book.current ??= loadColorBook(safeLocalStorage())
    const bars = buildChartData(report.rows, keys, resolution, metric, split, {
      unpricedModels: report.unpricedModels,
      colorOrder,
      colorBook: book.current,
      onColorBook: (b) => {
        book.current = b
        saveColorBook(b, safeLocalStorage())
      },
    })
    return forecast ? withForecast(bars, forecast.points) : bars
  }, [report, keys, resolution, metric, split, colorOrder, forecast])
  const metricOptions = METRICS.map((m) =>
    props.noActivity !== undefined && isActivityMetric(m.id) ? { ...m, disabled: true, title: props.noActivity } : m,
  )
  const splitOptions = SPLITS.map((s) => ({ ...s, disabled: s.id === 'bucket' && metric !== 'tokens' }))
  const empty = report !== undefined && report.rows.length === 0
  return (
    <section className="card chart-card" aria-labelledby="chart-title">
      <header className="card-header">
        <h2 id="chart-title" data-testid="chart-title">
          {METRICS.find((m) => m.id === metric)?.label} per {resolution}
        </h2>
        <div className="card-tools">
          <SegmentedControl label="Metric" options={metricOptions} value={metric} onChange={props.onMetric} testid="metric" />
          <label className="inline-label">
            Split by
            <select data-testid="split" value={split} onChange={(e) => props.onSplit(e.target.value as Split)}>
              {splitOptions.map((s) => (
                <option key={s.id} value={s.id} disabled={s.disabled}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          <ExportButton
            api={props.api}
            transport={props.transport}
            query={report === undefined ? undefined : props.query}
            dayOf={props.dayOf}
          />
        </div>
      </header>
      {report !== undefined && report.unpricedModels.length > 0 && (
        <p className="notice notice-warn" data-testid="unpriced-notice">
          <strong>Unpriced:</strong> {report.unpricedModels.join(', ')} — {formatCompact(report.totals.unpricedTokens)} tokens with no known
          price
          {metric === 'cost' ? ' are left out of the cost bars.' : '. Add a price override in Settings to cost them.'}
        </p>
      )}
      <div
        data-testid="chart"
        data-series={data?.datasets.map((d) => d.label).join('|')}
        data-colors={data?.datasets.map((d) => d.backgroundColor).join('|')}
        data-unpriced={data?.datasets
          .filter((d) => d.unpriced)
          .map((d) => d.label)
          .join('|')}
        data-buckets={data?.keys.length}
        data-total={data?.datasets.reduce((sum, d) => d.data.reduce((a, v) => a + v, sum), 0)}
        data-forecast={data?.forecast?.reduce<number>((a, v) => a + (v ?? 0), 0)}
      >
        {props.error !== undefined ? (
          <StateMessage kind="error" title="Could not load the chart">
            {props.error}
          </StateMessage>
        ) : data === undefined ? (
          <StateMessage kind="loading" title="Loading usage…" />
        ) : empty ? (
          <StateMessage kind="empty" title="No usage in this range">
            Try a longer range or clear the filters.
          </StateMessage>
        ) : (
          <UsageChart
            data={data}
            metric={metric}
            description={`${metric} per ${resolution}, split by ${split}, ${data.keys.length} bars`}
          />
        )}
      </div>
    </section>
  )
}
