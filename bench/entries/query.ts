/**
 * Entry bundled by bench/suites/query.mjs: `node query.cjs '<json config>'`.
 *
 * Builds a store with a year of hourly usage for 50 (model, agent, project) combinations through
 * the real ingest path (`openStore` + `applyBatch`, batches of 5,000 events), then times the
 * store's answers to the calls the dashboard makes, built with the renderer's own range and query
 * helpers (src/renderer/src/lib): every filter change (chart report, previous-period totals,
 * session count, previous-period session count, breakdown) for each range and filter, first paint
 * (dimensions with the unpriced models, today's spend, then the default view), and the Sessions
 * tab (the list of at most 500 and the count).
 * Calls run in this process, one after another, as the engine answers them (better-sqlite3 is
 * synchronous: concurrent requests queue). Progress goes to stderr; the result is one JSON line
 * on stdout.
 */
import { rmSync } from 'node:fs'
import type Database from 'better-sqlite3'
import type { ReportQuery, UsageFilter } from '../../src/shared/contract'
import type { PriceTable } from '../../src/engine/pricing/types'
import type { SourceId, UsageEvent } from '../../src/shared/usage'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { createCoster } from '../../src/engine/pricing/coster'
import { loadPriceTable } from '../../src/engine/pricing/price-table'
import { recostHistory } from '../../src/engine/ingest/recost'
import { listDimensions } from '../../src/engine/query/dimensions'
import { ensureRollup } from '../../src/engine/projections/rollup'
import { runReport } from '../../src/engine/query/report'
import { countSessions, listSessions } from '../../src/engine/query/sessions'
import { sourceStatus } from '../../src/engine/query/source-status'
import { todaySpend } from '../../src/engine/query/today'
import { createLogSources } from '../../src/engine/sources/registry'
import { openStore, type Store } from '../../src/engine/store/open-store'
import { defaultCustom, resolveRange, type Preset, type ResolvedRange } from '../../src/renderer/src/lib/range'
import { chartQuery, previousFilter, usageFilter, NO_FILTERS, type Filters, type ViewState } from '../../src/renderer/src/lib/view-state'

interface Config {
  db: string
  /** An empty folder, for the log sources of sourceStatus. */
  emptyDir: string
  tz: string
  seed: number
  days: number
  batch: number
  samples: number
  warmup: number
  coldSamples: number
  /** Per-filter-change budget (ms); scenarios over it at p95 get their dominant call explained. */
  budgetMs: number
}

const HOUR = 3_600_000
const DAY = 86_400_000

const MODELS = [
  'claude-opus-4-6',
  'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5-20251001',
  'claude-opus-4-5-20251101',
  'gpt-5.3-codex',
  'gpt-5.4',
  'gpt-5.5',
  'gemini-2.5-pro',
  'o3',
  'local/qwen3-coder-30b', // the last one has no price
]
const AGENTS: { id: string; source: SourceId }[] = [
  { id: 'claude-code', source: 'claude-code' },
  { id: 'codex', source: 'codex' },
  { id: 'gemini-cli', source: 'socket' },
  { id: 'cursor', source: 'http' },
  { id: 'review-bot', source: 'socket' },
]
const PROJECTS = [
  '/home/dev/projects/api-server',
  '/home/dev/projects/web-client',
  '/home/dev/projects/infra',
  '/home/dev/projects/spotter',
  '/home/dev/projects/ml-pipeline',
  '/home/dev/projects/docs.site',
  '/home/dev/work/billing-service',
  '/home/dev/work/auth-service',
  '/home/dev/src/cli-tools',
  '/home/dev/src/data-etl',
]

/** 50 combinations: 10 models x 5 agents, each pair in one of the 10 projects. */
const COMBOS = Array.from({ length: 50 }, (_, i) => {
  const agent = AGENTS[Math.floor(i / 10)] as { id: string; source: SourceId }
  return {
    model: MODELS[i % 10] as string,
    agent: agent.id,
    source: agent.source,
    project: PROJECTS[(i * 3 + Math.floor(i / 10)) % 10] as string,
  }
})

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const log = (m: string): void => {
  process.stderr.write(`${m}\n`)
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6

interface Totals {
  requests: number
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/** Fills the store: every combination has 1 request in every hour of the year, 3 in weekday working hours (09-18 UTC). */
function fill(
  store: Store,
  cfg: Config,
  now: number,
  prices: PriceTable,
): { events: number; sessions: number; ms: number; batches: number; totals: Totals } {
  const rnd = mulberry32(cfg.seed)
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))
  const cost = createCoster(prices)
  // As openContext does for a new store: record the price version, so `tokenwatch serve` on this store re-costs nothing.
  recostHistory(store, prices, cost)
  const lastHour = now - (now % HOUR)
  const firstHour = lastHour - cfg.days * DAY + HOUR
  const totals: Totals = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
  const sessions = new Set<string>()
  let batch: UsageEvent[] = []
  let batches = 0
  const t0 = process.hrtime.bigint()
  const flush = (): void => {
    if (batch.length === 0) return
    applyBatch(store, [{ events: batch }], cost, now)
    batches++
    batch = []
  }
  for (let h = firstHour; h <= lastHour; h += HOUR) {
    const d = new Date(h)
    const working = d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && d.getUTCHours() >= 9 && d.getUTCHours() < 18
    const n = working ? 3 : 1
    const span = Math.min(HOUR, now - h + 1) // the current hour: only up to now
    const day = Math.floor((h - firstHour) / DAY)
    const block = Math.floor(d.getUTCHours() / 6) // a session per combination per 6 hours: 4 a day
    for (let c = 0; c < COMBOS.length; c++) {
      const combo = COMBOS[c] as (typeof COMBOS)[number]
      const sessionId = `${combo.agent}-${c}-${day}-${block}`
      sessions.add(sessionId)
      for (let k = 0; k < n; k++) {
        const id = `${c}-${h / HOUR}-${k}`
        const key =
          combo.source === 'claude-code'
            ? `cc:msg_${id}:req_${id}`
            : combo.source === 'codex'
              ? `codex:${sessionId}:${id}`
              : `ext:${combo.agent}:${id}`
        const cacheWrite = rnd() < 0.3 ? int(500, 30_000) : int(0, 800)
        const e: UsageEvent = {
          key,
          ts: h + Math.floor(rnd() * span),
          source: combo.source,
          userId: 'dev',
          agentId: combo.agent,
          project: combo.project,
          sessionId,
          model: combo.model,
          input: int(1, 2000),
          output: int(20, 4000),
          cacheRead: int(0, 180_000),
          cacheWrite,
          cacheWrite1h: rnd() < 0.5 ? cacheWrite : 0,
        }
        totals.requests++
        totals.input += e.input
        totals.output += e.output
        totals.cacheRead += e.cacheRead
        totals.cacheWrite += e.cacheWrite
        batch.push(e)
        if (batch.length >= cfg.batch) flush()
      }
    }
  }
  flush()
  return { events: totals.requests, sessions: sessions.size, ms: ms(t0), batches, totals }
}

// ---------------------------------------------------------------- the dashboard's calls

interface Call {
  name: string
  run: () => unknown
  /** What the renderer sends for it (for the HTTP phase). */
  method: 'report' | 'sessions' | 'sessionCount' | 'dimensions' | 'todaySpend' | 'getSettings'
  arg?: unknown
}

function dashboardCalls(store: () => Store, view: ViewState, range: ResolvedRange, tz: string): Call[] {
  const query = chartQuery(view, range, tz)
  const filter = usageFilter(range, tz, view.filters)
  const prev = range.previous === undefined ? undefined : previousFilter(view, range.previous, tz)
  const breakdown: ReportQuery = { ...filter, groupBy: ['model'] }
  const calls: Call[] = [{ name: 'chart', method: 'report', arg: query, run: () => runReport(store(), query) }]
  if (prev) {
    const q: ReportQuery = { ...prev, groupBy: [] }
    calls.push({ name: 'prevTotals', method: 'report', arg: q, run: () => runReport(store(), q) })
  }
  // The Sessions KPI: the count, not the list (DashboardView calls sessionCount).
  calls.push({ name: 'sessions', method: 'sessionCount', arg: filter, run: () => countSessions(store(), filter) })
  if (prev) {
    const p: UsageFilter = prev
    calls.push({ name: 'prevSessions', method: 'sessionCount', arg: p, run: () => countSessions(store(), p) })
  }
  calls.push({ name: 'breakdown', method: 'report', arg: breakdown, run: () => runReport(store(), breakdown) })
  return calls
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
function summary(xs: number[]): { n: number; p50: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b)
  const r = (v: number): number => Math.round(v * 100) / 100
  return {
    n: s.length,
    p50: r(pct(s, 50)),
    p95: r(pct(s, 95)),
    max: r(s[s.length - 1] ?? NaN),
    mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  }
}

// ---------------------------------------------------------------- diagnosis: which statement, which plan

interface Traced {
  sql: string
  params: unknown[]
}

/** Runs `fn` once with db.prepare wrapped, recording every statement executed and its parameters. */
function trace(db: Database.Database, fn: () => unknown): Traced[] {
  const out: Traced[] = []
  const d = db as unknown as { prepare: (sql: string) => Database.Statement }
  const orig = d.prepare
  d.prepare = (sql: string) => {
    const st = orig.call(db, sql)
    const proxy: Database.Statement = new Proxy(st, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown
        if ((prop === 'all' || prop === 'get' || prop === 'iterate' || prop === 'run') && typeof v === 'function') {
          return (...params: unknown[]) => {
            out.push({ sql, params })
            return (v as (...a: unknown[]) => unknown).apply(target, params)
          }
        }
        if (typeof v !== 'function') return v
        // Chained modifiers (.pluck(), .raw(), ...) return the statement: keep tracing it.
        return (...a: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, a)
          return r === target ? proxy : r
        }
      },
    })
    return proxy
  }
  try {
    fn()
  } finally {
    d.prepare = orig
  }
  return out
}

interface PlanRow {
  id: number
  parent: number
  detail: string
}

function planText(rows: PlanRow[]): string[] {
  const depth = new Map<number, number>()
  return rows.map((r) => {
    const dd = (depth.get(r.parent) ?? -1) + 1
    depth.set(r.id, dd)
    return `${'  '.repeat(dd)}${r.detail}`
  })
}

/** Each statement of a call: its time alone (median of 3, .all()), rows, and its query plan. */
function explain(db: Database.Database, fn: () => unknown): { sql: string; params: unknown[]; ms: number; rows: number; plan: string[] }[] {
  const seen = new Map<string, Traced>()
  for (const t of trace(db, fn)) seen.set(`${t.sql}\u0000${JSON.stringify(t.params)}`, t)
  const out = [...seen.values()].map((t) => {
    const stmt = db.prepare(t.sql)
    const times: number[] = []
    let rows = 0
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint()
      rows = (stmt.all(...t.params) as unknown[]).length
      times.push(ms(t0))
    }
    const plan = planText(db.prepare(`EXPLAIN QUERY PLAN ${t.sql}`).all(...t.params) as PlanRow[])
    return {
      sql: t.sql.replace(/\s+/g, ' ').trim(),
      params: t.params,
      ms:
        Math.round(
          pct(
            times.sort((a, b) => a - b),
            50,
          ) * 100,
        ) / 100,
      rows,
      plan,
    }
  })
  return out.sort((a, b) => b.ms - a.ms)
}

// ---------------------------------------------------------------- main

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as Config
  rmSync(cfg.db, { force: true })
  rmSync(`${cfg.db}-wal`, { force: true })
  rmSync(`${cfg.db}-shm`, { force: true })
  const now = Date.now()
  let store = openStore(cfg.db)
  const cur = (): Store => store
  log(`  filling: ${cfg.days} days x 24 hours x ${COMBOS.length} combinations through applyBatch, ${cfg.batch} events per batch ...`)
  const prices = loadPriceTable()
  const filled = fill(store, cfg, now, prices)
  // As Engine.start does after its backfill: the viewer's zone gets its local-day rollup, which
  // every later commit keeps current. Timed: it is a one-off cost on the first start.
  const tRollup = process.hrtime.bigint()
  ensureRollup(store, cfg.tz)
  const rollupMs = ms(tRollup)
  log(`  local-day rollup for ${cfg.tz} built in ${(rollupMs / 1000).toFixed(1)} s`)
  const db = (): Database.Database => store.db
  const count = (sql: string): number => db().prepare(sql).pluck().get() as number
  const pageSize = db().pragma('page_size', { simple: true }) as number
  const storeInfo = {
    events: count('SELECT count(*) FROM usage_events'),
    bucketRows: count('SELECT count(*) FROM usage_buckets'),
    hourlyRows: count(
      'SELECT count(*) FROM (SELECT 1 FROM usage_buckets GROUP BY bucket_start / 3600000, source, user_id, agent_id, project, model)',
    ),
    sessions: count('SELECT count(*) FROM sessions'),
    bytes: (db().pragma('page_count', { simple: true }) as number) * pageSize,
  }
  log(
    `  filled: ${filled.events.toLocaleString('en-US')} events in ${(filled.ms / 1000).toFixed(1)} s (${Math.round(filled.events / (filled.ms / 1000)).toLocaleString('en-US')} events/s, ${filled.batches} batches); ` +
      `${storeInfo.bucketRows.toLocaleString('en-US')} quarter-hour rows, ${storeInfo.hourlyRows.toLocaleString('en-US')} hourly rows, ${storeInfo.sessions.toLocaleString('en-US')} sessions, ${(storeInfo.bytes / 2 ** 20).toFixed(0)} MiB`,
  )

  // ---- correctness: the store must hold exactly what was generated
  const problems: string[] = []
  const all = runReport(store, { tz: cfg.tz, groupBy: [] }).totals
  for (const k of ['requests', 'input', 'output', 'cacheRead', 'cacheWrite'] as const) {
    if (all[k] !== filled.totals[k]) problems.push(`all-time ${k}: store ${all[k]}, generated ${filled.totals[k]}`)
  }
  if (storeInfo.sessions !== filled.sessions) problems.push(`sessions: store ${storeInfo.sessions}, generated ${filled.sessions}`)
  const dims = listDimensions(store, prices)
  if (dims.models.length !== MODELS.length || dims.agents.length !== AGENTS.length || dims.projects.length !== PROJECTS.length) {
    problems.push(`dimensions: ${dims.models.length} models, ${dims.agents.length} agents, ${dims.projects.length} projects`)
  }
  if (JSON.stringify(dims.unpricedModels) !== JSON.stringify(['local/qwen3-coder-30b']))
    problems.push(`unpriced models: ${JSON.stringify(dims.unpricedModels)}`)

  // ---- scenarios: range x filter, with the dashboard's default metric (tokens) and split (model)
  const tz = cfg.tz
  const span = { firstTs: dims.firstTs, lastTs: dims.lastTs }
  const filterSets: { id: string; filters: Filters }[] = [
    { id: 'none', filters: NO_FILTERS },
    { id: 'model', filters: { ...NO_FILTERS, models: ['claude-opus-4-6'] } },
    { id: 'agent', filters: { ...NO_FILTERS, agents: ['codex'] } },
    {
      id: 'multi',
      filters: {
        ...NO_FILTERS,
        models: ['claude-opus-4-6', 'gpt-5.5', 'gemini-2.5-pro'],
        projects: [PROJECTS[0] as string, PROJECTS[3] as string],
      },
    },
  ]
  const presets: Preset[] = ['24h', '7d', '30d', '90d', 'all']
  const viewOf = (preset: Preset, filters: Filters): ViewState => ({
    range: { preset, ...defaultCustom(now, tz) },
    filters,
    metric: 'tokens',
    split: 'model',
  })
  const scenarios = presets.flatMap((preset) =>
    filterSets.map((f) => {
      const view = viewOf(preset, f.filters)
      const range = resolveRange(view.range, now, tz, span)
      return {
        id: `${preset}/${f.id}`,
        preset,
        filter: f.id,
        calls: dashboardCalls(cur, view, range, tz),
        times: new Map<string, number[]>(),
        totals: [] as number[],
      }
    }),
  )

  log(
    `  timing ${scenarios.length} filter changes (${presets.join(', ')} x ${filterSets.map((f) => f.id).join(', ')}), ${cfg.warmup} warm-up + ${cfg.samples} rounds, round-robin, tz ${tz} ...`,
  )
  const tRun = process.hrtime.bigint()
  for (let rep = 0; rep < cfg.warmup + cfg.samples; rep++) {
    for (const s of scenarios) {
      let sum = 0
      for (const c of s.calls) {
        const t0 = process.hrtime.bigint()
        c.run()
        const t = ms(t0)
        sum += t
        if (rep >= cfg.warmup) {
          const xs = s.times.get(c.name) ?? []
          xs.push(t)
          s.times.set(c.name, xs)
        }
      }
      if (rep >= cfg.warmup) s.totals.push(sum)
    }
  }
  const filterChanges = scenarios.map((s) => {
    const calls = Object.fromEntries([...s.times].map(([k, xs]) => [k, summary(xs)]))
    const total = summary(s.totals)
    const dominant = Object.entries(calls).sort((a, b) => b[1].p95 - a[1].p95)[0]?.[0] ?? ''
    return { id: s.id, preset: s.preset, filter: s.filter, calls, total, dominant, met: total.p95 < cfg.budgetMs }
  })
  log(`  timed in ${(ms(tRun) / 1000).toFixed(1)} s`)

  // ---- first paint: App (settings, dimensions with the unpriced models), TodaySpend, then the default view (24 h)
  const defaultView = viewOf('24h', NO_FILTERS)
  const firstPaintCalls = (): Call[] => {
    const d = listDimensions(store, prices) // the range for "all" depends on it; 24 h does not
    const range = resolveRange(defaultView.range, now, tz, { firstTs: d.firstTs, lastTs: d.lastTs })
    return [
      { name: 'dimensions', method: 'dimensions', run: () => listDimensions(store, prices) },
      { name: 'todaySpend', method: 'todaySpend', arg: { tz }, run: () => todaySpend(store, tz, now) },
      ...dashboardCalls(cur, defaultView, range, tz),
    ]
  }
  const runPaint = (calls: Call[]): { total: number; each: Record<string, number> } => {
    const each: Record<string, number> = {}
    let total = 0
    for (const c of calls) {
      const t0 = process.hrtime.bigint()
      c.run()
      const t = ms(t0)
      each[c.name] = t
      total += t
    }
    return { total, each }
  }
  const collect = (runs: { total: number; each: Record<string, number> }[]) => {
    const names = Object.keys(runs[0]?.each ?? {})
    return {
      total: summary(runs.map((r) => r.total)),
      calls: Object.fromEntries(names.map((n) => [n, summary(runs.map((r) => r.each[n] ?? NaN))])),
    }
  }
  // Cold: a fresh connection each time (SQLite's page cache and statements empty; the OS page cache is warm).
  const cold: { total: number; each: Record<string, number> }[] = []
  for (let i = 0; i < cfg.coldSamples; i++) {
    store.close()
    store = openStore(cfg.db)
    cold.push(runPaint(firstPaintCalls()))
  }
  const paintCalls = firstPaintCalls()
  for (let i = 0; i < cfg.warmup; i++) runPaint(paintCalls)
  const warm: { total: number; each: Record<string, number> }[] = []
  for (let i = 0; i < cfg.samples; i++) warm.push(runPaint(paintCalls))
  // The Sources tab (not part of the dashboard's first paint): serve passes the socket's path.
  const sources = createLogSources({ claudeConfigDirs: [cfg.emptyDir], codexHomes: [cfg.emptyDir] })
  const srcTimes: number[] = []
  for (let i = 0; i < Math.max(5, Math.min(cfg.samples, 10)); i++) {
    const t0 = process.hrtime.bigint()
    sourceStatus(store, sources, { socket: '/run/tokenwatch/ingest.sock' })
    srcTimes.push(ms(t0))
  }
  const firstPaint = {
    cold: collect(cold),
    warm: collect(warm),
    sourceStatus: summary(srcTimes),
    /** What the browser sends, for the HTTP phase: wave 1 needs nothing; wave 2 waits for settings and dimensions. */
    http: {
      wave1: [{ method: 'getSettings' }, { method: 'dimensions' }],
      wave2: paintCalls.filter((c) => c.name !== 'dimensions').map((c) => ({ method: c.method, arg: c.arg })),
    },
  }

  // ---- the Sessions KPI shows sessionCount(filter); the Sessions tab lists at most 500 of them
  const sessionsKpi = (['24h', '7d', '30d', '90d', 'all'] as Preset[]).map((preset) => {
    const range = resolveRange(viewOf(preset, NO_FILTERS).range, now, tz, span)
    const f = usageFilter(range, tz, NO_FILTERS)
    const actual = store.db
      .prepare('SELECT count(DISTINCT session_id) FROM usage_events WHERE ts >= ? AND ts < ?')
      .pluck()
      .get(f.from ?? 0, f.to ?? Number.MAX_SAFE_INTEGER) as number
    return { range: preset, sessionsInRange: actual, kpiShows: countSessions(store, f), listed: listSessions(store, f).length }
  })

  // ---- the Sessions tab (SessionsView): the list (at most 500) and the count, per range and filter
  const tabSamples = Math.max(5, Math.round(cfg.samples / 3))
  const sessionsTab = scenarios.map((s) => {
    const view = viewOf(s.preset, (filterSets.find((x) => x.id === s.filter) as { filters: Filters }).filters)
    const f = usageFilter(resolveRange(view.range, now, tz, span), tz, view.filters)
    const list: number[] = []
    const count: number[] = []
    for (let i = 0; i < 1 + tabSamples; i++) {
      let t0 = process.hrtime.bigint()
      listSessions(store, f)
      const tl = ms(t0)
      t0 = process.hrtime.bigint()
      countSessions(store, f)
      const tc = ms(t0)
      if (i > 0) {
        list.push(tl)
        count.push(tc)
      }
    }
    return { id: s.id, list: summary(list), count: summary(count) }
  })

  // ---- diagnosis: for each filter change over budget, every call of it above 10 ms at p95: its statements and their plans
  const diagnoses: {
    scenario: string
    totalP95: number
    calls: { call: string; p95: number; statements: ReturnType<typeof explain> }[]
  }[] = []
  for (const fc of filterChanges) {
    if (fc.met) continue
    const s = scenarios.find((x) => x.id === fc.id)
    if (!s) continue
    const calls = s.calls
      .filter((c) => (fc.calls[c.name]?.p95 ?? 0) > 10)
      .map((c) => ({ call: c.name, p95: fc.calls[c.name]?.p95 ?? NaN, statements: explain(store.db, c.run) }))
    diagnoses.push({ scenario: fc.id, totalP95: fc.total.p95, calls })
  }
  const paintDiag = {
    scenario: 'first paint (warm)',
    totalP95: firstPaint.warm.total.p95,
    calls: Object.entries(firstPaint.warm.calls)
      .filter(([, st]) => st.p95 > 10)
      .map(([name, st]) => {
        const c = paintCalls.find((x) => x.name === name) as Call
        return { call: name, p95: st.p95, statements: explain(store.db, c.run) }
      }),
  }
  store.close()
  process.stdout.write(
    `${JSON.stringify({
      now,
      tz,
      combos: COMBOS.length,
      models: MODELS.length,
      agents: AGENTS.length,
      projects: PROJECTS.length,
      rollupMs: Math.round(rollupMs),
      fill: {
        events: filled.events,
        sessions: filled.sessions,
        ms: Math.round(filled.ms),
        batches: filled.batches,
        batchSize: cfg.batch,
        eventsPerSec: Math.round(filled.events / (filled.ms / 1000)),
      },
      store: storeInfo,
      samples: cfg.samples,
      warmup: cfg.warmup,
      coldSamples: cfg.coldSamples,
      budgetMs: cfg.budgetMs,
      filterChanges,
      firstPaint,
      diagnoses,
      paintDiagnoses: paintDiag,
      sessionsKpi,
      sessionsTab,
      problems,
      cpu: { userS: process.cpuUsage().user / 1e6, sysS: process.cpuUsage().system / 1e6, wallS: process.uptime() },
    })}\n`,
  )
}

main()
