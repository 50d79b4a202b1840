import type { AppApi, ChangeEvent, DataSource, Dimensions, ReportQuery, UsageFilter } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import { reportToCsv } from '../export/csv'
import { rangeForecast } from '../budgets/range-forecast'
import { todaySpend } from '../query/today'
import { userTotals } from '../query/user-totals'
import { DEFAULT_SETTINGS } from '../settings'
import type { Store } from '../store/open-store'
import { loadRows, pickMachines, reportOverMachines, type MachineRows } from './team-report'

/** Where several machines' quarter-hour rows come from: the team database, or the synced folder. */
export interface MachinesSource {
  /** What this source is, for the dashboard's label and `dataSources`. */
  readonly info: DataSource
  /** Every machine's rows, labelled. */
  load(): Promise<MachineRows[]>
  /**
   * A cheap fingerprint of the data (the machines' acknowledged change sequences, the files'
   * sizes and times): it changes whenever `load` would answer differently. Polled while anyone
   * listens for change events; null while the source cannot be read.
   */
  version(): Promise<string | null>
  /** Ends what the source holds open (the poller's connection). */
  close?(): Promise<void>
  /**
   * The fingerprint is cheap enough to check before every read (a few stats): a cached read is
   * reused only while it is unchanged, so this machine's own commits and renames show at once.
   */
  readonly checkEachRead?: boolean
}

export interface MachinesApiOptions {
  /** How long one load is reused when nothing is polling, ms (default 5 s). */
  cacheMs?: number
  /** How often the source's fingerprint is read while anyone listens, ms (default 2 s). */
  pollMs?: number
  /** Told after each poll (tests wait on it). */
  onPoll?: (version: string | null) => void
}

/** A contract over several machines' data, with `close` for its poller. */
export type MachinesApi = AppApi & { close(): Promise<void> }

/** The answer of a method that has no meaning over several machines' synced totals. */
function perMachine(what: string): never {
  throw new Error(`${what} (team and my-machines views hold quarter-hour totals per machine, user, agent, project and model)`)
}

/**
 * The contract over several machines' synced rows (`serve --team`, the app's "team" and "my
 * machines" views): reports, the pickers, today's spend, forecasts and user totals are summed by
 * the same report code as a local store, with `machines` as one more filter. Sessions, active
 * time, blocks, budgets, sources and settings stay on each machine and answer with a clear error.
 * Change events: while anyone listens, the source's fingerprint is polled (one small query or a
 * few stats) and a change is announced, so dashboards follow other machines' syncs.
 */
export function createMachinesApi(source: MachinesSource, opts: MachinesApiOptions = {}): MachinesApi {
  const cacheMs = opts.cacheMs ?? 5000
  const pollMs = opts.pollMs ?? 2000
  let cached: { at: number; rows: Promise<MachineRows[]>; version?: string | null } | undefined
  const all = async (): Promise<MachineRows[]> => {
    const version = source.checkEachRead ? await source.version().catch(() => null) : undefined
    // Kept by time only while a dashboard listens: its poll drops the cache when the data moved.
    // Unheard, a change would go unseen for cacheMs (a machine renamed, a sync landed), so every read is fresh then.
    const fresh =
      cached &&
      (version === undefined ? listeners.size > 0 && Date.now() - cached.at <= cacheMs : version !== null && version === cached.version)
    if (!cached || !fresh) {
      const rows = source.load()
      const entry = { at: Date.now(), rows, version }
      cached = entry
      rows.catch(() => {
        if (cached === entry) cached = undefined
      })
    }
    return cached.rows
  }
  const pick = async (f: { machines?: string[] }): Promise<MachineRows[]> => pickMachines(await all(), f.machines)
  const withStore = async <T>(f: { machines?: string[] }, fn: (s: Store) => T): Promise<T> => {
    const store = loadRows((await pick(f)).flatMap((m) => m.rows))
    try {
      return fn(store)
    } finally {
      store.close()
    }
  }
  const report = async (q: ReportQuery) => {
    if (q.groupBy.includes('session')) perMachine('sessions stay on each machine')
    return reportOverMachines(await pick(q), q)
  }
  const noSessions = async (_f?: UsageFilter): Promise<never> => perMachine('sessions stay on each machine')

  // Change events: poll the fingerprint while anyone listens; the first answer is the baseline.
  const listeners = new Set<(e: ChangeEvent) => void>()
  let timer: NodeJS.Timeout | undefined
  let polling = false
  let last: string | null | undefined
  let closed = false
  const poll = async (): Promise<void> => {
    timer = undefined
    polling = true
    let v: string | null
    try {
      v = await source.version()
    } catch {
      v = null
    } finally {
      polling = false
    }
    // A source that cannot be read keeps the last known state: its return is a change only if the data moved.
    if (v !== null) {
      if (last !== undefined && v !== last) {
        cached = undefined
        const e: ChangeEvent = { at: Date.now() }
        for (const l of listeners) l(e)
      }
      last = v
    }
    opts.onPoll?.(v)
    if (listeners.size > 0 && !closed) {
      timer = setTimeout(() => void poll(), pollMs)
      timer.unref()
    } else {
      // Unheard from now on: the next subscription takes a new baseline.
      last = undefined
    }
  }

  const info = source.info
  return {
    dataSources: async () => [info],
    setMachineName: async () => perMachine('a machine is renamed on that machine'),
    dimensions: async (): Promise<Dimensions> => {
      const list = await all()
      const sets = {
        user: new Set<string>(),
        agent: new Set<string>(),
        project: new Set<string>(),
        model: new Set<string>(),
        source: new Set<string>(),
      }
      const unpriced = new Set<string>()
      let lo: number | null = null
      let hi: number | null = null
      for (const m of list) {
        for (const r of m.rows) {
          sets.source.add(r[1])
          sets.user.add(r[2])
          sets.agent.add(r[3])
          sets.project.add(r[4])
          sets.model.add(r[5])
          if (r[12] > 0) unpriced.add(r[5])
          lo = lo === null ? r[0] : Math.min(lo, r[0])
          hi = hi === null ? r[0] : Math.max(hi, r[0])
        }
      }
      const sorted = (s: Set<string>) => [...s].sort()
      return {
        users: sorted(sets.user),
        agents: sorted(sets.agent),
        projects: sorted(sets.project),
        models: sorted(sets.model),
        sources: sorted(sets.source) as SourceId[],
        unpricedModels: sorted(unpriced),
        firstTs: lo,
        lastTs: hi,
        machines: list.map((m) => m.label).sort(),
        ...(info.scope === 'team' ? { team: info.detail } : {}),
      }
    },
    report,
    reportCsv: async (q) => reportToCsv(await report(q), q.groupBy),
    exportCsv: async () => ({ ok: false, error: 'desktop only' }),
    todaySpend: async ({ tz, at }) => withStore({}, (s) => todaySpend(s, tz, at ?? Date.now())),
    forecast: async (q) => withStore(q, (s) => rangeForecast(s, q)),
    userTotals: async () => withStore({}, (s) => userTotals(s)),
    sessions: noSessions,
    sessionCount: noSessions,
    sessionEvents: async () => perMachine('sessions stay on each machine'),
    activity: async () => perMachine('active time is counted from sessions, which stay on each machine'),
    blocks: async () => perMachine('5-hour blocks are per machine'),
    budgets: async () => perMachine('budgets are set per machine'),
    outlook: async () => perMachine("the outlook follows each machine's budgets"),
    planLimits: async () => perMachine('plan limits are read on each machine'),
    sourceStatus: async () => [],
    backfillProgress: async () => ({ running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: true }),
    getSettings: async () => ({
      ...DEFAULT_SETTINGS,
      ...(info.scope === 'team' ? { teamUrl: info.detail } : { machinesFolder: info.detail }),
    }),
    setSettings: async () => perMachine('settings are changed on each machine'),
    addLogFolder: async () => ({ ok: false, cancelled: false, error: 'this view reads no log folders' }),
    pickMachinesFolder: async () => ({ ok: false, cancelled: false, error: 'the my-machines folder is set on each machine' }),
    removeLogFolder: async () => perMachine('this view reads no log folders'),
    reconcile: async () => perMachine('reconcile an invoice on a machine, or with `tokenwatch reconcile`'),
    importCursorUsage: async () => perMachine('import a Cursor usage export on the machine that should count it'),
    onChange(listener) {
      listeners.add(listener)
      if (!timer && !polling && !closed) void poll()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && timer) {
          clearTimeout(timer)
          timer = undefined
          last = undefined
        }
      }
    },
    async close() {
      closed = true
      listeners.clear()
      if (timer) clearTimeout(timer)
      timer = undefined
      await source.close?.()
    },
  }
}
