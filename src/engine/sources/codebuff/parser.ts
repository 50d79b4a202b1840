import { statSync } from 'node:fs'
import { basename, dirname, relative, sep } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { DocumentParser, FileContext, RecordsOutcome, SkipReason } from '../types'

/** A chat document carries everything: no state between reads. */
export type CodebuffState = Record<string, never>

interface Tokens {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  model?: string
}

/** The first positive count among `keys` (0 when none; NaN when one is not a count). */
function pick(o: Json, keys: readonly string[]): number {
  for (const k of keys) {
    const n = tokenCount(o[k])
    if (Number.isNaN(n) || n > 0) return n
  }
  return 0
}

/**
 * A usage object in any of the shapes Codebuff writes: camelCase (`inputTokens`, Anthropic-style,
 * input without cache) or OpenAI's (`prompt_tokens` with `prompt_tokens_details.cached_tokens`,
 * input including the cached part, taken out here). `totalTokens` alone counts as output, as
 * ccusage reads it.
 */
function usageOf(v: unknown): Tokens | undefined {
  const u = asObject(v)
  if (!u) return undefined
  const plain = pick(u, ['inputTokens', 'input_tokens'])
  const prompt = plain > 0 ? 0 : pick(u, ['promptTokens', 'prompt_tokens'])
  const details = tokenCount(asObject(u.promptTokensDetails)?.cachedTokens) || tokenCount(asObject(u.prompt_tokens_details)?.cached_tokens)
  const cacheRead = pick(u, ['cacheReadInputTokens', 'cache_read_input_tokens']) || details
  const t: Tokens = {
    input: Number.isNaN(plain) || plain > 0 ? plain : prompt - (prompt > 0 && details > 0 ? Math.min(prompt, details) : 0),
    output: pick(u, ['outputTokens', 'output_tokens', 'completionTokens', 'completion_tokens']),
    cacheRead,
    cacheWrite: pick(u, [
      'cacheCreationInputTokens',
      'cache_creation_input_tokens',
      'cacheCreationTokens',
      'cache_creation_tokens',
      'cachedTokensCreated',
      'cached_tokens_created',
    ]),
  }
  const model = asString(u.model)
  if (model) t.model = model
  if (t.input + t.output + t.cacheRead + t.cacheWrite === 0) {
    const total = pick(u, ['totalTokens', 'total_tokens', 'total'])
    if (total !== 0) t.output = total
  }
  return t
}

const empty = (t: Tokens | undefined): boolean => !t || t.input + t.output + t.cacheRead + t.cacheWrite === 0

/** The usage of one assistant message: `metadata.usage`, else `metadata.codebuff.usage`, else the run state's last assistant step. */
function messageUsage(m: Json): Tokens | undefined {
  const meta = asObject(m.metadata)
  if (!meta) return undefined
  const model = asString(meta.model)
  for (const t of [usageOf(meta.usage), usageOf(asObject(meta.codebuff)?.usage)]) {
    if (!empty(t)) return { ...(t as Tokens), model: model ?? t?.model }
  }
  const history = asObject(asObject(asObject(meta.runState)?.sessionState)?.mainAgentState)?.messageHistory
  if (!Array.isArray(history)) return undefined
  for (let i = history.length - 1; i >= 0; i--) {
    const h = asObject(history[i])
    const po = asObject(h?.providerOptions)
    if (h?.role !== 'assistant' || !po) continue
    const cb = asObject(po.codebuff)
    const t = empty(usageOf(po.usage)) ? usageOf(cb?.usage) : usageOf(po.usage)
    if (!empty(t)) return { ...(t as Tokens), model: model ?? asString(cb?.model) ?? t?.model }
  }
  return undefined
}

/** `2026-01-02T03-04-05.000Z` (a chat folder's name) as epoch ms. */
function chatTime(chatId: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}(?:\.\d+)?Z?)$/.exec(chatId)
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}`) : Number.NaN
}

function timeOf(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.trunc(v < 1e10 ? v * 1000 : v)
  return isoTime(v)
}

/**
 * Codebuff (formerly Manicode): `<channel>/projects/<project>/chats/<chat id>/chat-messages.json`,
 * the chat's messages rewritten whole as it grows. Each assistant message (`variant` ai/agent or
 * `role` assistant) with usage is one request, keyed by chat and message id (else its position),
 * stamped by its own time, else the chat's (its folder name), else the file's. Credits are not
 * dollars and are not kept.
 */
export const codebuffDocumentParser: DocumentParser<CodebuffState> = {
  source: 'codebuff',
  initialState: () => ({}),
  parseDocument(text, state, ctx: FileContext): RecordsOutcome<CodebuffState> {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      return { events: [], records: 1, skips: ['malformed-json'], state }
    }
    if (!Array.isArray(doc)) return { events: [], records: 1, skips: [parseJsonObject(text) ? 'unknown-shape' : 'malformed-json'], state }
    const chatDir = dirname(ctx.path)
    const chatId = basename(chatDir)
    const parts = relative(ctx.root, ctx.path).split(sep)
    const project = parts.length >= 4 ? (parts[parts.length - 4] ?? 'codebuff') : 'codebuff'
    const sessionId = `${project}/${chatId}`
    let fallback = chatTime(chatId)
    if (Number.isNaN(fallback)) fallback = ctx.mtimeMs ?? Math.trunc(statSync(ctx.path).mtimeMs)
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    doc.forEach((v: unknown, i: number) => {
      const m = asObject(v)
      if (!m) {
        skips.push('bad-field')
        return
      }
      const role = asString(m.variant) ?? asString(m.role)
      if (role !== 'ai' && role !== 'agent' && role !== 'assistant') return
      const t = messageUsage(m)
      if (!t) return
      const all = [t.input, t.output, t.cacheRead, t.cacheWrite]
      if (all.some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) {
        skips.push('bad-field')
        return
      }
      if (all.every((n) => n === 0)) return
      const own = m.timestamp ?? m.createdAt ?? asObject(m.metadata)?.timestamp
      const ts = own === undefined ? fallback : timeOf(own)
      if (Number.isNaN(ts)) {
        skips.push('bad-field')
        return
      }
      if (!plausibleTime(ts)) {
        skips.push('implausible-time')
        return
      }
      const id = asString(m.id)
      events.push({
        key: `codebuff:${sessionId}:${id ?? `#${i}`}`,
        ts,
        source: 'codebuff',
        userId: ctx.userId,
        agentId: 'codebuff',
        project,
        sessionId,
        model: t.model ?? 'codebuff-unknown',
        input: t.input,
        output: t.output,
        cacheRead: t.cacheRead,
        cacheWrite: t.cacheWrite,
        cacheWrite1h: 0,
      })
    })
    return { events, records: doc.length, skips, state }
  },
}
