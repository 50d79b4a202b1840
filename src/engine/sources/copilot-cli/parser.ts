import { basename, dirname, join } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import type { FileContext, LineOutcome, LineParser } from '../types'
import { copilotModel, storeRowsOf, type Buckets, type StoreRows } from './store'

/** A model's cumulative rollup figures as the CLI writes them (`inputTokens` includes the cache). */
interface Rollup {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/**
 * Per-file state: the session, its project, each model's last rollup and how many legs it has had,
 * when the current leg began (the previous shutdown) and the last successful compaction in it.
 */
export interface CopilotState {
  sessionId: string
  project: string
  prev: Record<string, Rollup>
  legs: Record<string, number>
  legStart: number
  compactedAt: number
}

function initialState(ctx: FileContext): CopilotState {
  // session-state/<session id>/events.jsonl
  return { sessionId: basename(dirname(ctx.path)), project: '', prev: {}, legs: {}, legStart: 0, compactedAt: 0 }
}

/** The session store beside `session-state/`: `<COPILOT_HOME>/session-store.db`. */
function storeOf(ctx: FileContext): string | null {
  return basename(ctx.root) === 'session-state' ? join(dirname(ctx.root), 'session-store.db') : null
}

/** Reasoning is inside `outputTokens` except for Gemini models (ccusage's Copilot guide). */
const rollupOf = (model: string, u: Record<string, unknown>): Rollup => ({
  input: tokenCount(u.inputTokens),
  output: tokenCount(u.outputTokens) + (copilotModel(model).startsWith('gemini-') ? tokenCount(u.reasoningTokens) : 0),
  cacheRead: tokenCount(u.cacheReadTokens),
  cacheWrite: tokenCount(u.cacheWriteTokens),
})

/** A leg's exclusive buckets: this rollup less the previous one (none when the counters were reset). */
function legOf(c: Rollup, p: Rollup | undefined): Buckets {
  const d = (k: keyof Rollup) => Math.max(0, c[k] - (p?.[k] ?? 0))
  const cacheRead = d('cacheRead')
  const cacheWrite = d('cacheWrite')
  return { input: Math.max(0, d('input') - cacheRead - cacheWrite), output: d('output'), cacheRead, cacheWrite }
}

/**
 * GitHub Copilot CLI's `session-state/<id>/events.jsonl`. Tokens appear only in the
 * `session.shutdown` rollup, per model, cumulative over the session's resume legs (a resumed
 * session writes another shutdown holding the earlier legs too: each leg counts as this rollup
 * less the previous one, so the session totals the latest rollup, never the sum of both). A
 * rollup lower than the previous one, or one after a successful `session.compaction_complete`, is
 * a fresh count (the CLI resets its counters) and counts whole.
 *
 * The per-request rows of `session-store.db` (read by the store reader) are the same requests, at
 * their real times: where the store holds rows for the session, a leg counts only what its rollup
 * carries beyond the rows of that leg (for stores without `output_tokens`, the leg's output), at
 * the shutdown's time. No store: the rollup counts whole. A store that exists but cannot be read
 * skips the rollup (`unreadable-db`), so a request is never counted twice.
 */
export const copilotLineParser: LineParser<CopilotState> = {
  source: 'copilot-cli',
  needles: ['"session.start"', '"session.shutdown"', '"session.compaction_complete"'],
  initialState,
  parseLine(line, state, ctx): LineOutcome {
    const o = parseJsonObject(line)
    if (!o) return { kind: 'skip', reason: 'malformed-json' }
    const data = asObject(o.data)
    const ts = isoTime(o.timestamp)
    if (o.type === 'session.start') {
      state.sessionId = asString(data?.sessionId) ?? state.sessionId
      state.project = asString(asObject(data?.context)?.cwd) ?? state.project
      return { kind: 'none' }
    }
    if (o.type === 'session.compaction_complete') {
      if (data?.success === true && !Number.isNaN(ts)) state.compactedAt = ts
      return { kind: 'none' }
    }
    if (o.type !== 'session.shutdown') return { kind: 'none' }
    const metrics = asObject(data?.modelMetrics)
    if (!metrics) return { kind: 'skip', reason: 'bad-field' }
    if (Number.isNaN(ts)) return { kind: 'skip', reason: 'bad-field' }
    if (!plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
    const rollups: [string, Rollup][] = []
    for (const [model, m] of Object.entries(metrics)) {
      const usage = asObject(asObject(m)?.usage)
      if (!usage) continue
      const r = rollupOf(model, usage)
      if (Object.values(r).some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS * 1000)) return { kind: 'skip', reason: 'bad-field' }
      rollups.push([model, r])
    }
    const reset = state.compactedAt > state.legStart
    const from = reset ? state.compactedAt : state.legStart
    const store = storeOf(ctx)
    let rows: StoreRows = { kind: 'absent' }
    if (store) rows = storeRowsOf(store, state.sessionId)
    const events: UsageEvent[] = []
    for (const [raw, r] of rollups) {
      const p = state.prev[raw]
      const leg = legOf(r, reset || (p && r.input < p.input) ? undefined : p)
      const n = (state.legs[raw] ?? 0) + 1
      state.prev[raw] = r
      state.legs[raw] = n
      const model = copilotModel(raw)
      let rest = leg
      if (rows.kind === 'rows') {
        // The rows of this leg (since the previous shutdown, or the compaction that reset the
        // counters; the compaction's own summarising request counts to the leg it reset).
        const covered = rows.rows.filter((x) => x.model === model && x.ts <= ts && (x.ts > from || (x.compaction && x.ts > state.legStart)))
        const sum = (k: keyof Buckets) => covered.reduce((a, x) => a + x.b[k], 0)
        rest = {
          input: Math.max(0, leg.input - sum('input')),
          output: Math.max(0, leg.output - sum('output')),
          cacheRead: Math.max(0, leg.cacheRead - sum('cacheRead')),
          cacheWrite: Math.max(0, leg.cacheWrite - sum('cacheWrite')),
        }
      }
      if (rest.input + rest.output + rest.cacheRead + rest.cacheWrite === 0) continue
      events.push({
        key: `copilot:${state.sessionId}:shutdown:${raw}:${n}`,
        ts,
        source: 'copilot-cli',
        userId: ctx.userId,
        agentId: 'copilot-cli',
        project: state.project,
        sessionId: state.sessionId,
        model,
        ...rest,
        cacheWrite1h: 0,
      })
    }
    state.legStart = ts
    state.compactedAt = 0
    if (rows.kind === 'unreadable') return { kind: 'skip', reason: 'unreadable-db' }
    return events.length > 0 ? { kind: 'events', events } : { kind: 'none' }
  },
}
