/** Range presets → concrete instants, chart resolution and the previous period to compare with. */
import { assertNever } from '../../../shared/assert-never'
import {
  HOUR_MS,
  addDays,
  dayKey,
  daysBetween,
  hourKey,
  parseYmd,
  startOfHour,
  ymdKey,
  zonedDate,
  zonedToUtc,
  type Ymd,
} from '../../../shared/time-zone'

export type Preset = 'today' | '24h' | '7d' | '30d' | '90d' | 'all' | 'custom'

export const PRESETS: readonly { id: Preset; label: string }[] = [
  { id: 'today', label: 'Today' },
  { id: '24h', label: '24 h' },
  { id: '7d', label: '7 d' },
  { id: '30d', label: '30 d' },
  { id: '90d', label: '90 d' },
  { id: 'all', label: 'All' },
  { id: 'custom', label: 'Custom' },
]

/** The range as the user picked it; custom dates are inclusive YYYY-MM-DD in the viewer's zone. */
export interface RangeChoice {
  preset: Preset
  customFrom: string
  customTo: string
}

/** The chart's bar: hours, days, weeks (starting Monday, as the report keys them) or months. */
export type Resolution = 'hour' | 'day' | 'week' | 'month'

export interface Span {
  from: number
  to: number
}

/** A range ready for queries. `from`/`to` are undefined only for "all". */
export interface ResolvedRange {
  from?: number
  to?: number
  resolution: Resolution
  /** The period of equal length just before, for change figures; absent for "all". */
  previous?: Span
}

/** Ranges up to this long are shown hour by hour. */
const HOURLY_MAX_MS = 2 * 24 * HOUR_MS

/**
 * The bar for a range of `days` calendar days (docs/DASHBOARD.md): hours up to 2 days, days up to
 * 92 (the 90-day preset stays daily), weeks up to 53 weeks, months beyond; so a chart keeps
 * between a handful and ~90 bars whatever the range.
 */
export function resolutionFor(days: number): Resolution {
  if (days <= 2) return 'hour'
  if (days <= 92) return 'day'
  if (days <= 53 * 7) return 'week'
  return 'month'
}

function lastDays(today: Ymd, n: number, tz: string): ResolvedRange {
  const from = zonedToUtc(addDays(today, -(n - 1)), tz)
  const to = zonedToUtc(addDays(today, 1), tz)
  return { from, to, resolution: resolutionFor(n), previous: { from: zonedToUtc(addDays(today, -(2 * n - 1)), tz), to: from } }
}

/** Resolves a choice at instant `now` in `tz`; `span` is the stored data's extent, for "all". */
export function resolveRange(
  choice: RangeChoice,
  now: number,
  tz: string,
  span?: { firstTs: number | null; lastTs: number | null },
): ResolvedRange {
  const today = zonedDate(now, tz)
  switch (choice.preset) {
    case 'today': {
      const from = zonedToUtc(today, tz)
      const to = zonedToUtc(addDays(today, 1), tz)
      // Compare with yesterday up to the same time of day, not with all of yesterday.
      const prevFrom = zonedToUtc(addDays(today, -1), tz)
      return { from, to, resolution: 'hour', previous: { from: prevFrom, to: Math.min(from, prevFrom + (now - from)) } }
    }
    case '24h': {
      const to = startOfHour(now, tz) + HOUR_MS
      const from = to - 24 * HOUR_MS
      return { from, to, resolution: 'hour', previous: { from: from - 24 * HOUR_MS, to: from } }
    }
    case '7d':
      return lastDays(today, 7, tz)
    case '30d':
      return lastDays(today, 30, tz)
    case '90d':
      return lastDays(today, 90, tz)
    case 'all': {
      const first = span?.firstTs ?? null
      const last = span?.lastTs ?? null
      if (first === null || last === null) return { resolution: 'day' }
      if (last - first <= HOURLY_MAX_MS) return { resolution: 'hour' }
      return { resolution: resolutionFor(daysBetween(zonedDate(first, tz), zonedDate(last, tz)) + 1) }
    }
    case 'custom': {
      const a = parseYmd(choice.customFrom) ?? today
      const b = parseYmd(choice.customTo) ?? today
      const [start, end] = daysBetween(a, b) >= 0 ? [a, b] : [b, a]
      const n = daysBetween(start, end) + 1
      const from = zonedToUtc(start, tz)
      return {
        from,
        to: zonedToUtc(addDays(end, 1), tz),
        resolution: resolutionFor(n),
        previous: { from: zonedToUtc(addDays(start, -n), tz), to: from },
      }
    }
    default:
      return assertNever(choice.preset)
  }
}

/** Default custom range: the last 7 days. */
export function defaultCustom(now: number, tz: string): Pick<RangeChoice, 'customFrom' | 'customTo'> {
  const today = zonedDate(now, tz)
  return { customFrom: ymdKey(addDays(today, -6)), customTo: ymdKey(today) }
}

/**
 * Every bucket key from `from` to `to` in `tz`, so quiet hours show as gaps rather than vanish.
 * A repeated wall-clock hour (DST fall-back) appears once, as the report keys it.
 */
export function bucketKeys(from: number, to: number, resolution: Resolution, tz: string): string[] {
  const keys: string[] = []
  const seen = new Set<string>()
  const push = (k: string): void => {
    if (!seen.has(k)) {
      seen.add(k)
      keys.push(k)
    }
  }
  switch (resolution) {
    case 'hour':
      for (let t = startOfHour(from, tz); t < to && keys.length < 24 * 400; t += HOUR_MS) push(hourKey(t, tz))
      break
    case 'day':
      for (let d = zonedDate(from, tz); zonedToUtc(d, tz) < to && keys.length < 366 * 30; d = addDays(d, 1))
        push(dayKey(zonedToUtc(d, tz), tz))
      break
    case 'week': {
      // The report keys a week by its Monday (YYYY-MM-DD), in the viewer's zone.
      const first = zonedDate(from, tz)
      const weekday = (new Date(Date.UTC(first.year, first.month - 1, first.day)).getUTCDay() + 6) % 7
      for (let d = addDays(first, -weekday); zonedToUtc(d, tz) < to && keys.length < 53 * 100; d = addDays(d, 7)) push(ymdKey(d))
      break
    }
    case 'month': {
      const first = zonedDate(from, tz)
      for (
        let y = first.year, m = first.month;
        zonedToUtc({ year: y, month: m, day: 1 }, tz) < to && keys.length < 12 * 100;
        m === 12 ? ((y += 1), (m = 1)) : (m += 1)
      ) {
        push(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`)
      }
      break
    }
    default:
      return assertNever(resolution)
  }
  return keys
}

const RANGE_NAMES: Record<Exclude<Preset, 'custom'>, string> = {
  today: 'Today',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  all: 'All time',
}

/**
 * What a range covers, in words and dates, for the line above the figures: "Last 24 hours:
 * Mar 4, 05:00 PM – Mar 5, 05:00 PM", "Last 7 days: Feb 27 – Mar 5", "Today: Mar 5".
 */
export function describeRange(choice: RangeChoice, range: ResolvedRange, tz: string): string {
  const name = choice.preset === 'custom' ? 'Custom range' : RANGE_NAMES[choice.preset]
  if (range.from === undefined || range.to === undefined) return name
  const day = (ms: number): string =>
    new Intl.DateTimeFormat(undefined, {
      timeZone: tz,
      month: 'short',
      day: 'numeric',
      ...(zonedDate(ms, tz).year !== zonedDate(Date.now(), tz).year ? { year: 'numeric' } : {}),
    }).format(ms)
  const time = (ms: number): string =>
    new Intl.DateTimeFormat(undefined, { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms)
  if (choice.preset === '24h') return `${name}: ${time(range.from)} – ${time(range.to)}`
  const last = range.to - 1
  const a = day(range.from)
  const b = day(last)
  return `${name}: ${a === b ? a : `${a} – ${b}`}`
}
