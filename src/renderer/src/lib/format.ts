/** Number, money and date formatting for the user's locale. Money is always USD. */
import type { Figures } from '../../../shared/contract'
import { formatCents } from '../../../shared/money'

const int = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 })
const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const usdCompact = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 })
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' })
const share = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 })

/** 1,234,567 */
export function formatInt(n: number): string {
  return int.format(n)
}

/** 1.2M */
export function formatCompact(n: number): string {
  return compact.format(n)
}

const bytes = new Intl.NumberFormat(undefined, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 })

/** 41.2 MB */
export function formatBytes(n: number): string {
  return bytes.format(n / 1e6)
}

/** $12.35; amounts under half a cent show as <$0.01 rather than a misleading $0.00 (src/shared/money.ts). */
export function formatUsd(n: number): string {
  return formatCents(n, (x) => usd.format(x))
}

/** $1.2K, for axis ticks. */
export function formatUsdCompact(n: number): string {
  return Math.abs(n) < 1000 ? formatUsd(n) : usdCompact.format(n)
}

/** +12.5% */
export function formatChange(ratio: number): string {
  return percent.format(ratio)
}

/**
 * 12.5%. A share that rounds to 0% or 100% without being it reads <0.1% or >99.9%, as a tiny
 * cost reads <$0.01: a row that holds tokens never shows 0%.
 */
export function formatShare(ratio: number): string {
  if (ratio > 0 && ratio < 0.0005) return `<${share.format(0.001)}`
  if (ratio < 1 && ratio >= 0.9995) return `>${share.format(0.999)}`
  return share.format(ratio)
}

/** Every token a set of figures billed (the four buckets are exclusive). */
export function totalTokens(f: Pick<Figures, 'input' | 'output' | 'cacheRead' | 'cacheWrite'>): number {
  return f.input + f.output + f.cacheRead + f.cacheWrite
}

/** How a cost reads: unknown when nothing of it is priced, partial when some tokens are unpriced. */
export type CostState = 'priced' | 'partial' | 'unpriced'

export function costState(f: Pick<Figures, 'costUsd' | 'unpricedTokens'>): CostState {
  if (f.unpricedTokens <= 0) return 'priced'
  return f.costUsd > 0 ? 'partial' : 'unpriced'
}

/** Date and time in `tz`, e.g. "Mar 5, 14:02". */
export function formatDateTime(ms: number, tz: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms)
}

/** Time in `tz`, e.g. "14:02:09". */
export function formatTime(ms: number, tz: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms)
}

/** Hour and minute in `tz`, in the locale's clock ("02:00 PM", "14:00"); never cut from formatTime, which would drop the AM/PM. */
export function formatClock(ms: number, tz: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit' }).format(ms)
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

/** "5 minutes ago". */
export function formatRelative(ms: number, now: number): string {
  const s = Math.round((ms - now) / 1000)
  const abs = Math.abs(s)
  if (abs < 60) return relative.format(s, 'second')
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute')
  if (abs < 86_400) return relative.format(Math.round(s / 3600), 'hour')
  return relative.format(Math.round(s / 86_400), 'day')
}

const utcFmt = (o: Intl.DateTimeFormatOptions): Intl.DateTimeFormat => new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...o })
const DAY_FMT = utcFmt({ month: 'short', day: 'numeric' })
const DAY_YEAR_FMT = utcFmt({ month: 'short', day: 'numeric', year: 'numeric' })
const MONTH_FMT = utcFmt({ month: 'short', year: 'numeric' })
const HOUR_FMT = utcFmt({ hour: '2-digit', minute: '2-digit' })

/** A report key (YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:00) as a wall-clock instant formatted in UTC. */
function keyInstant(key: string): { t: number; year: number; hour: string | undefined; month: boolean } | null {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):00)?)?$/.exec(key)
  if (m === null) return null
  // The key is already wall-clock time in the viewer's zone: format it as UTC to keep it as is.
  return {
    t: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] ?? 1), Number(m[4] ?? 0)),
    year: Number(m[1]),
    hour: m[4],
    month: m[3] === undefined,
  }
}

/**
 * Axis labels for a chart's bucket keys. Months always carry their year; a day or week outside
 * `currentYear` carries it ("Dec 29, 2025" beside "Jan 5"), so two years' dates never look alike;
 * hours read "14:00", and the first hour of each day reads as its date, the midnight the chart
 * also marks with a line.
 */
export function formatBucketLabels(keys: readonly string[], currentYear: number): string[] {
  return keys.map((key) => {
    const p = keyInstant(key)
    if (p === null) return key
    if (p.month) return MONTH_FMT.format(p.t)
    const date = (p.year !== currentYear ? DAY_YEAR_FMT : DAY_FMT).format(p.t)
    if (p.hour === undefined) return date
    return p.hour === '00' ? date : HOUR_FMT.format(p.t)
  })
}

/** Indexes of `keys` (hourly report keys) that begin a new local day after the first: the midnights. */
export function midnightIndexes(keys: readonly string[]): number[] {
  const out: number[] = []
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]?.slice(0, 10) !== keys[i - 1]?.slice(0, 10) && /T\d{2}:00$/.test(keys[i] ?? '')) out.push(i)
  }
  return out
}
