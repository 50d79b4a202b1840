import { basename, relative, sep } from 'node:path'
import type { LogSourceId } from '../../../shared/sources'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/** An instant written as epoch ms (a number) or ISO 8601 (a string); NaN when neither. */
export function instantOf(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  return isoTime(v)
}

/** What a pi-style transcript (pi, OpenClaw) carries from line to line. */
export interface TranscriptState {
  sessionId: string
  project: string
  /** The model and provider last set by a `model_change` (OpenClaw writes the model there). */
  model: string
  /** Lines without an entry id: their position, so each keeps its own key. */
  ordinal: number
}

/**
 * One line of a pi-style session transcript: `{"type":"message","id":…,"timestamp":…,"message":
 * {"role":"assistant","model":…,"usage":{"input","output","cacheRead","cacheWrite","totalTokens",
 * "cost":{"total"}}}}`. Input is cache-exclusive (pi-ai normalises every provider so);
 * `totalTokens` alone (no parts) counts as output, as ccusage reads it. Key: the entry id with its
 * timestamp, whatever file holds it (a forked session, or OpenClaw's copy of a deleted or reset
 * one, repeats the entries it copied: they count once), else the session and the line's position.
 */
export function transcriptLine(source: LogSourceId, line: string, state: TranscriptState, ctx: FileContext): LineOutcome {
  const o = parseJsonObject(line)
  if (!o) return { kind: 'skip', reason: 'malformed-json' }
  state.ordinal++
  if (o.type === 'session') {
    const cwd = asString(o.cwd)
    if (cwd) state.project = cwd
    return { kind: 'none' }
  }
  if (o.type === 'model_change' || (o.type === 'custom' && o.customType === 'model-snapshot')) {
    const d = asObject(o.data) ?? o
    state.model = asString(d.modelId) ?? asString(d.model) ?? state.model
    return { kind: 'none' }
  }
  if (o.type !== undefined && o.type !== 'message') return { kind: 'none' }
  const m = asObject(o.message)
  if (m?.role !== 'assistant') return { kind: 'none' }
  const u = asObject(m.usage)
  if (!u) return { kind: 'none' }
  return usageEvent(source, o, m, u, state, ctx)
}

function usageEvent(source: LogSourceId, o: Json, m: Json, u: Json, state: TranscriptState, ctx: FileContext): LineOutcome {
  const input = tokenCount(u.input)
  let output = tokenCount(u.output)
  const cacheRead = tokenCount(u.cacheRead)
  const cacheWrite = tokenCount(u.cacheWrite)
  const total = tokenCount(u.totalTokens)
  if ([input, output, cacheRead, cacheWrite, total].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS))
    return { kind: 'skip', reason: 'bad-field' }
  if (input + output + cacheRead + cacheWrite === 0) {
    if (total === 0) return { kind: 'none' }
    output = total
  }
  const ts = instantOf(o.timestamp ?? m.timestamp)
  if (Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
  if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  const id = asString(o.id)
  const event: UsageEvent = {
    key: id ? `${source}:${id}:${ts}` : `${source}:${state.sessionId}:@${state.ordinal}`,
    ts,
    source,
    userId: ctx.userId,
    agentId: source,
    project: state.project,
    sessionId: state.sessionId,
    model: asString(m.model) ?? asString(m.modelId) ?? (state.model || 'unknown'),
    input,
    output,
    cacheRead,
    cacheWrite,
    cacheWrite1h: 0,
  }
  const cost = asObject(u.cost)?.total
  if (typeof cost === 'number' && Number.isFinite(cost) && cost > 0) event.reportedCostUsd = cost
  return { kind: 'event', event }
}

/**
 * pi: `<sessions>/<project folder>/<timestamp>_<session id>.jsonl`. The project is the session
 * header's `cwd`, else the folder (pi names it after the cwd, `--home-me-app--`).
 */
export const piLineParser: LineParser<TranscriptState> = {
  source: 'pi',
  needles: ['"usage"', '"session"'],
  initialState(ctx: FileContext): TranscriptState {
    const stem = basename(ctx.path).replace(/\.jsonl$/, '')
    const cut = stem.indexOf('_')
    return {
      sessionId: cut >= 0 ? stem.slice(cut + 1) : stem,
      project: relative(ctx.root, ctx.path).split(sep)[0] ?? '',
      model: '',
      ordinal: 0,
    }
  },
  parseLine: (line, state, ctx) => transcriptLine('pi', line, state, ctx),
}
