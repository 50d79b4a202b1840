/** Small validators shared by the log parsers: logs are untrusted input. */

/** A JSON object as parsed, or undefined. */
export type Json = Record<string, unknown>

export function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/**
 * A token count: a non-negative safe integer; a missing field means 0, anything else (`null`, a
 * string, a fraction, a negative) is invalid (NaN) and makes the whole line malformed.
 */
export function tokenCount(v: unknown): number {
  if (v === undefined) return 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN
}

/** Parses an ISO 8601 timestamp to epoch ms; NaN when it is not one. */
export function isoTime(v: unknown): number {
  if (typeof v !== 'string') return Number.NaN
  return Date.parse(v)
}

/** Usage before this instant is taken for a broken clock or a corrupt line. */
export const EARLIEST_TS = Date.UTC(2020, 0, 1)
/** How far ahead of now a log timestamp may be (test fixtures and skewed clocks, not years). */
export const MAX_AHEAD_MS = 5 * 365 * 86_400_000

/** Whether a log timestamp is one real usage could carry: from 2020 up to five years ahead. */
export function plausibleTime(ts: number, now = Date.now()): boolean {
  return ts >= EARLIEST_TS && ts <= now + MAX_AHEAD_MS
}

/** Parses a JSON line into an object, or undefined when it is not a JSON object. */
export function parseJsonObject(line: string): Json | undefined {
  try {
    return asObject(JSON.parse(line))
  } catch {
    return undefined
  }
}
