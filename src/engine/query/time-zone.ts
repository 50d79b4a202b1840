/**
 * Time-zone arithmetic for display bucketing. Instants stay UTC; a zone only decides where a
 * local day or hour begins. Offsets are found with Intl and are piecewise constant, so a range
 * is split into segments of one offset each (a few per year where DST applies).
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    })
    formatters.set(tz, f)
  }
  return f
}

/** Whether `tz` is an IANA zone name this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz)
    return true
  } catch {
    return false
  }
}

/** The system's IANA zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** The zone's UTC offset in ms at instant `ts` (local = ts + offset). */
export function offsetAt(tz: string, ts: number): number {
  const p: Record<string, number> = {}
  for (const part of formatter(tz).formatToParts(new Date(ts))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value)
  }
  const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
  return local - (ts - (((ts % 1000) + 1000) % 1000))
}

const DAY = 86_400_000
const QUARTER = 900_000

/** A stretch of time [from, to) over which the zone's offset is `offset`. */
export interface OffsetSegment {
  from: number
  to: number
  offset: number
}

/** Splits [from, to) into segments of constant offset (transitions found to 15 minutes). */
export function offsetSegments(tz: string, from: number, to: number): OffsetSegment[] {
  const segs: OffsetSegment[] = []
  let start = from
  let off = offsetAt(tz, from)
  let probe = from
  while (probe < to) {
    const next = Math.min(probe + DAY, to)
    const nextOff = offsetAt(tz, next - 1)
    if (nextOff !== off) {
      // Binary search the first quarter-hour with the new offset.
      let lo = probe
      let hi = next - 1
      while (hi - lo > QUARTER) {
        const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / QUARTER)) * QUARTER
        if (offsetAt(tz, mid) === off) lo = mid
        else hi = mid
      }
      // Offsets change on quarter-hour boundaries, and (lo, hi] holds exactly one of them.
      const at = lo + 1 + ((QUARTER - ((lo + 1) % QUARTER)) % QUARTER)
      segs.push({ from: start, to: at, offset: off })
      start = at
      off = offsetAt(tz, at)
    }
    probe = next
  }
  segs.push({ from: start, to, offset: off })
  return segs.filter((s) => s.to > s.from)
}

/** The UTC instant at which local date `ymd` (YYYY-MM-DD) begins in `tz`. */
export function startOfLocalDay(tz: string, ymd: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd)
  if (!m) throw new Error(`not a date (YYYY-MM-DD): ${ymd}`)
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== ymd) throw new Error(`not a date: ${ymd}`)
  // Local midnight may not exist (a DST jump at 00:00): the day then begins at the first instant after.
  let guess = midnight - offsetAt(tz, midnight)
  for (let i = 0; i < 3; i++) guess = midnight - offsetAt(tz, guess)
  while (localDayNumber(tz, guess) < midnight / DAY) guess += QUARTER
  while (localDayNumber(tz, guess - QUARTER) >= midnight / DAY) guess -= QUARTER
  return guess
}

function localDayNumber(tz: string, ts: number): number {
  return Math.floor((ts + offsetAt(tz, ts)) / DAY)
}

/** YYYY-MM-DD of a UTC-midnight instant. */
export function ymdOf(utcMidnight: number): string {
  return new Date(utcMidnight).toISOString().slice(0, 10)
}

/** The local calendar day (YYYY-MM-DD) of instant `ts` in `tz`. */
export function localDay(tz: string, ts: number): string {
  return ymdOf(ts + offsetAt(tz, ts))
}
