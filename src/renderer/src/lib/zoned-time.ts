/**
 * Calendar arithmetic in an IANA time zone with nothing but Intl: the viewer's day and hour
 * boundaries, exact on DST days and in half- and quarter-hour zones.
 */

/** A wall-clock date and time in some zone (month 1-12). */
export interface ZonedParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** A calendar date, month 1-12. */
export interface Ymd {
  year: number
  month: number
  day: number
}

export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    })
    formatters.set(tz, f)
  }
  return f
}

/** The zone the browser runs in. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** True when the runtime knows `tz`. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz)
    return tz !== ''
  } catch {
    return false
  }
}

/** The wall clock in `tz` at instant `ms`. */
export function zonedParts(ms: number, tz: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      out[p.type] = Number(p.value)
    }
  }
  return out
}

/** How far `tz` is ahead of UTC at instant `ms`. */
export function offsetMs(ms: number, tz: string): number {
  const p = zonedParts(ms, tz)
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000
}

/** The instant the wall clock in `tz` shows the given date and hour (the later one if skipped). */
export function zonedToUtc(d: Ymd, tz: string, hour = 0): number {
  const local = Date.UTC(d.year, d.month - 1, d.day, hour)
  const first = local - offsetMs(local, tz)
  // A second pass corrects guesses that landed on the other side of a DST change.
  return local - offsetMs(first, tz)
}

/** The calendar date in `tz` at `ms`. */
export function zonedDate(ms: number, tz: string): Ymd {
  const p = zonedParts(ms, tz)
  return { year: p.year, month: p.month, day: p.day }
}

/** A date `n` calendar days after `d`. */
export function addDays(d: Ymd, n: number): Ymd {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

/** Start of the calendar day in `tz` that contains `ms`. */
export function startOfDay(ms: number, tz: string): number {
  return zonedToUtc(zonedDate(ms, tz), tz)
}

/** Start of the wall-clock hour in `tz` that contains `ms` (zones can be 30 or 45 min off UTC). */
export function startOfHour(ms: number, tz: string): number {
  const p = zonedParts(ms, tz)
  return Math.floor(ms / 60_000) * 60_000 - p.minute * 60_000
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** YYYY-MM-DD. */
export function ymdKey(d: Ymd): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`
}

/** Parses YYYY-MM-DD, or undefined. */
export function parseYmd(s: string): Ymd | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (m === null) return undefined
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
  const back = addDays(d, 0)
  return back.year === d.year && back.month === d.month && back.day === d.day ? d : undefined
}

/** The report's `day` key for `ms` in `tz`. */
export function dayKey(ms: number, tz: string): string {
  return ymdKey(zonedDate(ms, tz))
}

/** The report's `hour` key (YYYY-MM-DDTHH:00) for `ms` in `tz`. */
export function hourKey(ms: number, tz: string): string {
  const p = zonedParts(ms, tz)
  return `${ymdKey(p)}T${pad(p.hour)}:00`
}

/** Whole calendar days from `a` to `b`. */
export function daysBetween(a: Ymd, b: Ymd): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS)
}
