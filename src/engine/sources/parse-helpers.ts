/** Small validators shared by the log parsers: logs are untrusted input. */

/** A JSON object as parsed, or undefined. */
export type Json = Record<string, unknown>

export function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

/** A token count: a non-negative safe integer; missing means 0, anything else is invalid (NaN). */
export function tokenCount(v: unknown): number {
  if (v === undefined || v === null) return 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : Number.NaN
}

/** Parses an ISO 8601 timestamp to epoch ms; NaN when it is not one. */
export function isoTime(v: unknown): number {
  if (typeof v !== 'string') return Number.NaN
  return Date.parse(v)
}

/** Parses a JSON line into an object, or undefined when it is not a JSON object. */
export function parseJsonObject(line: string): Json | undefined {
  try {
    return asObject(JSON.parse(line))
  } catch {
    return undefined
  }
}
