/**
 * Token metrics → usage, one event per series group and export instant. Delta points add their
 * value; cumulative points add the difference from the series' last value (kept in
 * `otlp_series`), so a re-export of the same totals (an SDK's shutdown flush, a retry) adds
 * nothing, and a lower value or a new start time is a reset.
 */
import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { OtlpSkipReason } from '../../shared/contract'
import type { UsageEvent } from '../../shared/usage'
import { agentOf, MAX_TOKENS, PROJECT_ATTRIBUTE } from './map'
import { CUMULATIVE, DELTA, nanosToMs, type Attrs, type PointRec, type Scalar } from './records'

type Bucket = 'input' | 'inputAll' | 'output' | 'cacheRead' | 'cacheWrite'

/** The bucket a token metric's point adds to; `skip` for subsets and totals. */
type Classified = { bucket: Bucket; typeAttr: string } | { skip: OtlpSkipReason }

const TYPE_BUCKETS: Record<string, { attr: string; map: Record<string, Bucket | null> }> = {
  // Claude Code: Anthropic's exclusive buckets.
  'claude_code.token.usage': {
    attr: 'type',
    map: { input: 'input', output: 'output', cacheRead: 'cacheRead', cacheCreation: 'cacheWrite' },
  },
  // Gemini CLI: input includes cached content; thoughts are billed as output, tool-use prompt as input.
  'gemini_cli.token.usage': {
    attr: 'type',
    map: { input: 'inputAll', cache: 'cacheRead', output: 'output', thought: 'output', tool: 'input' },
  },
  // Codex: input includes cached input, output includes reasoning; total is their sum.
  'codex.turn.token_usage': {
    attr: 'token_type',
    map: { input: 'inputAll', cached_input: 'cacheRead', output: 'output', reasoning_output: null, total: null },
  },
  // GenAI histogram: input includes any cache, with no split.
  'gen_ai.client.token.usage': { attr: 'gen_ai.token.type', map: { input: 'inputAll', output: 'output' } },
}

/** The GenAI counters (development): input includes cache reads and writes; reasoning is in output. */
const GENAI_COUNTERS: Record<string, Bucket | null> = {
  'gen_ai.client.inference.usage.input_tokens': 'inputAll',
  'gen_ai.client.inference.usage.output_tokens': 'output',
  'gen_ai.client.inference.usage.cache_read.input_tokens': 'cacheRead',
  'gen_ai.client.inference.usage.cache_write.input_tokens': 'cacheWrite',
  'gen_ai.client.inference.usage.reasoning.output_tokens': null,
}

/** Agents with their own token metric: their GenAI-convention metrics are copies. */
const OWN_METRICS = new Set(['claude-code', 'codex', 'gemini-cli'])

/** Whether a point is usage, and into which bucket. */
export function classify(p: PointRec, agentId: string): Classified {
  if (p.kind === 'gauge') return { skip: 'not-usage' }
  const counter = GENAI_COUNTERS[p.metric]
  if (counter !== undefined) {
    if (OWN_METRICS.has(agentId)) return { skip: 'agent-twin' }
    return counter ? { bucket: counter, typeAttr: '' } : { skip: 'not-usage' }
  }
  const typed = TYPE_BUCKETS[p.metric]
  if (!typed) return { skip: 'not-usage' }
  if (p.metric.startsWith('gen_ai.') && OWN_METRICS.has(agentId)) return { skip: 'agent-twin' }
  const b = typed.map[String(p.attrs.get(typed.attr) ?? '')]
  return b ? { bucket: b, typeAttr: typed.attr } : { skip: 'not-usage' }
}

function sorted(a: Attrs, without = ''): [string, Scalar][] {
  return [...a.entries()].filter(([k]) => k !== without).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
}

function hash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27)
}

/** A held metric event, waiting for the per-request events that may cover it. */
export interface HeldEvent {
  service: string
  event: UsageEvent
}

interface Group {
  service: string
  key: string
  ts: number
  attrs: Attrs
  resource: Attrs
  sums: Record<Bucket, number>
}

interface SeriesRow {
  start_nano: string
  time_nano: string
  value: number
}

const statements = new WeakMap<Database.Database, { get: Database.Statement; set: Database.Statement }>()

function seriesStatements(db: Database.Database): { get: Database.Statement; set: Database.Statement } {
  let s = statements.get(db)
  if (!s) {
    s = {
      get: db.prepare('SELECT start_nano, time_nano, value FROM otlp_series WHERE series = ?'),
      set: db.prepare(`INSERT INTO otlp_series (series, start_nano, time_nano, value) VALUES (?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET start_nano = excluded.start_nano, time_nano = excluded.time_nano, value = excluded.value`),
    }
    statements.set(db, s)
  }
  return s
}

/**
 * What a point adds: its value (delta), or the change since the series' last point (cumulative;
 * updates the stored series, so call it inside the transaction that stores the result).
 */
function increment(db: Database.Database, p: PointRec): number {
  if (p.temporality === DELTA) return p.value
  if (p.temporality !== CUMULATIVE) return 0
  const s = seriesStatements(db)
  const series = hash([sorted(p.resource), p.scope, p.metric, sorted(p.attrs)])
  const last = s.get.get(series) as SeriesRow | undefined
  let add: number
  if (!last || last.start_nano !== p.startNano || p.value < last.value) add = p.value
  else if (BigInt(p.timeNano || '0') <= BigInt(last.time_nano || '0')) return 0
  else add = p.value - last.value
  s.set.run(series, p.startNano, p.timeNano, p.value)
  return add
}

export interface MetricOutcome {
  held: HeldEvent[]
  /** Per service: points received, and skip reasons. */
  perService: Map<string, { received: number; skipped: Map<OtlpSkipReason, number> }>
  rejected: number
}

/** Options: the default user, and which agents' logs are read here (their metrics would count twice). */
export interface MetricContext {
  userId: string
  now: number
  logSourceActive: (agentId: string) => boolean
}

function pick(a: Attrs, r: Attrs, ...keys: string[]): string {
  for (const k of keys) {
    const v = a.get(k) ?? r.get(k)
    if (v !== undefined && v !== '') return String(v).slice(0, 1024)
  }
  return ''
}

/** Maps a metrics request's points to events to hold (call inside a transaction). */
export function mapMetricPoints(db: Database.Database, points: PointRec[], ctx: MetricContext): MetricOutcome {
  const perService: MetricOutcome['perService'] = new Map()
  const groups = new Map<string, Group>()
  let rejected = 0
  for (const p of points) {
    const service = String(p.resource.get('service.name') ?? '').slice(0, 256)
    let stats = perService.get(service)
    if (!stats) perService.set(service, (stats = { received: 0, skipped: new Map() }))
    stats.received++
    const skip = (r: OtlpSkipReason): void => void stats.skipped.set(r, (stats.skipped.get(r) ?? 0) + 1)
    const agentId = agentOf(service)
    const c = classify(p, agentId)
    if ('skip' in c) {
      skip(c.skip)
      continue
    }
    if (OWN_METRICS.has(agentId) && ctx.logSourceActive(agentId)) {
      skip('log-source-twin')
      continue
    }
    const ts = nanosToMs(p.timeNano)
    if (p.value < 0 || p.value > MAX_TOKENS || ts === undefined || ts > ctx.now + 86_400_000) {
      skip(p.value < 0 || p.value > MAX_TOKENS ? 'bad-tokens' : 'bad-time')
      rejected++
      continue
    }
    const add = Math.round(increment(db, p))
    if (add <= 0) continue
    const id = hash([sorted(p.resource), p.scope, p.metric.split('.').slice(0, 2).join('.'), sorted(p.attrs, c.typeAttr), p.timeNano])
    let g = groups.get(id)
    if (!g) {
      g = {
        service,
        key: `otlp:m:${id}`,
        ts,
        attrs: p.attrs,
        resource: p.resource,
        sums: { input: 0, inputAll: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      }
      groups.set(id, g)
    }
    g.sums[c.bucket] += add
  }
  const held: HeldEvent[] = []
  for (const g of groups.values()) {
    const { sums, attrs: a, resource: r } = g
    const input = sums.input + Math.max(0, sums.inputAll - sums.cacheRead - sums.cacheWrite)
    held.push({
      service: g.service,
      event: {
        key: g.key,
        ts: g.ts,
        source: 'otlp',
        agentId: agentOf(g.service),
        userId: pick(a, r, 'enduser.id', 'user.email', 'user.id') || ctx.userId,
        sessionId: pick(a, r, 'session.id', 'gen_ai.conversation.id', 'conversation.id'),
        project: pick(a, r, PROJECT_ATTRIBUTE),
        model: pick(a, r, 'model', 'gen_ai.response.model', 'gen_ai.request.model').slice(0, 256) || 'unknown',
        input,
        output: sums.output,
        cacheRead: sums.cacheRead,
        cacheWrite: sums.cacheWrite,
        cacheWrite1h: 0,
      },
    })
  }
  return { held, perService, rejected }
}
