import { relative, sep } from 'node:path'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/** Per-file state: the project folder's name, the fallback when a record carries no `cwd`. */
export interface QwenState {
  folder: string
}

/** `<root>/<project>/chats/<file>.jsonl`: the project folder (a sanitised path, e.g. `-home-me-app`). */
function folderOf(ctx: FileContext): string {
  return relative(ctx.root, ctx.path).split(sep)[0] ?? ''
}

/**
 * Qwen Code's chat log (`projects/<project>/chats/<session>.jsonl`). Each API call is written twice:
 * a `system` / `ui_telemetry` record (`qwen-code.api_response`, `input_token_count`...) and the
 * `assistant` record's `usageMetadata`. Only the assistant record is counted (key session id +
 * `uuid`); the telemetry copy lacks `usageMetadata` and never reaches the parser.
 *
 * `promptTokenCount` includes `cachedContentTokenCount` (Gemini API convention, which Qwen Code's
 * OpenAI converter keeps: prompt_tokens with cached_tokens inside): made exclusive here.
 * `thoughtsTokenCount` is output; when `totalTokenCount` shows it is already inside
 * `candidatesTokenCount` (total = prompt + candidates), it is not added again.
 */
export const qwenLineParser: LineParser<QwenState> = {
  source: 'qwen-code',
  needles: ['"usageMetadata"'],
  initialState: (ctx) => ({ folder: folderOf(ctx) }),
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    if (o.type !== 'assistant') return { kind: 'none' }
    const usage = asObject(o.usageMetadata)
    if (!usage) return { kind: 'none' }
    const prompt = tokenCount(usage.promptTokenCount)
    const candidates = tokenCount(usage.candidatesTokenCount)
    const thoughts = tokenCount(usage.thoughtsTokenCount)
    const cached = tokenCount(usage.cachedContentTokenCount)
    const total = usage.totalTokenCount
    const uuid = asString(o.uuid)
    const sessionId = asString(o.sessionId)
    const ts = isoTime(o.timestamp)
    if (!uuid || !sessionId || Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
    if ([prompt, candidates, thoughts, cached].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS) || cached > prompt)
      return { kind: 'skip', reason: 'bad-field' }
    if (Number.isNaN(tokenCount(total))) return { kind: 'skip', reason: 'bad-field' }
    if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
    if (prompt + candidates + thoughts === 0) return { kind: 'none' }
    const thoughtsInside = thoughts > 0 && total === prompt + candidates
    return {
      kind: 'event',
      event: {
        key: `qwen:${sessionId}:${uuid}`,
        ts,
        source: 'qwen-code',
        userId: ctx.userId,
        agentId: 'qwen-code',
        project: asString(o.cwd) ?? state.folder,
        sessionId,
        model: asString(o.model) ?? 'unknown',
        input: prompt - cached,
        output: candidates + (thoughtsInside ? 0 : thoughts),
        cacheRead: cached,
        cacheWrite: 0,
        cacheWrite1h: 0,
      },
    }
  },
}
