import type { UsageEvent } from '../../../shared/usage'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/** Per-file state: the project folder name, used when a line carries no `cwd`. */
export interface ClaudeState {
  projectDir: string
}

const NONE: LineOutcome = { kind: 'none' }
const UNKNOWN: LineOutcome = { kind: 'skip', reason: 'unknown-shape' }
const BAD: LineOutcome = { kind: 'skip', reason: 'bad-field' }

/**
 * The line types Claude Code writes (every one in test/fixtures and bench/gen-claude-tree.mjs,
 * plus the metadata lines of current releases). Only lines holding the `"usage"` needle reach the
 * parser, so this costs nothing on tool output; a line of any other type is counted as
 * unknown-shape, so a format change shows in the sources panel instead of passing silently.
 */
export const CLAUDE_LINE_TYPES: ReadonlySet<string> = new Set([
  'user',
  'assistant',
  'system',
  'summary',
  'progress',
  'file-history-snapshot',
  'queue-operation',
  'custom-title',
  'tag',
  'agent-name',
])

/**
 * No single request bills this many tokens of any kind (context windows are a few million): a
 * count above it is a corrupt line, and would turn integer nano-USD sums into floats if kept.
 */
export const MAX_REQUEST_TOKENS = 1_000_000_000

/** The folder under `projects/` a transcript lives in (Claude Code's slug of the cwd). */
function projectDirOf(ctx: FileContext): string {
  const rel = ctx.path.slice(ctx.root.length).replace(/^[\\/]+/, '')
  return rel.split(/[\\/]/)[0] ?? ''
}

/**
 * Claude Code transcripts (`~/.claude/projects/<slug>/<session>.jsonl`). Billed requests are the
 * lines with `message.usage`; the key is message.id + requestId so streamed lines, sidechain
 * replays and sub-agent files count once. `agent_progress` mirrors nest their usage deeper
 * (`data.message.message.usage`) and so are never read as requests.
 */
export const claudeParser: LineParser<ClaudeState> = {
  source: 'claude-code',
  needles: ['"usage"'],
  initialState: (ctx) => ({ projectDir: projectDirOf(ctx) }),
  native: 'claude-code',
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    return claudeOutcome(o, state, ctx)
  },
  parseObject: claudeOutcome,
}

/** A Claude Code line's outcome from its parsed JSON object (whole, or pruned by the native scanner). */
function claudeOutcome(o: Json, state: ClaudeState, ctx: FileContext): LineOutcome {
  // Old transcripts (and ccusage's fixtures) carry no `type`: their usage lines still count.
  const type = o.type
  if (type !== undefined && (typeof type !== 'string' || !CLAUDE_LINE_TYPES.has(type))) return UNKNOWN
  const message = asObject(o.message)
  const rawUsage = message?.usage
  // A known line that merely mentions "usage" (a Task result, a progress mirror) bills nothing;
  // an untyped line is only recognisable by its message.usage.
  if (!message || rawUsage === undefined || rawUsage === null) return type === undefined ? UNKNOWN : NONE
  if (o.isApiErrorMessage === true) return NONE
  const model = asString(message.model)
  if (model === '<synthetic>') return NONE
  const usage = asObject(rawUsage)
  const messageId = asString(message.id)
  const ts = isoTime(o.timestamp)
  if (!usage || !messageId || !model || Number.isNaN(ts)) return BAD
  if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  const input = tokenCount(usage.input_tokens)
  const output = tokenCount(usage.output_tokens)
  const cacheRead = tokenCount(usage.cache_read_input_tokens)
  const cacheWrite = tokenCount(usage.cache_creation_input_tokens)
  const creation = asObject(usage.cache_creation)
  const cacheWrite1h = Math.min(tokenCount(creation?.ephemeral_1h_input_tokens), cacheWrite)
  if ([input, output, cacheRead, cacheWrite, cacheWrite1h].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) {
    return BAD
  }
  const requestId = asString(o.requestId)
  const event: UsageEvent = {
    key: requestId ? `cc:${messageId}:${requestId}` : `cc:${messageId}`,
    ts,
    source: 'claude-code',
    userId: ctx.userId,
    agentId: 'claude-code',
    project: asString(o.cwd) ?? state.projectDir,
    sessionId: asString(o.sessionId) ?? '',
    model,
    input,
    output,
    cacheRead,
    cacheWrite,
    cacheWrite1h,
  }
  if (typeof o.costUSD === 'number' && Number.isFinite(o.costUSD) && o.costUSD >= 0) event.reportedCostUsd = o.costUSD
  return { kind: 'event', event }
}
