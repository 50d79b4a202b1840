/**
 * The app's lifecycle: one instance, the engine (backfill, tail, socket), the tray, the window on
 * demand, IPC, and a clean stop on Quit. Closing the window leaves the app running in the tray.
 * Takes the electron API as an argument so tests run it against a fake.
 */
import type { AppApi, Settings } from '../shared/contract'
import { createEngineApi } from '../engine/api'
import { createScopedApis } from '../engine/scoped-api'
import { Engine, type EngineOptions, type SocketStarter } from '../engine/live/engine'
import { claimAlerts } from '../engine/budgets/alerts'
import { dataDir } from '../engine/paths'
import { dayKey } from '../shared/time-zone'
import { setupBudget, type BudgetElectron } from './budget'
import { EXPORT_CANCELLED, setupExportCsv, todayQuery, type ExportElectron } from './export-csv'
import { setupIpc, type IpcElectron } from './ipc'
import { setupLogFolders, setupMachinesFolder, type FolderDialogElectron } from './log-folders'
import { HIDDEN_FLAG, setupLoginItem } from './login-item'
import { setupTray, viewerTimeZone, type TrayElectron, type TrayHandle } from './tray'
import { applySessionPolicy, setupWindow, type AppWindow, type RendererPage, type SessionLike, type WindowElectron } from './window'

/** The slice of electron's `app` the lifecycle uses; electron's App satisfies it. */
export interface AppLike {
  readonly isPackaged: boolean
  getAppPath(): string
  getPath(name: 'downloads'): string
  setPath(name: string, path: string): void
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void
  getLoginItemSettings(): { wasOpenedAtLogin?: boolean }
  /** The UI locale (e.g. `de-DE`); valid once the app is ready. */
  getLocale(): string
  requestSingleInstanceLock(): boolean
  setAppUserModelId(id: string): void
  whenReady(): Promise<void>
  on(event: 'second-instance', listener: () => void): unknown
  on(event: 'activate', listener: () => void): unknown
  on(event: 'window-all-closed', listener: () => void): unknown
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown
  quit(): void
}

/** Every piece of electron the main process uses, gathered in index.ts. */
export interface AppElectron extends WindowElectron, TrayElectron, IpcElectron, ExportElectron, BudgetElectron {
  app: AppLike
  session: { readonly defaultSession: SessionLike }
  dialog: ExportElectron['dialog'] & FolderDialogElectron['dialog'] & { showErrorBox(title: string, content: string): void }
}

/** electron-builder's appId; Windows shows notifications only for an app with this id set. */
export const APP_ID = 'dev.tokenwatch.app'

export type { SocketStarter } from '../engine/live/engine'

export interface AppDeps {
  electron: AppElectron
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  argv: readonly string[]
  execPath: string
  paths: { preload: string; page: RendererPage; trayTemplate: string; appIcon: string }
  startSocketServer?: SocketStarter
  /**
   * Run the OpenTelemetry receiver (while the otlpEnabled setting is on): 4318, else the
   * otlpPort setting. Tests pass a port (0: any free one) or leave it out.
   */
  otlp?: { port?: number; /** Stands in for 4318 (tests: a port they hold). */ defaultPort?: number }
  /** Overrides for tests (e.g. `watch: false`). */
  engineOptions?: Partial<EngineOptions>
  trayThrottleMs?: number
  log: (message: string) => void
}

export interface RunningApp {
  engine: Engine
  api: AppApi
  tray: TrayHandle
  window: AppWindow
  /** Settles when the first backfill is done. */
  started: Promise<void>
  /** Settles when Quit has stopped everything. */
  stopped: Promise<void>
}

/** Whether this launch should stay in the tray (a login launch). */
export function startsHidden(argv: readonly string[], platform: NodeJS.Platform, app: Pick<AppLike, 'getLoginItemSettings'>): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true
}

/**
 * Runs the app. Resolves undefined when another instance already runs (that one is focused
 * instead) or the engine cannot open its store.
 */
export async function runApp(deps: AppDeps): Promise<RunningApp | undefined> {
  const { electron, env, platform, log } = deps
  const { app } = electron
  // One folder for the store, settings and Chromium's own data (the CLI uses the same one).
  app.setPath('userData', dataDir(env, platform))
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return undefined
  }
  if (platform === 'win32') app.setAppUserModelId(APP_ID)
  // A tray app: closing the last window must not quit.
  app.on('window-all-closed', () => {})
  await app.whenReady()
  applySessionPolicy(electron.session.defaultSession)

  let engine: Engine
  try {
    engine = await Engine.open({
      env,
      log,
      ...(env.TOKENWATCH_NATIVE_BINDING ? { nativeBinding: env.TOKENWATCH_NATIVE_BINDING } : {}),
      ...deps.engineOptions,
    })
  } catch (err) {
    electron.dialog.showErrorBox('Token Watch could not start', (err as Error).message)
    app.quit()
    return undefined
  }

  const window = setupWindow({ electron, preloadPath: deps.paths.preload, page: deps.paths.page, iconPath: deps.paths.appIcon, log })
  const exportCsv = setupExportCsv({
    electron,
    parent: () => window.current(),
    defaultDir: app.getPath('downloads'),
    today: () => dayKey(Date.now(), viewerTimeZone(engine.settings)),
  })
  const applyLoginItem = setupLoginItem({ electron, platform, env, execPath: deps.execPath })
  const locale = app.getLocale()
  const base = createEngineApi(engine, { socketPath: engine.paths.socket, exportCsv, locale })
  // Settings change the tray (zone, budget, pause) and the login item; the engine saves them.
  const api: AppApi = {
    ...base,
    setSettings: async (patch) => {
      const next = await base.setSettings(patch)
      settingsChanged(patch, next)
      return next
    },
    addLogFolder: setupLogFolders({
      electron,
      parent: () => window.current(),
      settings: () => engine.settings,
      update: (patch) => api.setSettings(patch),
    }),
    pickMachinesFolder: setupMachinesFolder({
      electron,
      parent: () => window.current(),
      settings: () => engine.settings,
      update: (patch) => api.setSettings(patch),
    }),
    removeLogFolder: async (arg) => {
      const next = await base.removeLogFolder(arg)
      settingsChanged({}, next)
      return next
    },
  }
  const settingsChanged = (patch: Partial<Settings>, next: Settings): void => {
    if (patch.launchAtLogin !== undefined) {
      try {
        applyLoginItem(next.launchAtLogin)
      } catch (err) {
        log(`launch at login: ${(err as Error).message}`)
      }
    }
    // The window hears of it from the engine's own settings change event.
    tray.refresh()
  }
  // What the window may call: the renderer never names a path, so log folders come only from the
  // folder dialog (addLogFolder) and leave only by index (removeLogFolder).
  const windowApi: AppApi = {
    ...api,
    setSettings: async (patch) => {
      const legacy = patch as { claudeConfigDirs?: unknown; codexHomes?: unknown }
      if (patch.logFolders !== undefined || legacy.claudeConfigDirs !== undefined || legacy.codexHomes !== undefined) {
        throw new Error('log folders are added with the folder dialog (addLogFolder) and removed by index (removeLogFolder)')
      }
      return api.setSettings(patch)
    },
  }

  // The dashboard's data switch: my machines (the synced folder) and the team database, read-only.
  const scopes = createScopedApis(engine, windowApi, { log })
  const disposeIpc = setupIpc({
    electron,
    api: windowApi,
    scoped: (scope) => scopes.get(scope),
    isAppSender: (e) => window.isAppSender(e),
    target: () => window.current()?.webContents,
    log,
  })
  const tray = setupTray({
    electron,
    api,
    platform,
    templateIconPath: deps.paths.trayTemplate,
    budget: setupBudget({ electron, locale, claim: (statuses, now) => claimAlerts(engine.store, statuses, now) }),
    locale,
    ...(deps.trayThrottleMs === undefined ? {} : { throttleMs: deps.trayThrottleMs }),
    log,
    actions: {
      openDashboard: () => window.show(),
      togglePause: () => api.setSettings({ paused: !engine.settings.paused }).catch((e: Error) => log(`pause: ${e.message}`)),
      exportCsv: () =>
        api.exportCsv(todayQuery(viewerTimeZone(engine.settings), Date.now())).then(
          (r) => {
            if (!r.ok && r.error !== EXPORT_CANCELLED) electron.dialog.showErrorBox('Export failed', r.error)
          },
          (e: Error) => log(`export: ${e.message}`),
        ),
      quit: () => app.quit(),
    },
  })

  app.on('second-instance', () => window.show())
  app.on('activate', () => window.show())
  try {
    applyLoginItem(engine.settings.launchAtLogin)
  } catch (err) {
    log(`launch at login: ${(err as Error).message}`)
  }

  // Registered before anything slow, so a Quit during start-up still stops cleanly.
  let resolveStopped: () => void = () => {}
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve))
  let stopping: Promise<void> | undefined
  let readyToQuit = false
  app.on('before-quit', (event) => {
    if (readyToQuit) return
    event.preventDefault()
    stopping ??= (async () => {
      tray.dispose()
      disposeIpc()
      await scopes.close()
      await engine.stop()
    })()
      .catch((err: Error) => log(`stopping: ${err.message}`))
      .finally(() => {
        readyToQuit = true
        resolveStopped()
        app.quit()
      })
  })

  if (deps.startSocketServer) {
    try {
      // The engine owns it and closes it on stop (also when Quit came while it was opening).
      await engine.openSocket(deps.startSocketServer)
    } catch (err) {
      // Typically `tokenwatch serve` already holds the socket: logs are still watched here.
      log(`push socket not started: ${(err as Error).message}`)
    }
  }
  if (deps.otlp && !stopping) {
    try {
      const otlp = await engine.serveOtlp({
        ...(deps.otlp.port !== undefined ? { port: deps.otlp.port } : {}),
        ...(deps.otlp.defaultPort !== undefined ? { defaultPort: deps.otlp.defaultPort } : {}),
      })
      if (otlp) log(`OpenTelemetry receiver on ${otlp.url}`)
      // 4318 taken (a local Collector): agents set up for 4318 send there, so say it where it is seen.
      if (otlp?.fellBackFrom !== undefined && electron.Notification.isSupported())
        new electron.Notification({
          title: `OpenTelemetry port ${otlp.fellBackFrom} is taken`,
          body: `Token Watch receives on ${otlp.url} instead: point agents there (Settings → Connect an agent).`,
        }).show()
    } catch (err) {
      log(`OpenTelemetry receiver not started: ${(err as Error).message}`)
    }
  }
  const started = stopping ? Promise.resolve() : engine.start().catch((err: Error) => log(`backfill failed: ${err.message}`))

  if (!startsHidden(deps.argv, platform, app)) window.show()
  return { engine, api, tray, window, started, stopped }
}
