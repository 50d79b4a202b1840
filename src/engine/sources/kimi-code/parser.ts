import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/**
 * Per-file state: the session, agent and project (from the path and the session's `state.json`),
 * the served model behind each alias (`llm.request`), and the last record's instant with how many
 * records carried it (two steps can finish in the same millisecond: an ordinal tells them apart).
 */
export interface KimiState {
  sessionId: string
  agent: string
  project: string
  models: Record<string, string>
  lastModel: string
  lastTime: number
  ordinal: number
}

/** `<sessions>/<workDirKey>/<session dir>/agents/<agent>/wire.jsonl` */
function initialState(ctx: FileContext): KimiState {
  const agentDir = dirname(ctx.path)
  const sessionDir = dirname(dirname(agentDir))
  const workDirKey = basename(dirname(sessionDir))
  let project = /^wd_(.+)_[0-9a-f]{12}$/i.exec(workDirKey)?.[1] ?? workDirKey.replace(/^wd_/, '')
  try {
    const state = asObject(JSON.parse(readFileSync(join(sessionDir, 'state.json'), 'utf8')))
    project = asString(state?.workDir) ?? project
  } catch {
    /* no state.json (yet): the work-dir key names the project */
  }
  return {
    sessionId: basename(sessionDir).replace(/^session_/, ''),
    agent: basename(agentDir),
    project,
    models: {},
    lastModel: '',
    lastTime: Number.NaN,
    ordinal: 0,
  }
}

/** Epoch ms from `time` (ms, or seconds when small) or an ISO `timestamp`. */
function instantOf(o: Record<string, unknown>): number {
  const t = o.time
  if (typeof t === 'number' && Number.isFinite(t)) return t < 1e12 ? Math.round(t * 1000) : Math.round(t)
  return isoTime(o.timestamp)
}

/**
 * Kimi Code's `wire.jsonl`, one per agent (main and each subagent: a subagent's usage is written
 * only to its own wire). Each LLM step appends a `usage.record` with `usageScope: "turn"` and
 * exclusive buckets (`inputOther`, `output`, `inputCacheRead`, `inputCacheCreation`); records with
 * another scope (a session summary) repeat those and are not counted. The record's `model` is the
 * configured alias: the served model comes from the `llm.request` that named the alias. Key:
 * session + agent + the record's instant + an ordinal among records of the same instant.
 */
export const kimiLineParser: LineParser<KimiState> = {
  source: 'kimi-code',
  needles: ['"usage.record"', '"llm.request"'],
  initialState,
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    if (o.type === 'llm.request') {
      const model = asString(o.model)
      const alias = asString(o.modelAlias)
      if (model) {
        state.lastModel = model
        if (alias) state.models[alias] = model
      }
      return { kind: 'none' }
    }
    if (o.type !== 'usage.record') return { kind: 'none' }
    const scope = o.usageScope
    if (scope !== undefined && scope !== 'turn') return { kind: 'none' }
    const usage = asObject(o.usage)
    if (!usage) return { kind: 'skip', reason: 'bad-field' }
    const input = tokenCount(usage.inputOther)
    const output = tokenCount(usage.output)
    const cacheRead = tokenCount(usage.inputCacheRead)
    const cacheWrite = tokenCount(usage.inputCacheCreation)
    const ts = instantOf(o)
    if (Number.isNaN(ts) || [input, output, cacheRead, cacheWrite].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS))
      return { kind: 'skip', reason: 'bad-field' }
    if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
    state.ordinal = ts === state.lastTime ? state.ordinal + 1 : 0
    state.lastTime = ts
    if (input + output + cacheRead + cacheWrite === 0) return { kind: 'none' }
    const alias = asString(o.model)
    return {
      kind: 'event',
      event: {
        key: `kimi:${state.sessionId}:${state.agent}:${ts}:${state.ordinal}`,
        ts,
        source: 'kimi-code',
        userId: ctx.userId,
        agentId: 'kimi-code',
        project: state.project,
        sessionId: state.sessionId,
        model: (alias && state.models[alias]) || state.lastModel || alias || 'unknown',
        input,
        output,
        cacheRead,
        cacheWrite,
        cacheWrite1h: 0,
      },
    }
  },
}
