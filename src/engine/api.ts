import {
  API_METHOD_TABLE,
  type AppApi,
  type DataSource,
  type ExportResult,
  type ReportQuery,
  type Settings,
  type UsageFilter,
} from '../shared/contract'
import { reportToCsv } from './export/csv'
import type { Engine } from './live/engine'
import { budgetStatuses, outlook } from './budgets/status'
import { planLimits } from './plan/rate-limits'
import { activityReport } from './query/activity'
import { userTotals } from './query/user-totals'
import { rangeForecast } from './budgets/range-forecast'
import { listBlocks } from './query/blocks'
import { listDimensions } from './query/dimensions'
import { localMachineFilter, runReport } from './query/report'
import { countSessions, listSessions, sessionEvents } from './query/sessions'
import { sourceStatus } from './query/source-status'
import { todaySpend } from './query/today'
import { readProviderExport } from './sources/provider-export'
import { reconcile } from './reconcile/reconcile'
import { importCursorUsage } from './sources/cursor/import'
import { addedFolderProblem } from './log-folders'
import { validateSettingsPatch } from './settings'
import { maskTeamUrl, unmaskTeamUrl } from '../shared/team-url'
import { machineIdentity } from './store/changes'
import { redactUrl } from '../shared/team-url'

export interface EngineApiOptions {
  /** Where pushed events arrive, for the sources panel. */
  socketPath?: string
  httpUrl?: string
  /** The UI's locale: its first day of the week for weekly budgets (unless the settings name one). */
  locale?: string
  /** Desktop: save CSV through a native dialog. Headless transports leave it out. */
  exportCsv?: (csv: string, rows: number) => Promise<ExportResult>
}

/** Settings as a UI sees them: the team URL's password masked (the engine keeps and uses it). */
function shown(s: Readonly<Settings>): Settings {
  return { ...s, teamUrl: maskTeamUrl(s.teamUrl) }
}

/**
 * The engine side of the contract: what both Electron IPC and the headless HTTP server call.
 * Arguments arrive already validated by the transport.
 */
export function createEngineApi(engine: Engine, opts: EngineApiOptions = {}): AppApi {
  const store = () => engine.store
  const own = <F extends UsageFilter>(f: F): F => localMachineFilter(store(), f)
  // The engine is the store's writer: a report in a zone without a local-day rollup builds one
  // (up to MAX_ROLLUP_ZONES), so the next long-range report in that zone reads days, not quarter-hours.
  const report = (q: ReportQuery) => runReport(store(), own(q), { buildRollup: true })
  const csvOf = (q: ReportQuery) => {
    const r = report(q)
    return { csv: reportToCsv(r, q.groupBy), rows: r.rows.length }
  }
  // What this connection can show: this machine, then my machines and the team where they are set.
  const dataSources = (): DataSource[] => [
    { scope: 'local', label: 'This machine', detail: machineIdentity(store()).name },
    ...(engine.settings.machinesFolder
      ? [{ scope: 'machines' as const, label: 'My machines', detail: engine.settings.machinesFolder }]
      : []),
    ...(engine.teamUrl ? [{ scope: 'team' as const, label: 'Team', detail: redactUrl(engine.teamUrl) }] : []),
  ]
  return {
    // Read ctx.prices at each call: a settings change replaces the price table.
    dataSources: async () => dataSources(),
    setMachineName: async ({ name }) => {
      engine.renameMachine(name)
      return dataSources()
    },
    dimensions: async () => ({ ...listDimensions(store(), engine.prices), machines: [machineIdentity(store()).name] }),
    report: async (q) => report(q),
    sessions: async (f) => listSessions(store(), own(f)),
    sessionCount: async (f) => countSessions(store(), own(f)),
    sessionEvents: async ({ sessionId }) => sessionEvents(store(), sessionId),
    todaySpend: async ({ tz, at }) => todaySpend(store(), tz, at ?? Date.now()),
    budgets: async ({ tz, at }) => budgetStatuses(store(), engine.settings, tz, at ?? Date.now(), opts.locale),
    outlook: async ({ tz, at }) => outlook(store(), engine.settings, tz, at ?? Date.now(), opts.locale),
    forecast: async (q) => rangeForecast(store(), own(q)),
    userTotals: async () => userTotals(store()),
    activity: async (q) => activityReport(store(), own(q)),
    planLimits: async () =>
      planLimits(
        engine.dir,
        engine.sources.filter((s) => s.id === 'codex').flatMap((s) => s.roots()),
      ),
    blocks: async ({ active }) => listBlocks(store(), active ? { active } : {}),
    sourceStatus: async () =>
      // Every source, switched off or not: the panel lists them all.
      sourceStatus(
        store(),
        engine.allSources(),
        {
          ...(opts.socketPath ? { socket: opts.socketPath } : {}),
          ...(opts.httpUrl ? { http: opts.httpUrl } : {}),
          ...(engine.otlp ? { otlp: engine.otlp.url } : {}),
          ...(engine.otlp?.fellBackFrom !== undefined ? { otlpTaken: engine.otlp.fellBackFrom } : {}),
        },
        {
          discover: true,
          scanErrors: engine.lastScan?.errors ?? [],
          disabled: engine.settings.disabledSources,
          pushRefusals: engine.writer.refusals,
        },
      ),
    backfillProgress: async () => ({ ...engine.progress }),
    getSettings: async () => shown(engine.settings),
    setSettings: async (patch) => {
      const checked = validateSettingsPatch(patch)
      if (!checked.ok) throw new Error(checked.error)
      const value = checked.value
      // The form holds the masked URL: a password it still shows as *** is the stored one.
      if (value.teamUrl) value.teamUrl = unmaskTeamUrl(value.teamUrl, engine.settings.teamUrl)
      const problem = addedFolderProblem(value, engine.settings.logFolders)
      if (problem !== undefined) throw new Error(problem)
      return shown(await engine.updateSettings(value))
    },
    reportCsv: async (q) => csvOf(q).csv,
    exportCsv: async (q) => {
      if (!opts.exportCsv) return { ok: false, error: 'export through a save dialog is only in the desktop app; use reportCsv' }
      const { csv, rows } = csvOf(q)
      return opts.exportCsv(csv, rows)
    },
    // Desktop main replaces this with its folder dialog; headless UIs add folders through setSettings.
    addLogFolder: async () => API_METHOD_TABLE.addLogFolder.headless,
    pickMachinesFolder: async () => API_METHOD_TABLE.pickMachinesFolder.headless,
    // The page sends the file's text (it never names a path); a file no reader knows is an error.
    reconcile: async ({ csv }) => reconcile(store(), readProviderExport(csv)),
    // Into the folder the Cursor source reads, then read at once (the page never names a path).
    importCursorUsage: async ({ csv, name }) => {
      const done = importCursorUsage(engine.dir, csv, name)
      await engine.rescan()
      return done
    },
    removeLogFolder: async ({ kind, index }) => {
      const list = engine.settings.logFolders[kind]
      if (index >= list.length) throw new Error(`logFolders.${kind} has no entry ${index}`)
      return shown(await engine.updateSettings({ logFolders: { [kind]: list.filter((_, i) => i !== index) } as Settings['logFolders'] }))
    },
    onChange: (listener) => engine.onChange(listener),
  }
}
