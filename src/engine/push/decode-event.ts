/** Validates one pushed usage report (socket line or HTTP item) into a UsageEvent. */
import { randomUUID } from 'node:crypto'
import type { UsageEvent } from '../../shared/usage'
import { implicitSessionId } from '../../shared/implicit-session'
import type { PushRefusal } from '../ingest/refusals'

/** Where a pushed event arrived, and whom it belongs to when the sender does not say. */
export interface PushDefaults {
  userId: string
  source: 'socket' | 'http'
}

/** Why a pushed line or item was refused, as the sources panel counts it. */
export type { PushRefusal }

/** A decoded event, or what is wrong with it. `id` is what the reply echoes. */
export type DecodeResult = { ok: true; event: UsageEvent; id: string } | { ok: false; error: string; reason: PushRefusal; id?: string }

/**
 * Largest token count accepted in one bucket of one request, as for the agents' logs: a hundred
 * times the largest context window. With it, the ledger's per-request sums stay far below 2^53.
 */
export const MAX_TOKENS = 1e9
/** Largest self-reported cost of one request, USD. */
export const MAX_COST_USD = 1e6
/** Events older than this are refused: almost always epoch seconds sent as milliseconds. */
export const MIN_TS = Date.UTC(2000, 0, 1)
/** How far in the future a timestamp may be (clock skew), ms. */
export const MAX_FUTURE_MS = 86_400_000

// Ids and names are echoed in replies and stored in every aggregate row: bound them.
const MAX_ID = 256
const MAX_NAME = 256
const MAX_LONG_NAME = 1024

const FIELDS = new Set([
  'id',
  'ts',
  'userId',
  'agentId',
  'project',
  'sessionId',
  'model',
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'cacheWrite1h',
  'costUsd',
])
const TOKEN_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'] as const

// ISO 8601 with a zone: a zoneless time would silently mean the server's local time.
const ISO_TS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

// In a `u` regex \p{Cs} matches only unpaired surrogates: a pair is one code point.
const LONE_SURROGATE = /\p{Cs}/u

class FieldError extends Error {
  constructor(
    message: string,
    readonly reason: PushRefusal,
  ) {
    super(message)
  }
}

function fail(field: string, what: string, reason: PushRefusal = 'bad-field'): never {
  throw new FieldError(`${field}: ${what}`, reason)
}

function str(o: Record<string, unknown>, field: string, max: number, required: boolean): string | undefined {
  const v = o[field]
  if (v === undefined || v === null) return required ? fail(field, 'required') : undefined
  if (typeof v !== 'string') fail(field, 'must be a string')
  if (v.length === 0) fail(field, 'must not be empty')
  if (v.length > max) fail(field, `must be at most ${max} characters`)
  // A lone surrogate (`"\udcff"` in JSON) is stored as U+FFFD: two different ids would collide.
  if (LONE_SURROGATE.test(v)) fail(field, 'must be valid Unicode (it holds a lone surrogate)')
  return v
}

function tokens(o: Record<string, unknown>, field: string): number {
  const v = o[field]
  if (v === undefined || v === null) return 0
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(field, 'must be a non-negative integer')
  if (v > MAX_TOKENS) fail(field, `must be at most ${MAX_TOKENS} tokens per request (refused)`, 'too-large')
  return v
}

function timestamp(v: unknown, now: number): number {
  if (v === undefined || v === null) return now
  let ms: number
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('ts', 'must be a finite number of epoch milliseconds')
    ms = Math.floor(v)
  } else if (typeof v === 'string') {
    if (!ISO_TS.test(v)) fail('ts', 'must be ISO 8601 with a zone (e.g. 2026-03-01T12:00:00Z) or epoch milliseconds')
    ms = Date.parse(v)
    if (Number.isNaN(ms)) fail('ts', 'is not a valid date')
  } else {
    return fail('ts', 'must be an ISO 8601 string or epoch milliseconds')
  }
  if (ms < MIN_TS) fail('ts', 'is before 2000 (epoch seconds instead of milliseconds?)')
  if (ms > now + MAX_FUTURE_MS) fail('ts', 'is more than a day in the future')
  return ms
}

function cost(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail('costUsd', 'must be a non-negative number')
  if (v > MAX_COST_USD) fail('costUsd', `must be at most ${MAX_COST_USD} USD per request (refused)`, 'too-large')
  return v
}

/** The dedup key of a sender's id; `:` and `%` in the agent are escaped so keys cannot collide. */
export function externalKey(agentId: string, id: string): string {
  return `ext:${agentId.replace(/[%:]/g, encodeURIComponent)}:${id}`
}

function decode(o: Record<string, unknown>, now: number, d: PushDefaults): { event: UsageEvent; id: string } {
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) fail(k, 'unknown field')
  const givenId = str(o, 'id', MAX_ID, false)
  const agentId = str(o, 'agentId', MAX_NAME, true) as string
  const model = str(o, 'model', MAX_NAME, true) as string
  const [input, output, cacheRead, cacheWrite, cacheWrite1h] = TOKEN_FIELDS.map((f) => tokens(o, f)) as [
    number,
    number,
    number,
    number,
    number,
  ]
  if (cacheWrite1h > cacheWrite) fail('cacheWrite1h', 'must not exceed cacheWrite (it is the 1-hour part of it)')
  // A random id still gets an ext: key, so a sender may resend with the id it was given back.
  const id = givenId ?? randomUUID()
  const ts = timestamp(o.ts, now)
  const userId = str(o, 'userId', MAX_NAME, false) ?? d.userId
  const event: UsageEvent = {
    key: externalKey(agentId, id),
    ts,
    source: d.source,
    userId,
    agentId,
    project: str(o, 'project', MAX_LONG_NAME, false) ?? '',
    // No session named: the implicit session of this agent, user and UTC hour (docs/PROTOCOL.md).
    sessionId: str(o, 'sessionId', MAX_LONG_NAME, false) ?? implicitSessionId(agentId, userId, ts),
    model,
    input,
    output,
    cacheRead,
    cacheWrite,
    cacheWrite1h,
  }
  const reported = cost(o.costUsd)
  if (reported !== undefined) event.reportedCostUsd = reported
  return { event, id }
}

/**
 * Decodes one report object. Errors name the field (`input: must be a non-negative integer`);
 * unknown fields are refused so a misspelt bucket cannot silently drop tokens.
 */
export function decodeEvent(obj: unknown, now: number, defaults: PushDefaults): DecodeResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return { ok: false, error: 'event: must be a JSON object', reason: 'bad-field' }
  const o = obj as Record<string, unknown>
  try {
    return { ok: true, ...decode(o, now, defaults) }
  } catch (e) {
    if (!(e instanceof FieldError)) throw e
    const id = typeof o.id === 'string' && o.id.length > 0 && o.id.length <= MAX_ID && !LONE_SURROGATE.test(o.id) ? o.id : undefined
    return id === undefined ? { ok: false, error: e.message, reason: e.reason } : { ok: false, error: e.message, reason: e.reason, id }
  }
}

const OPEN_BRACE = /^\s*\{/

/** Parses one NDJSON line and decodes it; a line that is not JSON is an error, not an exception. */
export function decodeLine(line: string, now: number, defaults: PushDefaults): DecodeResult {
  // Garbage is refused without JSON.parse throwing (a thrown SyntaxError costs microseconds).
  if (!OPEN_BRACE.test(line)) return { ok: false, error: 'line is not a JSON object', reason: 'malformed-json' }
  let obj: unknown
  try {
    obj = JSON.parse(line)
  } catch {
    return { ok: false, error: 'line is not valid JSON', reason: 'malformed-json' }
  }
  return decodeEvent(obj, now, defaults)
}
