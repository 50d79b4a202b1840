/**
 * The contract answered from a fixed, seeded set of hourly usage rows: enough to drive every
 * dashboard view, with exact totals the tests can assert. Records every call it receives.
 */
import { emptyLogFolders } from '../../src/shared/sources'
import type {
  ApiMethod,
  AppApi,
  BackfillProgress,
  ChangeEvent,
  Dimensions,
  Figures,
  Report,
  ReportQuery,
  ReportRow,
  SessionSummary,
  Settings,
  SourceStatus,
  UsageFilter,
} from '../../src/shared/contract'
import type { SourceId } from '../../src/shared/usage'
import { identifyBlocks } from '../../src/engine/query/blocks'

/** The instant the browser clock is pinned to: Thursday 2026-03-05 15:20 UTC (16:20 in Berlin). */
export const NOW = Date.UTC(2026, 2, 5, 15, 20)
const HOUR = 3_600_000

export interface Row {
  hour: number
  user: string
  agent: string
  project: string
  model: string
  session: string
  source: SourceId
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  /** Integer micro-USD; 0 for unpriced models. */
  costMicro: number
  unpriced: boolean
}

/** USD per million tokens: input, output, cache read, cache write. `null` = unpriced. */
const PRICES: Record<string, [number, number, number, number] | null> = {
  'claude-opus-4-6': [5, 25, 0.5, 6.25],
  'claude-sonnet-4-5': [3, 15, 0.3, 3.75],
  'gpt-5-codex': [1.25, 10, 0.125, 0],
  'local-llama-3': null,
}
const COMBOS: { agent: string; model: string; source: SourceId; p: number }[] = [
  { agent: 'claude-code', model: 'claude-opus-4-6', source: 'claude-code', p: 0.8 },
  { agent: 'claude-code', model: 'claude-sonnet-4-5', source: 'claude-code', p: 0.6 },
  { agent: 'codex', model: 'gpt-5-codex', source: 'codex', p: 0.45 },
  { agent: 'nightly-eval', model: 'local-llama-3', source: 'socket', p: 0.15 },
]
const PROJECTS = ['token-watch', 'website', 'api-server']

function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** 35 days of hourly rows up to NOW, busier in Berlin working hours on weekdays. */
export function makeRows(): Row[] {
  const rand = mulberry32(42)
  const rows: Row[] = []
  const start = NOW - 35 * 24 * HOUR - (NOW % HOUR)
  for (let hour = start; hour <= NOW; hour += HOUR) {
    const local = new Date(hour + HOUR) // Berlin is UTC+1 in February and March 2026
    const lh = local.getUTCHours()
    const weekday = local.getUTCDay() >= 1 && local.getUTCDay() <= 5
    const activity = weekday && lh >= 9 && lh < 19 ? 1 : lh >= 7 && lh < 23 ? 0.3 : 0.04
    for (const c of COMBOS) {
      if (rand() >= activity * c.p) continue
      const requests = 1 + Math.floor(rand() * 24 * activity)
      const project = PROJECTS[Math.floor(rand() * PROJECTS.length)] ?? 'token-watch'
      const user = rand() < 0.75 ? 'alice' : 'bob'
      const input = requests * Math.floor(200 + rand() * 800)
      const output = requests * Math.floor(300 + rand() * 1500)
      const cacheRead = requests * Math.floor(20_000 + rand() * 60_000)
      const cacheWrite = requests * Math.floor(1_000 + rand() * 5_000)
      const price = PRICES[c.model] ?? null
      // tokens × USD per million = micro-USD, kept integral as the engine does.
      const costMicro = price === null ? 0 : Math.round(input * price[0] + output * price[1] + cacheRead * price[2] + cacheWrite * price[3])
      const day = Math.floor((hour + HOUR) / (24 * HOUR))
      rows.push({
        hour,
        user,
        agent: c.agent,
        project,
        model: c.model,
        source: c.source,
        session: `${c.agent}-${project}-${day}-${Math.floor(lh / 6)}`,
        input,
        output,
        cacheRead,
        cacheWrite,
        requests,
        costMicro,
        unpriced: price === null,
      })
    }
  }
  return rows
}

function key(ms: number, tz: string, withHour: boolean): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit' })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  )
  return withHour ? `${p.year}-${p.month}-${p.day}T${p.hour}:00` : `${p.year}-${p.month}-${p.day}`
}

/** The Monday (YYYY-MM-DD) of the week holding local day `ymd`, as the engine keys weeks. */
function mondayOf(ymd: string): string {
  const t = Date.parse(`${ymd}T00:00:00Z`)
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10)
}

function matches(r: Row, f: UsageFilter): boolean {
  return (
    (f.from === undefined || r.hour >= f.from) &&
    (f.to === undefined || r.hour < f.to) &&
    (f.users === undefined || f.users.includes(r.user)) &&
    (f.agents === undefined || f.agents.includes(r.agent)) &&
    (f.projects === undefined || f.projects.includes(r.project)) &&
    (f.models === undefined || f.models.includes(r.model)) &&
    (f.sessions === undefined || f.sessions.includes(r.session)) &&
    (f.sources === undefined || f.sources.includes(r.source))
  )
}

const zero = (): Figures & { micro: number } => ({
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  requests: 0,
  costUsd: 0,
  unpricedTokens: 0,
  micro: 0,
})

function add(acc: Figures & { micro: number }, r: Row): void {
  acc.input += r.input
  acc.output += r.output
  acc.cacheRead += r.cacheRead
  acc.cacheWrite += r.cacheWrite
  acc.requests += r.requests
  acc.micro += r.costMicro
  if (r.unpriced) acc.unpricedTokens += r.input + r.output + r.cacheRead + r.cacheWrite
}

function figures(acc: Figures & { micro: number }): Figures {
  const { micro, ...f } = acc
  return { ...f, costUsd: micro / 1e6 }
}

/** The report the engine would answer for `q` over `rows`. */
export function aggregate(rows: readonly Row[], q: ReportQuery): Report {
  const groups = new Map<string, { dims: Partial<Record<string, string>>; acc: Figures & { micro: number } }>()
  const total = zero()
  const unpriced = new Set<string>()
  for (const r of rows) {
    if (!matches(r, q)) continue
    add(total, r)
    if (r.unpriced) unpriced.add(r.model)
    const dims: Partial<Record<string, string>> = {}
    for (const d of q.groupBy) {
      dims[d] =
        d === 'hour'
          ? key(r.hour, q.tz, true)
          : d === 'day'
            ? key(r.hour, q.tz, false)
            : d === 'week'
              ? mondayOf(key(r.hour, q.tz, false))
              : d === 'month'
                ? key(r.hour, q.tz, false).slice(0, 7)
                : d === 'model'
                  ? r.model
                  : d === 'agent'
                    ? r.agent
                    : d === 'user'
                      ? r.user
                      : d === 'project'
                        ? r.project
                        : d === 'session'
                          ? r.session
                          : d === 'source'
                            ? r.source
                            : 'unsupported'
    }
    const k = JSON.stringify(dims)
    const g = groups.get(k) ?? { dims, acc: zero() }
    add(g.acc, r)
    groups.set(k, g)
  }
  const out: ReportRow[] = [...groups.values()].map((g) => ({ ...g.dims, ...figures(g.acc) }))
  return { rows: out, totals: figures(total), unpricedModels: [...unpriced].sort() }
}

/** The fixture lists at most this many sessions (the engine: 500), so the browser sees a cut list at 30 days. */
export const SESSIONS_LIST_LIMIT = 100

function sessionsOf(rows: readonly Row[], f: UsageFilter): SessionSummary[] {
  const by = new Map<string, Row[]>()
  for (const r of rows) if (matches(r, f)) by.set(r.session, [...(by.get(r.session) ?? []), r])
  return [...by.entries()].map(([sessionId, rs]) => {
    const acc = zero()
    rs.forEach((r) => add(acc, r))
    const first = rs[0] as Row
    return {
      ...figures(acc),
      sessionId,
      source: first.source,
      userId: first.user,
      agentId: first.agent,
      project: first.project,
      models: [...new Set(rs.map((r) => r.model))],
      firstTs: Math.min(...rs.map((r) => r.hour)) + 5 * 60_000,
      lastTs: Math.max(...rs.map((r) => r.hour)) + 50 * 60_000,
    }
  })
}

/** What `sessions` answers: the SESSIONS_LIST_LIMIT most recent, in the order sessionsOf gives them. */
function listOf(rows: readonly Row[], f: UsageFilter): SessionSummary[] {
  const all = sessionsOf(rows, f)
  const kept = new Set([...all].sort((a, b) => b.lastTs - a.lastTs).slice(0, SESSIONS_LIST_LIMIT))
  return all.filter((s) => kept.has(s))
}

export interface FixtureBackend extends AppApi {
  rows: Row[]
  calls: { method: ApiMethod; arg: unknown }[]
  /** What backfillProgress answers; tests move it along. */
  progress: BackfillProgress
  emit(e: ChangeEvent): void
  /** First run: the backfill commits its first batch (the rows appear in the store). */
  fill(): void
}

/** What discovery finds on disk: the same in both modes, since the files are there either way. */
const CLAUDE_ON_DISK = { files: 48, sessions: 31, projects: 3 }
export const CODEX_ROOTS = '/home/alice/.codex/sessions, /home/alice/.codex/archived_sessions'
export const CODEX_HINT = 'Codex CLI keeps rollouts in ~/.codex/sessions (set CODEX_HOME to point elsewhere).'

/** What the last full scan could not read under the Claude Code root (one of two paths named). */
export const FILE_ERRORS = {
  unreadable: 1,
  danglingLinks: 1,
  first: [{ path: '/home/alice/.claude/projects/app/locked.jsonl', error: 'EACCES: permission denied', kind: 'unreadable' as const }],
}

/** Store-side counts of one source over `rows`, as the engine's sourceStatus derives them. */
function storeCounts(rows: readonly Row[], source: SourceId) {
  const mine = rows.filter((r) => r.source === source)
  return {
    events: mine.reduce((n, r) => n + r.requests, 0),
    sessions: new Set(mine.map((r) => r.session)).size,
    projects: new Set(mine.map((r) => r.project)).size,
    lastEventTs: mine.length === 0 ? null : Math.max(...mine.map((r) => r.hour)) + 50 * 60_000,
  }
}

/**
 * A contract backend over `rows`. `empty` is a first run: an empty store, log files on disk (found
 * by discovery, not counted from the store), and a backfill not started yet; tests move
 * `progress` along and `fill()` the store as a backfill would.
 */
export function fixtureBackend({ empty = false } = {}): FixtureBackend {
  const rows = empty ? [] : makeRows()
  const calls: { method: ApiMethod; arg: unknown }[] = []
  const listeners = new Set<(e: ChangeEvent) => void>()
  let settings: Settings = {
    timeZone: '',
    dailyBudgetUsd: 25,
    launchAtLogin: false,
    logFolders: emptyLogFolders(),
    disabledSources: [],
    priceOverrides: [],
    paused: false,
    teamProjects: 'basename',
    teamUrl: '',
    machinesFolder: '',
    budgets: [],
    weekStart: null,
    otlpEnabled: true,
    otlpPort: 4319,
  }
  const log = (method: ApiMethod, arg?: unknown): void => void calls.push({ method, arg })
  const dims = (): Dimensions => ({
    users: [...new Set(rows.map((r) => r.user))].sort(),
    agents: [...new Set(rows.map((r) => r.agent))].sort(),
    projects: [...new Set(rows.map((r) => r.project))].sort(),
    models: [...new Set(rows.map((r) => r.model))].sort(),
    sources: [...new Set(rows.map((r) => r.source))].sort(),
    unpricedModels: [...new Set(rows.filter((r) => r.unpriced).map((r) => r.model))].sort(),
    firstTs: rows.length === 0 ? null : Math.min(...rows.map((r) => r.hour)),
    lastTs: rows.length === 0 ? null : Math.max(...rows.map((r) => r.hour)) + 50 * 60_000,
  })
  const progress: BackfillProgress = empty
    ? { running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: false }
    : { running: false, filesDone: 60, filesTotal: 60, bytesDone: 96_000_000, bytesTotal: 96_000_000, completedOnce: true }
  return {
    rows,
    calls,
    progress,
    emit: (e) => listeners.forEach((l) => l(e)),
    // This first run finds no Codex logs, so the backfill brings no Codex usage.
    fill: () => void rows.push(...makeRows().filter((r) => r.source !== 'codex')),
    dataSources: async () => (log('dataSources'), [{ scope: 'local', label: 'This machine', detail: 'fixture-laptop' }]),
    setMachineName: async (a) => (log('setMachineName', a), [{ scope: 'local', label: 'This machine', detail: a.name }]),
    pickMachinesFolder: async () => (log('pickMachinesFolder'), { ok: false, cancelled: false, error: 'desktop only' }),
    dimensions: async () => (log('dimensions'), dims()),
    report: async (q) => (log('report', q), aggregate(rows, q)),
    sessions: async (f) => (log('sessions', f), listOf(rows, f)),
    sessionCount: async (f) => (log('sessionCount', f), sessionsOf(rows, f).length),
    sessionEvents: async (a) => {
      log('sessionEvents', a)
      return rows
        .filter((r) => r.session === a.sessionId)
        .map((r) => ({
          ts: r.hour + 20 * 60_000,
          model: r.model,
          input: r.input,
          output: r.output,
          cacheRead: r.cacheRead,
          cacheWrite: r.cacheWrite,
          requests: r.requests,
          costUsd: r.costMicro / 1e6,
          unpricedTokens: r.unpriced ? r.input + r.output + r.cacheRead + r.cacheWrite : 0,
        }))
    },
    todaySpend: async ({ tz }) => {
      log('todaySpend', { tz })
      const day = key(NOW, tz, false)
      const r = aggregate(
        rows.filter((x) => key(x.hour, tz, false) === day),
        { tz, groupBy: ['model'] },
      )
      return {
        day,
        tz,
        costUsd: r.totals.costUsd,
        tokens: r.totals.input + r.totals.output + r.totals.cacheRead + r.totals.cacheWrite,
        requests: r.totals.requests,
        unpricedTokens: r.totals.unpricedTokens,
        topModels: [],
      }
    },
    budgets: async (a) => (log('budgets', a), []),
    forecast: async (q) => (log('forecast', q), null),
    outlook: async (a) => (log('outlook', a), []),
    userTotals: async () => {
      log('userTotals')
      const life = aggregate(rows, { tz: 'UTC', groupBy: ['user'] }).rows
      const recent = aggregate(rows, { tz: 'UTC', from: NOW - 24 * HOUR, to: NOW, groupBy: ['user'] }).rows
      const none = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 }
      return life.map((r) => ({ userId: r.user ?? '', lifetime: r, last24h: recent.find((x) => x.user === r.user) ?? none }))
    },
    activity: async (q) => {
      log('activity', q)
      // Sessions per group from the fixture rows; the rows carry no request instants, so no active time.
      const counts = new Map<string, { labels: Partial<Record<string, string>>; n: number }>()
      for (const r of aggregate(rows, { ...q, groupBy: [...q.groupBy, 'session'] }).rows) {
        const labels = Object.fromEntries(q.groupBy.map((d) => [d, r[d]]))
        const k = JSON.stringify(labels)
        const g = counts.get(k) ?? { labels, n: 0 }
        g.n += 1
        counts.set(k, g)
      }
      return [...counts.values()].map((g) => ({ ...g.labels, activeMs: 0, sessions: g.n }))
    },
    planLimits: async () => (log('planLimits'), { codex: null, claude: null, claudeSession: null }),
    blocks: async (a) => {
      log('blocks', a)
      // The engine's own block rule over the fixture's Claude rows (each at its hour + 20 min).
      const claude = rows.filter((r) => r.source === 'claude-code').sort((x, y) => x.hour - y.hour)
      const all = identifyBlocks(
        claude.map((r) => ({
          ts: r.hour + 20 * 60_000,
          input: r.input,
          output: r.output,
          cacheRead: r.cacheRead,
          cacheWrite: r.cacheWrite,
          costNanoUsd: r.unpriced ? null : r.costMicro * 1000,
        })),
        NOW,
      )
      return a.active ? all.filter((b) => b.active) : all
    },
    sourceStatus: async () => {
      log('sourceStatus')
      const claude = storeCounts(rows, 'claude-code')
      const status: SourceStatus[] = [
        {
          source: 'claude-code',
          location: '/home/alice/.claude/projects',
          found: true,
          files: rows.length === 0 ? 0 : CLAUDE_ON_DISK.files,
          ...claude,
          skippedLines: rows.length === 0 ? 0 : 7,
          skipReasons: rows.length === 0 ? {} : { 'malformed-json': 2, 'unknown-shape': 5 },
          discovered: CLAUDE_ON_DISK,
          ...(rows.length === 0 ? {} : { fileErrors: FILE_ERRORS }),
        },
        empty
          ? {
              source: 'codex',
              location: CODEX_ROOTS,
              found: false,
              files: 0,
              ...storeCounts([], 'codex'),
              skippedLines: 0,
              skipReasons: {},
              hint: CODEX_HINT,
              discovered: { files: 0, sessions: 0 },
            }
          : {
              source: 'codex',
              location: CODEX_ROOTS,
              found: true,
              files: 12,
              ...storeCounts(rows, 'codex'),
              skippedLines: 0,
              skipReasons: {},
              discovered: { files: 12, sessions: 12 },
            },
        {
          source: 'gemini-cli',
          location: '/home/alice/.gemini/tmp',
          found: false,
          files: 0,
          ...storeCounts([], 'gemini-cli'),
          skippedLines: 0,
          skipReasons: {},
          hint: 'Gemini CLI keeps chats in ~/.gemini/tmp/<project>/chats (set GEMINI_CLI_HOME to point elsewhere).',
          envVars: ['GEMINI_CLI_HOME', 'GEMINI_DATA_DIR'],
          lastReadAt: null,
          ...(settings.disabledSources.includes('gemini-cli') ? { disabled: true as const } : {}),
        },
        {
          source: 'socket',
          location: '/home/alice/.tokenwatch/ingest.sock',
          found: true,
          files: 0,
          skippedLines: 0,
          skipReasons: {},
          ...storeCounts(rows, 'socket'),
        },
      ]
      return status
    },
    backfillProgress: async () => (log('backfillProgress'), { ...progress }),
    getSettings: async () => (log('getSettings'), settings),
    setSettings: async (patch) => {
      log('setSettings', patch)
      settings = { ...settings, ...patch, logFolders: { ...settings.logFolders, ...patch.logFolders } }
      return settings
    },
    reportCsv: async (q) => (log('reportCsv', q), 'hour,model,requests\r\n2026-03-05T16:00,claude-opus-4-6,3\r\n'),
    exportCsv: async () => ({ ok: false, error: 'desktop only' }),
    addLogFolder: async () => ({ ok: false, cancelled: false, error: 'desktop only' }),
    removeLogFolder: async (a) => {
      log('removeLogFolder', a)
      settings = {
        ...settings,
        logFolders: { ...settings.logFolders, [a.kind]: settings.logFolders[a.kind].filter((_, i) => i !== a.index) },
      }
      return settings
    },
    onChange: (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  }
}
