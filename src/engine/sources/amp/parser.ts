import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { DocumentParser, FileContext, RecordsOutcome, SkipReason } from '../types'

/** Amp threads carry everything in the document: no state between reads. */
export type AmpState = Record<string, never>

type Outcome = { kind: 'event'; event: UsageEvent } | { kind: 'none' } | { kind: 'skip'; reason: SkipReason }

/**
 * A thread's instant in ms: Amp writes `created` as epoch ms; an ISO string is taken too.
 * NaN when neither.
 */
function timeOf(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  return isoTime(v)
}

/**
 * OpenAI-family threads (GPT models served through Amp) report the whole prompt as
 * `cacheCreationInputTokens`; OpenAI bills no cache writes, so that figure is uncached input.
 */
function writesCache(model: string): boolean {
  return !/(^|\/)(gpt-|o\d|codex)/i.test(model)
}

interface Tokens {
  input: number
  output: number
  cacheWrite: number
  cacheRead: number
}

function event(ctx: FileContext, thread: string, id: string, ts: number, model: string, t: Tokens): Outcome {
  const all = [t.input, t.output, t.cacheWrite, t.cacheRead]
  if (all.some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) return { kind: 'skip', reason: 'bad-field' }
  if (Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
  if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  if (all.every((n) => n === 0)) return { kind: 'none' }
  const cacheWrites = writesCache(model)
  return {
    kind: 'event',
    event: {
      key: `amp:${thread}:${id}`,
      ts,
      source: 'amp',
      userId: ctx.userId,
      agentId: 'amp',
      project: 'amp',
      sessionId: thread,
      model,
      input: t.input + (cacheWrites ? 0 : t.cacheWrite),
      output: t.output,
      cacheRead: t.cacheRead,
      cacheWrite: cacheWrites ? t.cacheWrite : 0,
      cacheWrite1h: 0,
    },
  }
}

/**
 * The current schema: each assistant message's `usage` is one inference, stamped by
 * `usage.timestamp` (else the message's, else the thread's `created`). Key: thread id + the
 * message's `messageId`, else its position (Amp appends messages; it does not reorder them).
 */
function messageUsage(m: Json, index: number, thread: string, created: number, ctx: FileContext): Outcome {
  if (m.role !== 'assistant') return { kind: 'none' }
  const u = asObject(m.usage)
  if (!u) return { kind: 'none' }
  const ts = u.timestamp !== undefined ? timeOf(u.timestamp) : m.timestamp !== undefined ? timeOf(m.timestamp) : created
  const model = asString(u.model) ?? asString(m.model) ?? 'unknown'
  const mid = typeof m.messageId === 'number' || typeof m.messageId === 'string' ? `m${String(m.messageId)}` : `i${index}`
  return event(ctx, thread, mid, ts, model, {
    input: tokenCount(u.inputTokens),
    output: tokenCount(u.outputTokens),
    cacheWrite: tokenCount(u.cacheCreationInputTokens),
    cacheRead: tokenCount(u.cacheReadInputTokens),
  })
}

/**
 * The older schema: `usageLedger.events[]`, one per inference with `tokens.input/output`; its
 * cache figures sit on the assistant message it points to (`toMessageId`).
 */
function ledgerEvent(e: Json, cache: Map<string, Json>, thread: string, ctx: FileContext): Outcome {
  const id = asString(e.id)
  const tokens = asObject(e.tokens)
  if (!id || !tokens) return { kind: 'skip', reason: 'bad-field' }
  const to = cache.get(String(e.toMessageId))
  return event(ctx, thread, `e${id}`, timeOf(e.timestamp), asString(e.model) ?? 'unknown', {
    input: tokenCount(tokens.input),
    output: tokenCount(tokens.output),
    cacheWrite: to ? tokenCount(to.cacheCreationInputTokens) : 0,
    cacheRead: to ? tokenCount(to.cacheReadInputTokens) : 0,
  })
}

/**
 * An Amp thread (`threads/T-*.json`), rewritten whole as the conversation grows: re-read on every
 * change; per-inference keys make a re-read add only the new inferences. A thread with a
 * `usageLedger` is read from the ledger alone (its messages repeat the same inferences).
 */
export const ampDocumentParser: DocumentParser<AmpState> = {
  source: 'amp',
  initialState: () => ({}),
  parseDocument(text, state, ctx): RecordsOutcome<AmpState> {
    const doc = parseJsonObject(text)
    if (!doc) return { events: [], records: 1, skips: ['malformed-json'], state }
    const thread = asString(doc.id)
    const messages: unknown[] = Array.isArray(doc.messages) ? doc.messages : []
    if (!thread) return { events: [], records: 1, skips: ['unknown-shape'], state }
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    const take = (r: Outcome | undefined): void => {
      if (r === undefined) skips.push('bad-field')
      else if (r.kind === 'event') events.push(r.event)
      else if (r.kind === 'skip') skips.push(r.reason)
    }
    const ledger = asObject(doc.usageLedger)
    if (ledger && Array.isArray(ledger.events)) {
      const cache = new Map<string, Json>()
      for (const m of messages) {
        const mo = asObject(m)
        const u = asObject(mo?.usage)
        if (mo?.role === 'assistant' && u && mo.messageId !== undefined) cache.set(String(mo.messageId), u)
      }
      const list: unknown[] = ledger.events
      for (const e of list) {
        const eo = asObject(e)
        take(eo ? ledgerEvent(eo, cache, thread, ctx) : undefined)
      }
      return { events, records: list.length, skips, state }
    }
    const created = timeOf(doc.created)
    messages.forEach((m, i) => {
      const mo = asObject(m)
      take(mo ? messageUsage(mo, i, thread, created, ctx) : undefined)
    })
    return { events, records: messages.length, skips, state }
  },
}
