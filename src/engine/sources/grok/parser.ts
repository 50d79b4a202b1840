import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount, type Json } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'

/** Per-file state: session, project and fallback model (from summary.json / signals.json), and turns seen without a prompt id. */
export interface GrokState {
  sessionId: string
  project: string
  model: string
  unnamed: number
}

function readJson(path: string): Json | undefined {
  try {
    return asObject(JSON.parse(readFileSync(path, 'utf8')))
  } catch {
    return undefined
  }
}

/** `<sessions>/<url-encoded cwd>/<session id>/updates.jsonl`, with summary.json and signals.json beside it. */
function initialState(ctx: FileContext): GrokState {
  const dir = dirname(ctx.path)
  const summary = readJson(join(dir, 'summary.json'))
  const signals = readJson(join(dir, 'signals.json'))
  const info = asObject(summary?.info)
  let folder = basename(dirname(dir))
  try {
    folder = decodeURIComponent(folder)
  } catch {
    /* not URL-encoded: the name as it is */
  }
  const used = Array.isArray(signals?.modelsUsed) ? asString(signals.modelsUsed[0]) : undefined
  return {
    sessionId: asString(info?.id) ?? basename(dir),
    project: asString(info?.cwd) ?? folder,
    model: asString(signals?.primaryModelId) ?? asString(summary?.current_model_id) ?? used ?? 'grok-build',
    unnamed: 0,
  }
}

interface Figures {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/**
 * A usage object's exclusive buckets: `inputTokens` is the whole input side, with the cached reads
 * (and, as CodeBurn reads it, the cache creation) inside it; `reasoningTokens` is inside
 * `outputTokens`. null when a figure is not a token count.
 */
function figuresOf(u: Json): Figures | null {
  const inputs = tokenCount(u.inputTokens)
  const cacheRead = tokenCount(u.cachedReadTokens)
  const cacheWrite = tokenCount(u.cacheCreationTokens)
  const output = tokenCount(u.outputTokens)
  if ([inputs, cacheRead, cacheWrite, output].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) return null
  return { input: Math.max(0, inputs - cacheRead - cacheWrite), output, cacheRead, cacheWrite }
}

const same = (a: Figures, b: Figures): boolean =>
  a.input === b.input && a.output === b.output && a.cacheRead === b.cacheRead && a.cacheWrite === b.cacheWrite

/** The record's instant: `_meta.agentTimestampMs`, else `timestamp` (epoch seconds, or ISO). */
function instantOf(o: Json, params: Json | undefined): number {
  const ms = asObject(params?._meta)?.agentTimestampMs
  if (typeof ms === 'number' && Number.isFinite(ms)) return ms
  const t = o.timestamp
  if (typeof t === 'number' && Number.isFinite(t)) return t < 1e12 ? Math.round(t * 1000) : t
  return isoTime(t)
}

/**
 * Grok Build's ACP log (`updates.jsonl`). Newer CLIs append, per finished turn, a
 * `session/update` with `sessionUpdate: "turn_completed"`, its `prompt_id` and the provider's
 * `usage` (with a per-model `modelUsage`). Each such turn counts, per model when `modelUsage`
 * adds up to the turn's totals (else the whole turn under its first model), keyed session +
 * prompt id + model. A turn re-emitted with the same prompt id is the same turn grown (last write
 * wins: the ledger keeps the record carrying more). The streamed chunks' running context size
 * (`_meta.totalTokens`) is not usage and is not counted.
 */
export const grokLineParser: LineParser<GrokState> = {
  source: 'grok',
  needles: ['"turn_completed"'],
  initialState,
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    const params = asObject(o.params)
    const update = asObject(params?.update)
    if (update?.sessionUpdate !== 'turn_completed') return { kind: 'none' }
    const usage = asObject(update.usage)
    if (!usage) return { kind: 'skip', reason: 'bad-field' }
    const total = figuresOf(usage)
    const ts = instantOf(o, params)
    if (!total || Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
    if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
    const prompt = asString(update.prompt_id) ?? `turn-${state.unnamed++}`
    const sessionId = asString(params?.sessionId) ?? state.sessionId
    const perModel: [string, Figures][] = []
    for (const [model, m] of Object.entries(asObject(usage.modelUsage) ?? {})) {
      const f = asObject(m) ? figuresOf(m as Json) : null
      if (f) perModel.push([model, f])
    }
    const sum = perModel.reduce<Figures>(
      (a, [, f]) => ({
        input: a.input + f.input,
        output: a.output + f.output,
        cacheRead: a.cacheRead + f.cacheRead,
        cacheWrite: a.cacheWrite + f.cacheWrite,
      }),
      { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    )
    const parts: [string, Figures][] = perModel.length > 0 && same(sum, total) ? perModel : [[perModel[0]?.[0] ?? state.model, total]]
    const events: UsageEvent[] = parts
      .filter(([, f]) => f.input + f.output + f.cacheRead + f.cacheWrite > 0)
      .map(([model, f]) => ({
        key: `grok:${sessionId}:${prompt}:${model}`,
        ts,
        source: 'grok',
        userId: ctx.userId,
        agentId: 'grok',
        project: state.project,
        sessionId,
        model,
        ...f,
        cacheWrite1h: 0,
      }))
    return events.length > 0 ? { kind: 'events', events } : { kind: 'none' }
  },
}
