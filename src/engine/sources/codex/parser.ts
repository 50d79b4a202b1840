import { basename } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/** Cumulative counters as Codex reports them: [input incl. cached, cached, output, reasoning]. */
type Counters = [number, number, number, number]

/** Per-file state, saved with the offset so deltas resume exactly after a restart. */
export interface CodexState {
  sessionId: string
  /** Whose history the counters belong to: the session a fork was made from, else itself. */
  family: string
  model: string | null
  project: string
  last: Counters | null
}

const NONE: LineOutcome = { kind: 'none' }
const BAD: LineOutcome = { kind: 'skip', reason: 'bad-field' }
const UNKNOWN: LineOutcome = { kind: 'skip', reason: 'unknown-shape' }

/**
 * The rollout line types (`{timestamp, type, payload}`) Codex writes: every one in test/fixtures
 * and the five of Codex's RolloutItem. Only lines holding a needle reach the parser; one of any
 * other type, or without a payload object, is counted as unknown-shape.
 */
export const CODEX_LINE_TYPES: ReadonlySet<string> = new Set(['session_meta', 'turn_context', 'event_msg', 'response_item', 'compacted'])
/** Rollouts from before Codex wrapped lines in `payload` wrote response items bare: they bill nothing. */
const LEGACY_ITEM_TYPES: ReadonlySet<string> = new Set([
  'message',
  'reasoning',
  'function_call',
  'function_call_output',
  'local_shell_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'web_search_call',
])

function counters(u: Json | undefined): Counters | undefined {
  if (!u) return undefined
  const c: Counters = [
    tokenCount(u.input_tokens),
    // A null `cached_input_tokens` is a bad count, not a cue to read the other name (`??` would).
    tokenCount(u.cached_input_tokens !== undefined ? u.cached_input_tokens : u.cache_read_input_tokens),
    tokenCount(u.output_tokens),
    tokenCount(u.reasoning_output_tokens),
  ]
  return c.some(Number.isNaN) ? undefined : c
}

function onMeta(payload: Json, state: CodexState, ctx: FileContext): void {
  const id = asString(payload.id)
  if (id) state.sessionId = id
  const forkedFrom = asString(payload.forked_from_id)
  state.family = forkedFrom ? (ctx.familyOf?.(forkedFrom) ?? forkedFrom) : state.sessionId
  state.project = asString(payload.cwd) ?? state.project
}

/**
 * Codex CLI rollouts (`$CODEX_HOME/sessions/**` and `archived_sessions/`). A turn's usage is the
 * change in `total_token_usage`; re-emitted counters add nothing. The key is the family plus the
 * cumulative counters, so a fork (`forked_from_id`) replaying its parent's history matches the
 * parent's keys and counts once. Cached input sits inside Codex's input: made exclusive here.
 */
export const codexParser: LineParser<CodexState> = {
  source: 'codex',
  needles: ['token_count', 'session_meta', 'turn_context'],
  initialState: (ctx: FileContext) => {
    const id = basename(ctx.path).replace(/\.jsonl$/, '')
    return { sessionId: id, family: id, model: null, project: '', last: null }
  },
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    const type = typeof o.type === 'string' ? o.type : ''
    if (!CODEX_LINE_TYPES.has(type)) return LEGACY_ITEM_TYPES.has(type) ? NONE : UNKNOWN
    const payload = asObject(o.payload)
    if (!payload) return UNKNOWN
    if (o.type === 'session_meta') {
      onMeta(payload, state, ctx)
      return NONE
    }
    if (o.type === 'turn_context') {
      state.model = asString(payload.model) ?? state.model
      state.project = asString(payload.cwd) ?? state.project
      return NONE
    }
    if (type !== 'event_msg' || payload.type !== 'token_count') return NONE
    // Rate-limit-only token_count events carry `info: null` and no usage.
    if (payload.info === null || payload.info === undefined) return NONE
    const info = asObject(payload.info)
    if (!info) return BAD
    const ts = isoTime(o.timestamp)
    if (Number.isNaN(ts)) return BAD
    const totalRaw = asObject(info.total_token_usage)
    const lastRaw = asObject(info.last_token_usage)
    const total = counters(totalRaw)
    const last = counters(lastRaw)
    // A usage block with any count that is not a non-negative integer (`null` included) makes the
    // whole line malformed: neither block is trusted, so it is skipped and counted.
    if ((totalRaw && !total) || (lastRaw && !last) || (!total && !last)) return BAD
    const prev = state.last ?? [0, 0, 0, 0]
    let cumulative: Counters
    let delta: Counters
    if (total && total.every((v, i) => v >= (prev[i] as number))) {
      cumulative = total
      delta = total.map((v, i) => v - (prev[i] as number)) as Counters
    } else if (last) {
      // No running total, or it went backwards (a reset): the turn's own usage is all we have.
      delta = last
      cumulative = prev.map((v, i) => v + (last[i] as number)) as Counters
      if (total) cumulative = total
    } else return BAD
    state.last = cumulative
    state.model = asString(info.model) ?? state.model
    // A turn with an impossible clock is skipped, and its tokens with it: the counters move on,
    // so the next turn's delta stays its own.
    if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
    const [dIn, dCached, dOut] = delta
    if (dIn === 0 && dCached === 0 && dOut === 0) return NONE
    const cached = Math.min(dCached, dIn)
    const event: UsageEvent = {
      key: `codex:${state.family}:${cumulative.join(':')}`,
      ts,
      source: 'codex',
      userId: ctx.userId,
      agentId: 'codex',
      project: state.project,
      sessionId: state.sessionId,
      model: state.model ?? 'unknown',
      input: dIn - cached,
      output: dOut,
      cacheRead: cached,
      cacheWrite: 0,
      cacheWrite1h: 0,
    }
    return { kind: 'event', event }
  },
}
