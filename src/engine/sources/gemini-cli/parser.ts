import { readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { DocumentParser, FileContext, LineOutcome, LineParser, RecordsOutcome, SkipReason } from '../types'

/**
 * Per-file state. Whether `tokens.input` includes `tokens.cached` is decided per file: the Gemini
 * API's promptTokenCount includes it, yet some files write `total = input + output + cached +
 * thoughts` (input exclusive). A message whose `total` proves either way decides for the file;
 * until one does, input is taken as exclusive (as ccusage and tokscale do).
 */
export interface GeminiState {
  sessionId: string
  project: string
  inclusive: boolean | null
}

/** The project a chat belongs to: `<root>/<slug>/.project_root` when written, else the slug. */
function projectOf(ctx: FileContext): string {
  const slug = relative(ctx.root, ctx.path).split(sep)[0] ?? ''
  try {
    const root = readFileSync(join(ctx.root, slug, '.project_root'), 'utf8').trim()
    if (root.length > 0) return root
  } catch {
    /* older layouts: a hash or slug folder only */
  }
  return slug
}

function initialState(ctx: FileContext): GeminiState {
  return { sessionId: '', project: projectOf(ctx), inclusive: null }
}

type Message = { kind: 'event'; event: UsageEvent } | { kind: 'none' } | { kind: 'skip'; reason: SkipReason }

/** One MessageRecord: a `gemini` message with `tokens` is a billed request, keyed by its id. */
function messageEvent(m: Json, state: GeminiState, ctx: FileContext): Message {
  if (m.type !== 'gemini') return { kind: 'none' }
  const tokens = asObject(m.tokens)
  if (!tokens) return { kind: 'none' }
  const id = asString(m.id)
  const ts = isoTime(m.timestamp)
  const input = tokenCount(tokens.input)
  const output = tokenCount(tokens.output)
  const cached = tokenCount(tokens.cached)
  const thoughts = tokenCount(tokens.thoughts)
  const tool = tokenCount(tokens.tool)
  if (!id || Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
  if ([input, output, cached, thoughts, tool].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS))
    return { kind: 'skip', reason: 'bad-field' }
  if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  const total = tokens.total
  if (typeof total === 'number' && cached > 0) {
    if (total === input + output + thoughts + tool) state.inclusive = true
    else if (total === input + output + cached + thoughts + tool) state.inclusive = false
  }
  const uncached = state.inclusive === true ? Math.max(0, input - cached) : input
  const sessionId = state.sessionId || ctx.path
  return {
    kind: 'event',
    event: {
      key: `gemini:${sessionId}:${id}`,
      ts,
      source: 'gemini-cli',
      userId: ctx.userId,
      agentId: 'gemini-cli',
      project: state.project,
      sessionId,
      model: asString(m.model) ?? 'unknown',
      // toolUsePromptTokenCount is prompt the model read; thoughts are billed as output.
      input: uncached + tool,
      output: output + thoughts,
      cacheRead: cached,
      cacheWrite: 0,
      cacheWrite1h: 0,
    },
  }
}

/**
 * The JSONL stream (`tmp/<project>/chats/session-*.jsonl`): a header line with the session id,
 * MessageRecord lines re-appended each time a message changes (tokens arrive last: the ledger
 * keeps the record that carries more for the id, i.e. the last write), `$set` patches (a
 * `messages` checkpoint is read like records) and `$rewindTo`, which removes messages from the
 * conversation but not from the bill: it is ignored.
 */
export const geminiLineParser: LineParser<GeminiState> = {
  source: 'gemini-cli',
  needles: ['"sessionId"', '"tokens"'],
  initialState,
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    if (typeof o.sessionId === 'string' && o.type === undefined && o.id === undefined) {
      state.sessionId = o.sessionId
      return { kind: 'none' }
    }
    const set = asObject(o.$set)
    if (set) {
      // A checkpoint of messages: its billed ones are records already seen (same keys) or new.
      const msgs: unknown[] = Array.isArray(set.messages) ? set.messages : []
      const events: UsageEvent[] = []
      for (const m of msgs) {
        const mo = asObject(m)
        const r = mo ? messageEvent(mo, state, ctx) : undefined
        if (r?.kind === 'event') events.push(r.event)
      }
      return events.length > 0 ? { kind: 'events', events } : { kind: 'none' }
    }
    if (o.$rewindTo !== undefined) return { kind: 'none' }
    return messageEvent(o, state, ctx)
  },
}

/** The legacy whole-object chat (`chats/*.json`), rewritten on every message. */
export const geminiDocumentParser: DocumentParser<GeminiState> = {
  source: 'gemini-cli',
  initialState,
  parseDocument(text, state, ctx): RecordsOutcome<GeminiState> {
    const doc = parseJsonObject(text)
    if (!doc) return { events: [], records: 1, skips: ['malformed-json'], state }
    const messages = doc.messages
    if (!Array.isArray(messages)) return { events: [], records: 1, skips: ['unknown-shape'], state }
    const next: GeminiState = { ...state, sessionId: asString(doc.sessionId) ?? state.sessionId }
    // Decide inclusion for the whole file before reading its messages.
    for (const m of messages) {
      const t = asObject(asObject(m)?.tokens)
      if (t) messageEvent({ type: 'gemini', id: 'probe', timestamp: '2024-01-01T00:00:00Z', tokens: t }, next, ctx)
      if (next.inclusive !== null) break
    }
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    for (const m of messages) {
      const mo = asObject(m)
      if (!mo) {
        skips.push('bad-field')
        continue
      }
      const r = messageEvent(mo, next, ctx)
      if (r.kind === 'event') events.push(r.event)
      else if (r.kind === 'skip') skips.push(r.reason)
    }
    return { events, records: messages.length, skips, state: next }
  },
}
