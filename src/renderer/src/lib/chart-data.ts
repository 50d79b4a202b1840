/** Report rows → chart.js stacked-bar data: one dataset per series, one bar per time bucket. */
import { assertNever } from '../../../shared/assert-never'
import type { Figures, GroupDim, ReportRow } from '../../../shared/contract'
import { TOKEN_BUCKETS, type TokenBucket } from '../../../shared/usage'
import { totalTokens } from './format'
import type { Resolution } from './range'
import { assignColors, PALETTE, type ColorBook } from './series-colors'

export type Metric = 'tokens' | 'cost' | 'requests' | 'time' | 'sessions'
export type Split = 'bucket' | 'model' | 'agent' | 'project'

export const METRICS: readonly { id: Metric; label: string }[] = [
  { id: 'tokens', label: 'Tokens' },
  { id: 'cost', label: 'Cost' },
  { id: 'requests', label: 'Requests' },
  { id: 'time', label: 'Time' },
  { id: 'sessions', label: 'Sessions' },
]

/** Metrics read from the activity query (request timestamps), not the report's sums. */
export const isActivityMetric = (m: Metric): boolean => m === 'time' || m === 'sessions'

/** A chart row: a report row, with active time and sessions when the metric needs them. */
export type ChartRow = ReportRow & { activeMs?: number; sessions?: number }

export const SPLITS: readonly { id: Split; label: string }[] = [
  { id: 'bucket', label: 'Token type' },
  { id: 'model', label: 'Model' },
  { id: 'agent', label: 'Agent' },
  { id: 'project', label: 'Project' },
]

export const BUCKET_LABELS: Record<TokenBucket, string> = {
  input: 'Input',
  output: 'Output',
  cacheRead: 'Cache read',
  cacheWrite: 'Cache write',
}

export { PALETTE }
const OTHER_COLOR = '#a0a4ab'

/** The figure a metric reads from a row. */
export function metricValue(f: Figures & { activeMs?: number; sessions?: number }, metric: Metric): number {
  switch (metric) {
    case 'tokens':
      return totalTokens(f)
    case 'cost':
      return f.costUsd
    case 'requests':
      return f.requests
    case 'time':
      return (f.activeMs ?? 0) / 3_600_000
    case 'sessions':
      return f.sessions ?? 0
    default:
      return assertNever(metric)
  }
}

/** Token type only splits tokens: cost and requests have no per-bucket figure. */
export function effectiveSplit(metric: Metric, split: Split): Split {
  return split === 'bucket' && metric !== 'tokens' ? 'model' : split
}

/** The report grouping for a chart: time first, then the series dimension. */
export function chartGroupBy(resolution: Resolution, split: Split): GroupDim[] {
  switch (split) {
    case 'bucket':
      return [resolution]
    case 'model':
    case 'agent':
    case 'project':
      return [resolution, split]
    default:
      return assertNever(split)
  }
}

export interface ChartSeries {
  label: string
  data: number[]
  backgroundColor: string
  /**
   * The series holds usage with no known price: flagged in the legend whatever the metric, since
   * its tokens and requests are shown and its cost is not (or only in part).
   */
  unpriced: boolean
}

/** A vertical line before bar `index` (a midnight), with its label (the new day's date). */
export interface ChartMark {
  index: number
  label: string
}

export interface ChartData {
  keys: string[]
  /** Axis labels when the keys are not report keys (the session timeline's request times). */
  labels?: string[]
  /** Lines drawn between bars; by default every midnight of an hourly chart. */
  marks?: ChartMark[]
  datasets: ChartSeries[]
  /** Projected cost per bucket from now on (null for buckets before now), drawn dashed. */
  forecast?: (number | null)[]
}

/** Adds the forecast's points to the chart data, aligned with its buckets. */
export function withForecast(data: ChartData, points: readonly { key: string; usd: number }[]): ChartData {
  const at = new Map(points.map((p) => [p.key, p.usd]))
  return { ...data, forecast: data.keys.map((k) => at.get(k) ?? null) }
}

export interface ChartOptions {
  /** Models without a known price, flagged in the legend. */
  unpricedModels?: readonly string[]
  /** Every value of the split dimension in a fixed order (from `dimensions()`): a new series' first colour. */
  colorOrder?: readonly string[]
  /** The colours already given (series-colors.ts); the chart's colours are added to it. */
  colorBook?: ColorBook
  /** Receives the book with this chart's colours, to keep them for the next one. */
  onColorBook?: (book: ColorBook) => void
  /** Series beyond this fold into "Other". */
  maxSeries?: number
}

/**
 * Builds stacked series over `keys` (every bucket of the range). Beyond `maxSeries` the smallest
 * series fold into "Other" so the legend stays readable.
 */
export function buildChartData(
  rows: readonly ChartRow[],
  keys: readonly string[],
  resolution: Resolution,
  metric: Metric,
  split: Split,
  opts: ChartOptions = {},
): ChartData {
  const { unpricedModels = [], colorOrder = [], maxSeries = 8, colorBook = {} } = opts
  const allKeys = [...keys]
  const index = new Map(allKeys.map((k, i) => [k, i]))
  for (const r of rows) {
    const k = r[resolution]
    if (k !== undefined && !index.has(k)) {
      index.set(k, allKeys.length)
      allKeys.push(k)
    }
  }
  if (allKeys.length !== keys.length) {
    allKeys.sort()
    allKeys.forEach((k, i) => index.set(k, i))
  }
  const at = (r: ReportRow): number | undefined => {
    const k = r[resolution]
    return k === undefined ? undefined : index.get(k)
  }

  if (split === 'bucket') {
    return {
      keys: allKeys,
      datasets: TOKEN_BUCKETS.map((b, i) => {
        const data = allKeys.map(() => 0)
        for (const r of rows) {
          const j = at(r)
          if (j !== undefined) data[j] = (data[j] ?? 0) + r[b]
        }
        return { label: BUCKET_LABELS[b], data, backgroundColor: PALETTE[i] ?? OTHER_COLOR, unpriced: false }
      }),
    }
  }

  const totals = new Map<string, number>()
  for (const r of rows) {
    const name = r[split] ?? '(none)'
    totals.set(name, (totals.get(name) ?? 0) + metricValue(r, metric))
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n)
  const shown = ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked
  const folded = ranked.length > shown.length
  const seriesOf = new Map(shown.map((n, i) => [n, i]))
  const unpricedSet = new Set(split === 'model' ? unpricedModels : [])
  const order = new Map(colorOrder.map((n, i) => [n, i]))
  const { colors, book } = assignColors(colorBook, split, shown, (n) => order.get(n))
  opts.onColorBook?.(book)
  const datasets: ChartSeries[] = shown.map((name) => ({
    label: name,
    data: allKeys.map(() => 0),
    backgroundColor: colors.get(name) ?? OTHER_COLOR,
    unpriced: unpricedSet.has(name),
  }))
  if (folded) datasets.push({ label: 'Other', data: allKeys.map(() => 0), backgroundColor: OTHER_COLOR, unpriced: false })
  for (const r of rows) {
    const j = at(r)
    if (j === undefined) continue
    const s = datasets[seriesOf.get(r[split] ?? '(none)') ?? datasets.length - 1]
    if (s === undefined) continue
    s.data[j] = (s.data[j] ?? 0) + metricValue(r, metric)
    // An agent or project (or Other) holding an unpriced model's tokens is flagged too.
    if (r.unpricedTokens > 0) s.unpriced = true
  }
  return { keys: allKeys, datasets }
}
