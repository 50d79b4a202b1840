import { BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartOptions, type TooltipItem } from 'chart.js'
import { type JSX, useMemo } from 'react'
import { Bar } from 'react-chartjs-2'
import { assertNever } from '../../../shared/assert-never'
import type { ChartData, Metric } from '../lib/chart-data'
import { formatBucketLabel, formatCompact, formatInt, formatUsd, formatUsdCompact } from '../lib/format'
import { CHART_THEME, useColorScheme, useReducedMotion } from '../lib/use-color-scheme'

ChartJS.register(CategoryScale, LinearScale, BarElement, LineController, LineElement, PointElement, Tooltip, Legend)

function formatValue(metric: Metric, v: number, compact: boolean): string {
  switch (metric) {
    case 'cost': return compact ? formatUsdCompact(v) : formatUsd(v)
    case 'tokens': return compact ? formatCompact(v) : formatInt(v)
    case 'requests': return compact ? formatCompact(v) : formatInt(v)
    case 'sessions': return formatInt(v)
    case 'time': {
      const mins = Math.round(v * 60)
      return compact ? `${Number(v.toFixed(1))} h` : `${Math.floor(mins / 60)}h ${String(mins % 60).padStart(2, '0')}m`
    }
    default: return assertNever(metric)
  }
}

/** Stacked bars: one per hour or day, one colour per series. */
export function UsageChart({ data, metric, description }: { data: ChartData; metric: Metric; description: string }): JSX.Element {
  const scheme = useColorScheme()
  const theme = CHART_THEME[scheme]
  const still = useReducedMotion()
  const chartData = useMemo(() => ({
    labels: data.keys.map(formatBucketLabel),
    datasets: data.datasets.map((s) => ({
      label: s.unpriced ? `${s.label} (unpriced)` : s.label,
      data: s.data,
      backgroundColor: s.backgroundColor,
      borderRadius: 2,
      maxBarThickness: 48,
    })),
  }), [data])
  // The cost forecast: a dashed line over the buckets still to come, outside the bar stacks.
  const withLine = useMemo(() => (data.forecast === undefined ? chartData : {
    ...chartData,
    datasets: [...chartData.datasets, {
      type: 'line' as const, label: 'Forecast', data: data.forecast, borderColor: theme.muted, backgroundColor: theme.muted,
      borderDash: [5, 4], borderWidth: 2, pointRadius: 2, spanGaps: false, stack: 'forecast',
    }],
  }), [chartData, data.forecast, theme])
  const options = useMemo<ChartOptions<'bar'>>(() => ({
    responsive: true,
    maintainAspectRatio: false,
    animation: still ? false : { duration: 250 },
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: { stacked: true, grid: { display: false }, ticks: { color: theme.muted, maxRotation: 0, autoSkipPadding: 12 }, border: { color: theme.grid } },
      y: { stacked: true, beginAtZero: true, grid: { color: theme.grid }, border: { display: false }, ticks: { color: theme.muted, callback: (v) => formatValue(metric, Number(v), true) } },
    },
    plugins: {
      legend: { position: 'bottom', labels: { color: theme.text, boxWidth: 12, boxHeight: 12, useBorderRadius: true, borderRadius: 2 } },
      tooltip: {
        filter: (item: TooltipItem<'bar'>) => item.parsed.y !== 0,
        callbacks: { label: (item: TooltipItem<'bar'>) => `${item.dataset.label ?? ''}: ${formatValue(metric, item.parsed.y ?? 0, false)}` },
      },
    },
  }), [metric, theme, still])
  return (
    <div className="chart-box">
      {/* A mixed chart: chart.js takes a line dataset among the bars; its bar typing does not say so. */}
      <Bar data={withLine as typeof chartData} options={options} role="img" aria-label={description} />
    </div>
  )
}
