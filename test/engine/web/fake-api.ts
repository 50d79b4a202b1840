/** A small in-memory implementation of the contract: the server under test only moves bytes. */
import { emptyLogFolders } from '../../../src/shared/sources'
import type { AppApi, ApiMethod, ChangeEvent, ReportQuery, Settings } from '../../../src/shared/contract'

export interface FakeApi extends AppApi {
  calls: { method: ApiMethod; arg: unknown }[]
  emit(e: ChangeEvent): void
  listenerCount(): number
}

/** Builds a fake backend that records every call and can push change events. */
export function fakeApi(): FakeApi {
  const listeners = new Set<(e: ChangeEvent) => void>()
  const calls: { method: ApiMethod; arg: unknown }[] = []
  let settings: Settings = {
    timeZone: '',
    dailyBudgetUsd: null,
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
  const record = (method: ApiMethod, arg?: unknown): void => {
    calls.push({ method, arg })
  }
  const figures = { input: 10, output: 20, cacheRead: 30, cacheWrite: 40, requests: 2, costUsd: 0.5, unpricedTokens: 0 }
  return {
    calls,
    emit: (e) => listeners.forEach((l) => l(e)),
    listenerCount: () => listeners.size,
    dataSources: async () => (record('dataSources'), [{ scope: 'local', label: 'This machine', detail: 'test-machine' }]),
    setMachineName: async (a) => (record('setMachineName', a), [{ scope: 'local', label: 'This machine', detail: a.name }]),
    dimensions: async () => {
      record('dimensions')
      return {
        users: ['u'],
        agents: ['a'],
        projects: ['p'],
        models: ['m'],
        sources: ['claude-code'],
        unpricedModels: [],
        firstTs: 0,
        lastTs: 1,
      }
    },
    report: async (q: ReportQuery) => {
      record('report', q)
      return { rows: [{ model: 'm', ...figures }], totals: figures, unpricedModels: [] }
    },
    sessions: async (f) => (record('sessions', f), []),
    sessionCount: async (f) => (record('sessionCount', f), 7),
    sessionEvents: async (a) => (record('sessionEvents', a), []),
    todaySpend: async (a) => {
      record('todaySpend', a)
      return { day: '2026-01-01', tz: a.tz, costUsd: 0, tokens: 0, requests: 0, unpricedTokens: 0, topModels: [] }
    },
    blocks: async (a) => (record('blocks', a), []),
    budgets: async (a) => (record('budgets', a), []),
    activity: async (q) => (record('activity', q), []),
    userTotals: async () => (record('userTotals'), []),
    forecast: async (q) => (record('forecast', q), null),
    outlook: async (a) => (record('outlook', a), []),
    planLimits: async () => (record('planLimits'), { codex: null, claude: null, claudeSession: null }),
    sourceStatus: async () => (record('sourceStatus'), []),
    backfillProgress: async () => (
      record('backfillProgress'),
      { running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: true }
    ),
    getSettings: async () => (record('getSettings'), settings),
    setSettings: async (patch) => {
      record('setSettings', patch)
      settings = { ...settings, ...patch }
      return settings
    },
    reportCsv: async (q) => (record('reportCsv', q), 'model,requests\r\nm,2\r\n'),
    exportCsv: async (q) => (record('exportCsv', q), { ok: true, path: '/tmp/x.csv', rows: 1 }),
    pickMachinesFolder: async () => (record('pickMachinesFolder'), { ok: false, cancelled: true, error: 'No folder chosen' }),
    addLogFolder: async (a) => (record('addLogFolder', a), { ok: false, cancelled: false, error: 'desktop only' }),
    removeLogFolder: async (a) => (record('removeLogFolder', a), settings),
    importCursorUsage: async (a) => (record('importCursorUsage', a), { file: a.name ?? 'usage.csv', requests: 0, days: [], skipped: 0 }),
    reconcile: async (a) => (
      record('reconcile', a),
      { kind: 'cursor', from: '', to: '', lines: [], totals: { billedUsd: 0, countedUsd: 0, diffUsd: 0 }, skipped: [] }
    ),
    onChange: (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
  }
}
