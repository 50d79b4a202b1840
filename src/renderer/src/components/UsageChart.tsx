import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartOptions,
  type Plugin,
  type TooltipItem,
} from 'chart.js'
import { type JSX, useMemo, useRef } from 'react'
import { Bar } from 'react-chartjs-2'
import { assertNever } from '../../../shared/assert-never'
import type { ChartData, ChartMark, Metric } from '../lib/chart-data'
import { formatBucketLabels, formatCompact, midnightIndexes, formatInt, formatUsd, formatUsdCompact } from '../lib/format'
import { CHART_THEME, useColorScheme, useReducedMotion } from '../lib/use-color-scheme'

ChartJS.register(CategoryScale, LinearScale, BarElement, LineController, LineElement, PointElement, Tooltip, Legend)

function formatValue(metric: Metric, v: number, compact: boolean): string {
  switch (metric) {
    case 'cost':
      return compact ? formatUsdCompact(v) : formatUsd(v)
    case 'tokens':
      return compact ? formatCompact(v) : formatInt(v)
    case 'requests':
      return compact ? formatCompact(v) : formatInt(v)
    case 'sessions':
      return formatInt(v)
    case 'time': {
      const mins = Math.round(v * 60)
      return compact ? `${Number(v.toFixed(1))} h` : `${Math.floor(mins / 60)}h ${String(mins % 60).padStart(2, '0')}m`
    }
    default:
      return assertNever(metric)
  }
}

/**
 * Draws each mark as a dashed line between two bars with its label at the top, and leaves the
 * drawn x positions on the canvas (`data-marks-drawn`) for the browser tests.
 */
function marksPlugin(current: { readonly current: { marks: readonly ChartMark[]; color: string } }): Plugin<'bar'> {
  return {
    id: 'midnightMarks',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x
      if (x === undefined) return
      const { ctx, chartArea } = chart
      const { marks, color } = current.current
      const drawn: number[] = []
      ctx.save()
      ctx.strokeStyle = color
      ctx.fillStyle = color
      ctx.setLineDash([3, 3])
      ctx.lineWidth = 1
      ctx.font = '11px system-ui, sans-serif'
      ctx.textBaseline = 'top'
      for (const m of marks) {
        const px = Math.round((x.getPixelForValue(m.index - 1) + x.getPixelForValue(m.index)) / 2) + 0.5
        ctx.beginPath()
        ctx.moveTo(px, chartArea.top)
        ctx.lineTo(px, chartArea.bottom)
        ctx.stroke()
        ctx.fillText(m.label, px + 4, chartArea.top + 2)
        drawn.push(Math.round(px))
      }
      ctx.restore()
      chart.canvas.dataset.marksDrawn = drawn.join(',')
    },
  }
}

/** Stacked bars: one per hour, day, week or month (or request), one colour per series. */
export function UsageChart({ data, metric, description }: { data: ChartData; metric: Metric; description: string }): JSX.Element {
  const scheme = useColorScheme()
  const theme = CHART_THEME[scheme]
  const still = useReducedMotion()
  const labels = useMemo(() => data.labels ?? formatBucketLabels(data.keys, new Date().getFullYear()), [data])
  const marks = useMemo(
    () => data.marks ?? midnightIndexes(data.keys).map((index) => ({ index, label: labels[index] ?? '' })),
    [data, labels],
  )
  // chart.js keeps the plugins it was created with: the plugin reads the current marks from a ref.
  const markRef = useRef({ marks, color: theme.muted })
  markRef.current = { marks, color: theme.muted }
  const plugins = useMemo(() => [marksPlugin(markRef)], [])
  const chartData = useMemo(
    () => ({
      labels,
      datasets: data.datasets.map((s) => ({
        label: s.unpriced ? `${s.label} (unpriced)` : s.label,
        data: s.data,
        backgroundColor: s.backgroundColor,
        borderRadius: 2,
        maxBarThickness: 48,
      })),
    }),
    [data, labels],
  )
  // The cost forecast: a dashed line over the buckets still to come, outside the bar stacks.
  const withLine = useMemo(
    () =>
      data.forecast === undefined
        ? chartData
        : {
            ...chartData,
            datasets: [
              ...chartData.datasets,
              {
                type: 'line' as const,
                label: 'Forecast',
                data: data.forecast,
                borderColor: theme.muted,
                backgroundColor: theme.muted,
                borderDash: [5, 4],
                borderWidth: 2,
                pointRadius: 2,
                spanGaps: false,
                stack: 'forecast',
              },
            ],
          },
    [chartData, data.forecast, theme],
  )
  const options = useMemo<ChartOptions<'bar'>>(
    () => ({
      responsive: true,
      maintainAspectRatio: false,
      animation: still ? false : { duration: 250 },
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          stacked: true,
          grid: { display: false },
          ticks: { color: theme.muted, maxRotation: 0, autoSkipPadding: 12 },
          border: { color: theme.grid },
        },
        y: {
          stacked: true,
          beginAtZero: true,
          grid: { color: theme.grid },
          border: { display: false },
          ticks: { color: theme.muted, callback: (v) => formatValue(metric, Number(v), true) },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { color: theme.text, boxWidth: 12, boxHeight: 12, useBorderRadius: true, borderRadius: 2 } },
        tooltip: {
          filter: (item: TooltipItem<'bar'>) => item.parsed.y !== 0,
          callbacks: {
            label: (item: TooltipItem<'bar'>) => `${item.dataset.label ?? ''}: ${formatValue(metric, item.parsed.y ?? 0, false)}`,
          },
        },
      },
    }),
    [metric, theme, still],
  )
  return (
    <div
      className="chart-box"
      data-testid="chart-box"
      data-labels={labels.join('|')}
      data-marks={marks.map((m) => `${m.index}:${m.label}`).join('|')}
    >
      {/* A mixed chart: chart.js takes a line dataset among the bars; its bar typing does not say so. */}
      <Bar data={withLine as typeof chartData} options={options} plugins={plugins} role="img" aria-label={description} />
    </div>
  )
}
