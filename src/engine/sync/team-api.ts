import type { AppApi, Dimensions, ReportQuery, UsageFilter } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import { reportToCsv } from '../export/csv'
import { rangeForecast } from '../budgets/range-forecast'
import { todaySpend } from '../query/today'
import { userTotals } from '../query/user-totals'
import { DEFAULT_SETTINGS } from '../settings'
import type { Store } from '../store/open-store'
import { fetchTeamMachines, loadRows, pickMachines, reportOverMachines, type MachineRows } from './team-report'
import { redactUrl } from './team-url'

export interface TeamApiOptions {
  /** How long one read of the team database is reused, ms (default 5 s). */
  cacheMs?: number
}

/** The answer of a method that has no meaning over team data. */
function notInTeam(what: string): never {
  throw new Error(`${what} (team view: the team database holds quarter-hour totals per machine, user, agent, project and model)`)
}

/**
 * The contract over the team database (`serve --team`): reports, the dashboard's pickers, today's
 * spend, forecasts and user totals are summed by the same report code as a local store, over the
 * machines' synced quarter-hour rows, with `machines` as one more filter. Sessions, active time,
 * blocks, budgets, sources and settings stay on each machine and answer with a clear error.
 */
export function createTeamApi(url: string, opts: TeamApiOptions = {}): AppApi {
  const cacheMs = opts.cacheMs ?? 5000
  let cached: { at: number; rows: Promise<MachineRows[]> } | undefined
  const all = (): Promise<MachineRows[]> => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const rows = fetchTeamMachines(url)
      cached = { at: Date.now(), rows }
      rows.catch(() => (cached = undefined))
    }
    return cached.rows
  }
  const pick = async (f: { machines?: string[] }): Promise<MachineRows[]> => {
    const list = await all()
    return pickMachines(list, f.machines)
  }
  const withStore = async <T>(f: { machines?: string[] }, fn: (s: Store) => T): Promise<T> => {
    const store = loadRows((await pick(f)).flatMap((m) => m.rows))
    try {
      return fn(store)
    } finally {
      store.close()
    }
  }
  const report = async (q: ReportQuery) => {
    if (q.groupBy.includes('session')) notInTeam('sessions stay on each machine')
    return reportOverMachines(await pick(q), q)
  }
  const noSessions = async (_f?: UsageFilter): Promise<never> => notInTeam('sessions stay on each machine')
  const server = redactUrl(url)
  return {
    dimensions: async (): Promise<Dimensions> => {
      const list = await all()
      const sets = { user: new Set<string>(), agent: new Set<string>(), project: new Set<string>(), model: new Set<string>(), source: new Set<string>() }
      const unpriced = new Set<string>()
      let lo: number | null = null
      let hi: number | null = null
      for (const m of list) {
        for (const r of m.rows) {
          sets.source.add(r[1]); sets.user.add(r[2]); sets.agent.add(r[3]); sets.project.add(r[4]); sets.model.add(r[5])
          if (r[12] > 0) unpriced.add(r[5])
          lo = lo === null ? r[0] : Math.min(lo, r[0])
          hi = hi === null ? r[0] : Math.max(hi, r[0])
        }
      }
      const sorted = (s: Set<string>) => [...s].sort()
      return {
        users: sorted(sets.user), agents: sorted(sets.agent), projects: sorted(sets.project), models: sorted(sets.model),
        sources: sorted(sets.source) as SourceId[], unpricedModels: sorted(unpriced),
        firstTs: lo, lastTs: hi, machines: list.map((m) => m.label).sort(), team: server,
      }
    },
    report,
    reportCsv: async (q) => reportToCsv(await report(q), q.groupBy),
    exportCsv: async () => ({ ok: false, error: 'desktop only' }),
    todaySpend: async ({ tz }) => withStore({}, (s) => todaySpend(s, tz)),
    forecast: async (q) => withStore(q, (s) => rangeForecast(s, q)),
    userTotals: async () => withStore({}, (s) => userTotals(s)),
    sessions: noSessions,
    sessionCount: noSessions,
    sessionEvents: async () => notInTeam('sessions stay on each machine'),
    activity: async () => notInTeam('active time is counted from sessions, which stay on each machine'),
    blocks: async () => notInTeam('5-hour blocks are per machine'),
    budgets: async () => notInTeam('budgets are set per machine'),
    outlook: async () => notInTeam('the outlook follows each machine\'s budgets'),
    planLimits: async () => notInTeam('plan limits are read on each machine'),
    sourceStatus: async () => [],
    backfillProgress: async () => ({ running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: true }),
    getSettings: async () => ({ ...DEFAULT_SETTINGS, teamUrl: server }),
    setSettings: async () => notInTeam('settings are changed on each machine'),
    addLogFolder: async () => ({ ok: false, cancelled: false, error: 'the team view reads no log folders' }),
    removeLogFolder: async () => notInTeam('the team view reads no log folders'),
    reconcile: async () => notInTeam('reconcile an invoice on a machine, or with `tokenwatch reconcile`'),
    onChange: () => () => undefined,
  }
}
