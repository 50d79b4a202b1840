/**
 * One OTLP log record or span → one usage event (exclusive buckets, a dedup key per request), or
 * why it is not one. docs/OTEL.md lists what counts; the research notes
 * (../shared/research/otel-and-scale.md §7, agents-and-otel-2026-12.md §5) give the sources.
 */
import { createHash } from 'node:crypto'
import type { UsageEvent } from '../../shared/usage'
import type { OtlpSkipReason } from '../../shared/contract'
import { nanosToMs, type Attrs, type LogRec, type Scalar, type SpanRec } from './records'

/** Largest token count accepted in one bucket of one request (as for pushed events). */
export { MAX_TOKENS } from '../push/decode-event'
import { MAX_TOKENS } from '../push/decode-event'
const MIN_TS = Date.UTC(2000, 0, 1)
const MAX_FUTURE_MS = 86_400_000
const MAX_NAME = 256
const MAX_LONG_NAME = 1024

/** The resource attribute a sender names its project with (docs/OTEL.md). */
export const PROJECT_ATTRIBUTE = 'tokenwatch.project'

/** What one record became. `service` is its resource's service.name. */
export type Mapped =
  { kind: 'usage'; event: UsageEvent; service: string } | { kind: 'skip'; reason: OtlpSkipReason; service: string; rejected: boolean }

export interface MapDefaults {
  userId: string
  now: number
}

/** The agent a service.name is: the log sources' ids for the agents Token Watch also reads. */
export function agentOf(service: string): string {
  const s = service.toLowerCase()
  if (s.startsWith('claude-code') || s === 'claude_code') return 'claude-code'
  if (s.startsWith('codex')) return 'codex'
  if (s.startsWith('gemini-cli') || s === 'gemini_cli') return 'gemini-cli'
  if (s.includes('copilot')) return 'copilot-cli'
  if (s === '' || s.startsWith('unknown_service')) return 'otlp'
  return service.slice(0, MAX_NAME)
}

/** Agents whose own per-request events are counted; their GenAI-convention copies are twins. */
const OWN_EVENTS = new Set(['claude-code', 'codex', 'gemini-cli'])

class Bad extends Error {
  constructor(readonly reason: OtlpSkipReason) {
    super(reason)
  }
}

function pick(rec: Attrs, res: Attrs, ...keys: string[]): Scalar | undefined {
  for (const k of keys) {
    const v = rec.get(k) ?? res.get(k)
    if (v !== undefined && v !== '') return v
  }
  return undefined
}

function text(v: Scalar | undefined, max: number): string {
  if (v === undefined) return ''
  const s = String(v)
  return s.length > max ? s.slice(0, max) : s
}

/** A token count: a non-negative integer, as a number or a decimal string; absent = 0. */
function tokens(v: Scalar | undefined): number {
  if (v === undefined) return 0
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.0+)?\s*$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n) || n < 0 || n > MAX_TOKENS) throw new Bad('bad-tokens')
  return n
}

function hasAny(a: Attrs, keys: readonly string[]): boolean {
  return keys.some((k) => a.has(k))
}

/** Short stable hash of a record's content: an exporter's retry resends the same bytes. */
function contentKey(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27)
}

function sortedAttrs(a: Attrs): [string, Scalar][] {
  return [...a.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
}

function plausible(ts: number, now: number): number {
  if (!Number.isFinite(ts) || ts < MIN_TS || ts > now + MAX_FUTURE_MS) throw new Bad('bad-time')
  return ts
}

/** The instant of a log record: its `event.timestamp`, else its time, else when it was observed. */
function logTime(r: LogRec, now: number): number {
  const iso = r.attrs.get('event.timestamp')
  if (typeof iso === 'string') {
    const ms = Date.parse(iso)
    if (!Number.isNaN(ms)) return plausible(ms, now)
  }
  const ms = nanosToMs(r.timeNano) ?? nanosToMs(r.observedNano)
  return ms === undefined ? now : plausible(ms, now)
}

interface Dims {
  service: string
  agentId: string
  userId: string
  sessionId: string
  project: string
}

function dims(rec: Attrs, res: Attrs, d: MapDefaults): Dims {
  const service = text(res.get('service.name') ?? rec.get('service.name'), MAX_NAME)
  return {
    service,
    agentId: agentOf(service),
    userId: text(pick(rec, res, 'enduser.id', 'user.email', 'user.id'), MAX_NAME) || d.userId,
    sessionId: text(pick(rec, res, 'session.id', 'gen_ai.conversation.id', 'conversation.id', 'copilot_chat.session_id'), MAX_LONG_NAME),
    project: text(pick(rec, res, PROJECT_ATTRIBUTE), MAX_LONG_NAME),
  }
}

function usage(
  key: string,
  ts: number,
  x: Dims,
  model: string,
  b: { input: number; output: number; cacheRead: number; cacheWrite: number },
): Mapped {
  return {
    kind: 'usage',
    service: x.service,
    event: {
      key,
      ts,
      source: 'otlp',
      userId: x.userId,
      agentId: x.agentId,
      project: x.project,
      sessionId: x.sessionId,
      model: model.slice(0, MAX_NAME) || 'unknown',
      input: b.input,
      output: b.output,
      cacheRead: b.cacheRead,
      cacheWrite: b.cacheWrite,
      cacheWrite1h: 0,
    },
  }
}

/** A request id usable in a key (Anthropic's `req_011…`). */
const REQUEST_ID = /^[\w.-]{1,200}$/

/** The key of a Claude Code request: the transcript's `requestId` joins it (ingest/merge.ts). */
export function claudeRequestKey(requestId: string): string {
  return `otlp:cc:${requestId}`
}

/** Events that carry token-like numbers but must never be counted (research notes §5). */
const NEVER_COUNT = new Set([
  'claude_code.compaction',
  'claude_code.subagent_completed',
  'claude_code.api_response_body',
  'claude_code.api_request_body',
  'codex.guardian.review',
  'gen_ai.evaluation.result',
])

/** An event name with its agent's prefix: Claude Code sends `event.name` = `api_request`. */
function canonicalName(name: string, agentId: string): string {
  if (name.includes('.')) return name
  if (agentId === 'claude-code') return `claude_code.${name}`
  if (agentId === 'gemini-cli') return `gemini_cli.${name}`
  if (agentId === 'codex') return `codex.${name}`
  return name
}

/** GenAI-convention usage attributes (and their deprecated names). */
const GENAI_INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']
const GENAI_OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']
const GENAI_CACHE_READ = ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens']
const GENAI_CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
]
/** Operations that summarize other requests (their tokens are their chats'). */
const SUMMARY_OPERATIONS = new Set(['invoke_agent', 'create_agent', 'execute_tool', 'invoke_workflow'])

/**
 * GenAI usage to exclusive buckets. The conventions say `gen_ai.usage.input_tokens` includes
 * cache reads and writes; where it is smaller than them the sender reported it exclusive
 * (Anthropic's raw `input_tokens`), and it is taken as is.
 */
function genAiBuckets(a: Attrs): { input: number; output: number; cacheRead: number; cacheWrite: number } {
  const first = (keys: string[]): Scalar | undefined => keys.map((k) => a.get(k)).find((v) => v !== undefined)
  const inputAll = tokens(first(GENAI_INPUT))
  const cacheRead = tokens(first(GENAI_CACHE_READ))
  const cacheWrite = tokens(first(GENAI_CACHE_WRITE))
  const input = inputAll >= cacheRead + cacheWrite ? inputAll - cacheRead - cacheWrite : inputAll
  return { input, output: tokens(first(GENAI_OUTPUT)), cacheRead, cacheWrite }
}

function genAiModel(a: Attrs): string {
  return text(a.get('gen_ai.response.model') ?? a.get('gen_ai.request.model') ?? a.get('model'), MAX_NAME)
}

function isGenAiUsage(a: Attrs): boolean {
  return hasAny(a, GENAI_INPUT) || hasAny(a, GENAI_OUTPUT)
}

function mapLog(r: LogRec, d: MapDefaults): Mapped {
  const x = dims(r.attrs, r.resource, d)
  const a = r.attrs
  const raw = (typeof a.get('event.name') === 'string' ? (a.get('event.name') as string) : '') || r.eventName
  const name = canonicalName(raw, x.agentId)
  if (NEVER_COUNT.has(name)) return { kind: 'skip', reason: 'never-count', service: x.service, rejected: false }
  const hashKey = (): string => `otlp:h:${contentKey([x.service, name, r.timeNano, sortedAttrs(a), r.traceId, r.spanId])}`
  switch (name) {
    case 'claude_code.api_request': {
      const requestId = text(a.get('request_id'), 256)
      const key = REQUEST_ID.test(requestId) ? claudeRequestKey(requestId) : hashKey()
      return usage(key, logTime(r, d.now), x, text(a.get('model'), MAX_NAME), {
        input: tokens(a.get('input_tokens')),
        output: tokens(a.get('output_tokens')),
        cacheRead: tokens(a.get('cache_read_tokens')),
        cacheWrite: tokens(a.get('cache_creation_tokens')),
      })
    }
    case 'codex.sse_event': {
      if (a.get('event.kind') !== 'response.completed') return { kind: 'skip', reason: 'not-usage', service: x.service, rejected: false }
      // Codex's input includes the cached part (the OpenAI convention); output includes reasoning.
      const all = tokens(a.get('input_token_count'))
      const cached = Math.min(tokens(a.get('cached_token_count')), all)
      return usage(hashKey(), logTime(r, d.now), x, text(a.get('model'), MAX_NAME), {
        input: all - cached,
        output: tokens(a.get('output_token_count')),
        cacheRead: cached,
        cacheWrite: 0,
      })
    }
    case 'gemini_cli.api_response': {
      // As the chat-file parser: input includes cached content; tool-use prompt is input, thoughts are output.
      const all = tokens(a.get('input_token_count'))
      const cached = Math.min(tokens(a.get('cached_content_token_count')), all)
      return usage(hashKey(), logTime(r, d.now), x, text(a.get('model'), MAX_NAME), {
        input: all - cached + tokens(a.get('tool_token_count')),
        output: tokens(a.get('output_token_count')) + tokens(a.get('thoughts_token_count')),
        cacheRead: cached,
        cacheWrite: 0,
      })
    }
    default:
      break
  }
  if (!isGenAiUsage(a)) return { kind: 'skip', reason: 'not-usage', service: x.service, rejected: false }
  if (OWN_EVENTS.has(x.agentId)) return { kind: 'skip', reason: 'agent-twin', service: x.service, rejected: false }
  if (SUMMARY_OPERATIONS.has(text(a.get('gen_ai.operation.name'), 64)))
    return { kind: 'skip', reason: 'agent-summary', service: x.service, rejected: false }
  // A log twin of an inference span carries the span's context: it gets the span's key.
  const key = r.traceId && r.spanId ? `otlp:span:${r.traceId}:${r.spanId}` : hashKey()
  return usage(key, logTime(r, d.now), x, genAiModel(a), genAiBuckets(a))
}

function mapSpan(s: SpanRec, d: MapDefaults): Mapped {
  const x = dims(s.attrs, s.resource, d)
  const a = s.attrs
  const ms = nanosToMs(s.endNano) ?? nanosToMs(s.startNano)
  const time = (): number => (ms === undefined ? d.now : plausible(ms, d.now))
  if (s.name === 'claude_code.llm_request') {
    // Claude Code's beta span: its own attribute names, gen_ai.response.id = the request id.
    const requestId = text(a.get('gen_ai.response.id') ?? a.get('request_id'), 256)
    if (!REQUEST_ID.test(requestId)) return { kind: 'skip', reason: 'agent-twin', service: x.service, rejected: false }
    return usage(claudeRequestKey(requestId), time(), x, genAiModel(a), {
      input: tokens(a.get('input_tokens')),
      output: tokens(a.get('output_tokens')),
      cacheRead: tokens(a.get('cache_read_tokens')),
      cacheWrite: tokens(a.get('cache_creation_tokens')),
    })
  }
  if (!isGenAiUsage(a)) return { kind: 'skip', reason: 'not-usage', service: x.service, rejected: false }
  if (OWN_EVENTS.has(x.agentId)) return { kind: 'skip', reason: 'agent-twin', service: x.service, rejected: false }
  const op = text(a.get('gen_ai.operation.name'), 64) || s.name.split(' ')[0] || ''
  if (SUMMARY_OPERATIONS.has(op)) return { kind: 'skip', reason: 'agent-summary', service: x.service, rejected: false }
  const key =
    s.traceId && s.spanId
      ? `otlp:span:${s.traceId}:${s.spanId}`
      : `otlp:h:${contentKey([x.service, s.name, s.startNano, s.endNano, sortedAttrs(a)])}`
  return usage(key, time(), x, genAiModel(a), genAiBuckets(a))
}

function guarded(service: () => string, f: () => Mapped): Mapped {
  try {
    return f()
  } catch (e) {
    if (e instanceof Bad) return { kind: 'skip', reason: e.reason, service: service(), rejected: true }
    throw e
  }
}

/** Maps one log record; never throws on its content. */
export function mapLogRecord(r: LogRec, d: MapDefaults): Mapped {
  return guarded(
    () => text(r.resource.get('service.name'), MAX_NAME),
    () => mapLog(r, d),
  )
}

/** Maps one span; never throws on its content. */
export function mapSpanRecord(s: SpanRec, d: MapDefaults): Mapped {
  return guarded(
    () => text(s.resource.get('service.name'), MAX_NAME),
    () => mapSpan(s, d),
  )
}
