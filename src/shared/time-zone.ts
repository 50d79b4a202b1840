/**
 * Calendar arithmetic in an IANA time zone with nothing but Intl, used by the engine, the CLI,
 * Electron main and the renderer alike. Instants stay UTC (epoch ms); a zone only decides where
 * a local day or hour begins. Every function takes the instant or date first and the zone last.
 * Offsets are piecewise constant and change on quarter-hour boundaries, so any local day or hour
 * in any zone (+05:30, +05:45, DST days) is an exact union of UTC quarter-hours.
 */

export const MINUTE_MS = 60_000
export const QUARTER_MS = 15 * MINUTE_MS
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS

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

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(tz, f)
  }
  return f
}

/** The zone this process (or browser) runs in. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/**
 * The one time-zone rule of the app, the dashboard, the tray and every CLI command (docs/DASHBOARD.md):
 * the Settings zone when it is set and known, else the system's. `from` says which, for the
 * "times in …" line each of them shows.
 */
export function viewerTimeZone(setting: string): { tz: string; from: 'settings' | 'system' } {
  return setting !== '' && isValidTimeZone(setting) ? { tz: setting, from: 'settings' } : { tz: systemTimeZone(), from: 'system' }
}

/** "Europe/Berlin (the Settings time zone)": how a zone picked by viewerTimeZone is stated. */
export function describeTimeZone(z: { tz: string; from: 'settings' | 'system' | 'flag' }): string {
  const why =
    z.from === 'settings' ? 'the Settings time zone' : z.from === 'system' ? 'the system time zone; none set in Settings' : 'from --tz'
  return `${z.tz} (${why})`
}

/** True when `tz` is an IANA zone name this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  if (tz === '') return false
  try {
    formatter(tz)
    return true
  } catch {
    return false
  }
}

/** The wall clock in `tz` at instant `ms`. */
export function zonedParts(ms: number, tz: string): ZonedParts {
  const out: ZonedParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 }
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      out[p.type] = Number(p.value)
    }
  }
  return out
}

/** How far `tz` is ahead of UTC at instant `ms` (local = ms + offset). */
export function offsetMs(ms: number, tz: string): number {
  const p = zonedParts(ms, tz)
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000
}

/** A stretch of time [from, to) over which the zone's offset is `offset`. */
export interface OffsetSegment {
  from: number
  to: number
  offset: number
}

/** Splits [from, to) into segments of constant offset (transitions found to the quarter-hour). */
export function offsetSegments(from: number, to: number, tz: string): OffsetSegment[] {
  const segs: OffsetSegment[] = []
  let start = from
  let off = offsetMs(from, tz)
  let probe = from
  while (probe < to) {
    const next = Math.min(probe + DAY_MS, to)
    const nextOff = offsetMs(next - 1, tz)
    if (nextOff !== off) {
      // Binary search the first quarter-hour with the new offset.
      let lo = probe
      let hi = next - 1
      while (hi - lo > QUARTER_MS) {
        const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / QUARTER_MS)) * QUARTER_MS
        if (offsetMs(mid, tz) === off) lo = mid
        else hi = mid
      }
      // Offsets change on quarter-hour boundaries, and (lo, hi] holds exactly one of them.
      const at = lo + 1 + ((QUARTER_MS - ((lo + 1) % QUARTER_MS)) % QUARTER_MS)
      segs.push({ from: start, to: at, offset: off })
      start = at
      off = offsetMs(at, tz)
    }
    probe = next
  }
  segs.push({ from: start, to, offset: off })
  return segs.filter((s) => s.to > s.from)
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** YYYY-MM-DD. */
export function ymdKey(d: Ymd): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`
}

/** A date `n` calendar days after `d`. */
export function addDays(d: Ymd, n: number): Ymd {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

/** Parses YYYY-MM-DD (a real calendar date), or undefined. */
export function parseYmd(s: string): Ymd | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (m === null) return undefined
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
  const back = addDays(d, 0)
  return back.year === d.year && back.month === d.month && back.day === d.day ? d : undefined
}

/** The YYYY-MM-DD `n` days after `ymd` (default: the next day). */
export function nextDay(ymd: string, n = 1): string {
  const d = parseYmd(ymd)
  if (d === undefined) throw new Error(`not a date (YYYY-MM-DD): ${ymd}`)
  return ymdKey(addDays(d, n))
}

/** YYYY-MM-DD of a UTC-midnight instant (or of the UTC day holding `utcMs`). */
export function ymdOf(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10)
}

/** The calendar date in `tz` at `ms`. */
export function zonedDate(ms: number, tz: string): Ymd {
  const p = zonedParts(ms, tz)
  return { year: p.year, month: p.month, day: p.day }
}

/** The local calendar day (YYYY-MM-DD) of instant `ms` in `tz`: a report's `day` key. */
export function dayKey(ms: number, tz: string): string {
  return ymdOf(ms + offsetMs(ms, tz))
}

/** The report's `hour` key (YYYY-MM-DDTHH:00) for `ms` in `tz`. */
export function hourKey(ms: number, tz: string): string {
  const p = zonedParts(ms, tz)
  return `${ymdKey(p)}T${pad(p.hour)}:00`
}

function localDayNumber(ms: number, tz: string): number {
  return Math.floor((ms + offsetMs(ms, tz)) / DAY_MS)
}

/**
 * The UTC instant at which local date `ymd` (YYYY-MM-DD) begins in `tz`. Where local midnight
 * does not exist (a DST jump at 00:00) the day begins at the first instant after it.
 */
export function startOfLocalDay(ymd: string, tz: string): number {
  const d = parseYmd(ymd)
  if (d === undefined) throw new Error(`not a date (YYYY-MM-DD): ${ymd}`)
  const midnight = Date.UTC(d.year, d.month - 1, d.day)
  let guess = midnight - offsetMs(midnight, tz)
  for (let i = 0; i < 3; i++) guess = midnight - offsetMs(guess, tz)
  while (localDayNumber(guess, tz) < midnight / DAY_MS) guess += QUARTER_MS
  while (localDayNumber(guess - QUARTER_MS, tz) >= midnight / DAY_MS) guess -= QUARTER_MS
  return guess
}

/** The instant the wall clock in `tz` shows the given date and hour (the later one if skipped). */
export function zonedToUtc(d: Ymd, tz: string, hour = 0): number {
  const local = Date.UTC(d.year, d.month - 1, d.day, hour)
  const first = local - offsetMs(local, tz)
  // A second pass corrects guesses that landed on the other side of a DST change.
  return local - offsetMs(first, tz)
}

/** Start of the wall-clock hour in `tz` that contains `ms` (zones can be 30 or 45 min off UTC). */
export function startOfHour(ms: number, tz: string): number {
  const p = zonedParts(ms, tz)
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS - p.minute * MINUTE_MS
}

/** Whole calendar days from `a` to `b`. */
export function daysBetween(a: Ymd, b: Ymd): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS)
}
