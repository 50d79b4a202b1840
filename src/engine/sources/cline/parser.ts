import { readFileSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { DocumentParser, FileContext, RecordsOutcome, SkipReason } from '../types'

/** The extension (or app) that wrote a task, from where it lies. */
export type ClineVendor = 'cline' | 'roo-code' | 'kilo-code'

export function vendorOf(path: string): ClineVendor {
  if (/rooveterinaryinc\.roo-cline|[\\/]\.vscode-mock[\\/]/i.test(path)) return 'roo-code'
  if (/kilocode\.kilo-code/i.test(path)) return 'kilo-code'
  return 'cline'
}

/** A sibling file's stamp: what it was when we last looked, so an unchanged one is not read again. */
interface Stamp {
  size: number
  mtime: number
}

/**
 * What our store keeps with a task's ui_messages.json: what was gathered from the sibling files
 * (the models named per request, the workspace), each with the stamp it was read at.
 */
export interface ClineState {
  history?: Stamp & { models: [number, string][]; cwd: string | null }
  metadata?: Stamp & { models: [number, string, string][] }
  workspace?: string | null
}

function stampOf(path: string): Stamp | undefined {
  try {
    const st = statSync(path)
    return { size: st.size, mtime: Math.trunc(st.mtimeMs) }
  } catch {
    return undefined
  }
}

const same = (a: Stamp | undefined, b: Stamp | undefined): boolean =>
  a !== undefined && b !== undefined && a.size === b.size && a.mtime === b.mtime

/** Side files larger than this are not read (the usage itself is in ui_messages.json). */
const MAX_SIDE_BYTES = 64 * 1024 * 1024

function readSide(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_SIDE_BYTES) return undefined
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * `api_conversation_history.json`: Roo Code and Kilo Code name the model in each request's
 * environment details (`<model>…</model>`, in a user message stamped with `ts`, its last key), and
 * every flavour prints the working directory there. Read by pattern, not parsed: it can be large.
 */
function scanHistory(text: string): { models: [number, string][]; cwd: string | null } {
  const models: [number, string][] = []
  const tag = /<model>([^<]{1,200})<\/model>/g
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const ts = /"ts"\s*:\s*(\d{10,16})/.exec(text.slice(tag.lastIndex, tag.lastIndex + 200_000))
    models.push([ts ? Number(ts[1]) : 0, (m[1] as string).trim()])
  }
  const cwd = /# Current (?:Working|Workspace) Directory \(([^)\\]{1,1000})\)/.exec(text)?.[1] ?? null
  return { models, cwd }
}

/** The model in force at `ts`: the last one named at or before it, else the first named. */
function modelAt(
  models: readonly (readonly [number, string, ...string[]])[],
  ts: number,
): readonly [number, string, ...string[]] | undefined {
  let found: readonly [number, string, ...string[]] | undefined
  for (const m of models) if (m[0] <= ts) found = m
  return found ?? models[0]
}

/**
 * Providers Cline passes OpenAI's `prompt_tokens` for (cache included) together with a cached count;
 * every other provider's `tokensIn` is the uncached remainder (Cline's SDK adapter: "Classic
 * Cline/webview metrics expect tokensIn, cacheReads, and cacheWrites to be disjoint buckets").
 */
const CLINE_INCLUSIVE_PROVIDERS = new Set(['openai', 'litellm', 'doubao', 'fireworks', 'hicap', 'lmstudio', 'qwen', 'xai', 'zai'])

/** Roo Code 3.29.5 (RooCodeInc/Roo-Code#8954) and Kilo Code 4.119.0 record the whole prompt as `tokensIn` for every protocol. */
const WHOLE_PROMPT_SINCE: Record<Exclude<ClineVendor, 'cline'>, number> = {
  'roo-code': Date.UTC(2025, 10, 1),
  'kilo-code': Date.UTC(2025, 10, 12),
}

/** Whether a classic request's `tokensIn` includes its cache reads and writes. */
function inputIncludesCache(
  vendor: ClineVendor,
  tokensIn: number,
  cache: number,
  ts: number,
  protocol: string | undefined,
  provider: string | undefined,
): boolean {
  if (tokensIn < cache) return false
  if (vendor === 'cline') return provider !== undefined && CLINE_INCLUSIVE_PROVIDERS.has(provider.toLowerCase())
  // Before the change, Anthropic-protocol requests recorded the remainder; OpenAI-protocol ones the total.
  if (ts < WHOLE_PROMPT_SINCE[vendor] && (protocol === undefined || protocol === 'anthropic')) return false
  return true
}

type Outcome = { kind: 'event'; event: UsageEvent } | { kind: 'none' } | { kind: 'skip'; reason: SkipReason }

function reportedCost(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined
}

/** Gathers what the task's sibling files say, re-reading only those that changed since. */
function sideFacts(path: string, vendor: ClineVendor, state: ClineState): ClineState {
  const dir = dirname(path)
  let next = state
  const histPath = join(dir, 'api_conversation_history.json')
  const hist = stampOf(histPath)
  if (hist && !same(hist, state.history)) {
    const text = readSide(histPath)
    if (text !== undefined) next = { ...next, history: { ...hist, ...scanHistory(text) } }
  }
  if (vendor === 'cline') {
    const metaPath = join(dir, 'task_metadata.json')
    const meta = stampOf(metaPath)
    if (meta && !same(meta, state.metadata)) {
      const doc = parseJsonObject(readSide(metaPath) ?? '')
      const usage: unknown[] = Array.isArray(doc?.model_usage) ? doc.model_usage : []
      const models: [number, string, string][] = []
      for (const u of usage) {
        const o = asObject(u)
        const model = asString(o?.model_id)
        if (o && model && typeof o.ts === 'number') models.push([o.ts, model, asString(o.model_provider_id) ?? ''])
      }
      next = { ...next, metadata: { ...meta, models } }
    }
  } else if (state.workspace === undefined) {
    const item = parseJsonObject(readSide(join(dir, 'history_item.json')) ?? '')
    next = { ...next, workspace: asString(item?.workspace) ?? null }
  }
  return next
}

/** One `say: "api_req_started"` message of a classic task. */
function classicRequest(m: Json, ts: number, key: string, vendor: ClineVendor, task: string, state: ClineState, ctx: FileContext): Outcome {
  if (typeof m.text !== 'string') return { kind: 'none' }
  const info = parseJsonObject(m.text)
  if (!info) return { kind: 'skip', reason: 'malformed-json' }
  const tokensIn = tokenCount(info.tokensIn)
  const output = tokenCount(info.tokensOut)
  const cacheRead = tokenCount(info.cacheReads)
  const cacheWrite = tokenCount(info.cacheWrites)
  if ([tokensIn, output, cacheRead, cacheWrite].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS))
    return { kind: 'skip', reason: 'bad-field' }
  // A placeholder (written when the request starts) has no counts yet: the rewrite that fills it in counts.
  if (tokensIn + output + cacheRead + cacheWrite === 0) return { kind: 'none' }
  if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  const own = asObject(m.modelInfo)
  const meta = state.metadata ? modelAt(state.metadata.models, ts) : undefined
  const provider = asString(own?.providerId) ?? (meta?.[2] || undefined)
  const protocol = asString(info.apiProtocol) ?? asString(m.apiProtocol)
  const inclusive = inputIncludesCache(vendor, tokensIn, cacheRead + cacheWrite, ts, protocol, provider)
  const model = asString(own?.modelId) ?? meta?.[1] ?? (state.history ? modelAt(state.history.models, ts)?.[1] : undefined) ?? 'unknown'
  const event: UsageEvent = {
    key,
    ts,
    source: 'cline',
    userId: ctx.userId,
    agentId: vendor,
    project: state.workspace ?? state.history?.cwd ?? '',
    sessionId: task,
    model,
    input: inclusive ? tokensIn - cacheRead - cacheWrite : tokensIn,
    output,
    cacheRead,
    cacheWrite,
    cacheWrite1h: 0,
  }
  const cost = reportedCost(info.cost)
  if (cost !== undefined) event.reportedCostUsd = cost
  return { kind: 'event', event }
}

/** A classic task: `tasks/<taskId>/ui_messages.json`, the whole message list rewritten on every change. */
function parseClassic(text: string, state: ClineState, ctx: FileContext): RecordsOutcome<ClineState> {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return { events: [], records: 1, skips: ['malformed-json'], state }
  }
  if (!Array.isArray(doc)) return { events: [], records: 1, skips: ['unknown-shape'], state }
  const vendor = vendorOf(ctx.path)
  const task = basename(dirname(ctx.path))
  const next = sideFacts(ctx.path, vendor, state)
  const events: UsageEvent[] = []
  const skips: SkipReason[] = []
  const seen = new Map<number, number>()
  for (const item of doc as unknown[]) {
    const m = asObject(item)
    if (!m) {
      skips.push('bad-field')
      continue
    }
    if (m.type !== 'say' || m.say !== 'api_req_started') continue
    // Epoch ms as the extensions write it (an ISO string is taken too).
    const ts = typeof m.ts === 'number' && Number.isSafeInteger(m.ts) ? m.ts : isoTime(m.ts)
    if (Number.isNaN(ts)) {
      skips.push('bad-field')
      continue
    }
    // `ts` identifies a message within its task; a repeated one gets an ordinal.
    const n = seen.get(ts) ?? 0
    seen.set(ts, n + 1)
    const o = classicRequest(m, ts, `cline:${vendor}:${task}:${ts}${n > 0 ? `:${n}` : ''}`, vendor, task, next, ctx)
    if (o.kind === 'event') events.push(o.event)
    else if (o.kind === 'skip') skips.push(o.reason)
  }
  return { events, records: doc.length, skips, state: next }
}

/**
 * Cline ≥ 4.1 (the SDK, extension and CLI): `sessions/<id>/<id>.messages.json`, a subagent's in
 * `<root id>/<agentId>.messages.json`; each assistant message's `metrics` is that call's usage, its
 * `inputTokens` the whole request (cache reads and writes included: made exclusive).
 */
function parseSession(text: string, state: ClineState, ctx: FileContext): RecordsOutcome<ClineState> {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return { events: [], records: 1, skips: ['malformed-json'], state }
  }
  const messages: unknown = Array.isArray(doc) ? doc : asObject(doc)?.messages
  if (!Array.isArray(messages)) return { events: [], records: 1, skips: ['unknown-shape'], state }
  const folder = basename(dirname(ctx.path))
  const stem = basename(ctx.path).replace(/\.messages\.json$/, '')
  const session = asString(asObject(doc)?.sessionId) ?? folder
  const agent = stem === folder ? 'main' : stem
  const manifest = parseJsonObject(readSide(join(dirname(ctx.path), `${folder}.json`)) ?? '')
  const project = asString(manifest?.workspace_root) ?? asString(manifest?.cwd) ?? ''
  const events: UsageEvent[] = []
  const skips: SkipReason[] = []
  let calls = 0
  for (const item of messages as unknown[]) {
    const m = asObject(item)
    if (!m) {
      skips.push('bad-field')
      continue
    }
    if (m.role !== 'assistant') continue
    const metrics = asObject(m.metrics)
    if (!metrics || asObject(m.metadata)?.displayOnly === true) continue
    const index = calls++
    const whole = tokenCount(metrics.inputTokens)
    const output = tokenCount(metrics.outputTokens)
    const cacheRead = tokenCount(metrics.cacheReadTokens)
    const cacheWrite = tokenCount(metrics.cacheWriteTokens)
    if ([whole, output, cacheRead, cacheWrite].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) {
      skips.push('bad-field')
      continue
    }
    if (whole + output + cacheRead + cacheWrite === 0) continue
    const ts = typeof m.ts === 'number' ? m.ts : m.ts !== undefined ? isoTime(m.ts) : (ctx.mtimeMs ?? Number.NaN)
    if (Number.isNaN(ts)) {
      skips.push('bad-field')
      continue
    }
    if (!plausibleTime(ts)) {
      skips.push('implausible-time')
      continue
    }
    const id = asString(m.id)
    const event: UsageEvent = {
      key: `cline:sdk:${session}:${agent}:${id ?? `i${index}`}`,
      ts,
      source: 'cline',
      userId: ctx.userId,
      agentId: 'cline',
      project,
      sessionId: session,
      model: asString(asObject(m.modelInfo)?.id) ?? asString(manifest?.model) ?? 'unknown',
      input: Math.max(0, whole - cacheRead - cacheWrite),
      output,
      cacheRead,
      cacheWrite,
      cacheWrite1h: 0,
    }
    const cost = reportedCost(metrics.cost)
    if (cost !== undefined) event.reportedCostUsd = cost
    events.push(event)
  }
  return { events, records: messages.length, skips, state }
}

/**
 * Cline, Roo Code and Kilo Code: the classic task folders' `ui_messages.json` (one `api_req_started`
 * per model request, its counts filled in when the response ends; key vendor + task + the message's
 * `ts`) and Cline's SDK session files. Both are rewritten whole: every read brings every request
 * again with its key, so only new or grown ones add.
 */
export const clineParser: DocumentParser<ClineState> = {
  source: 'cline',
  initialState: () => ({}),
  parseDocument(text, state, ctx) {
    return ctx.path.endsWith('.messages.json') ? parseSession(text, state, ctx) : parseClassic(text, state, ctx)
  },
}
