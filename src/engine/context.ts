import { userInfo } from 'node:os'
import type { Settings } from '../shared/contract'
import type { Coster } from './ingest/apply-batch'
import { dataDir, dataPaths } from './paths'
import { createCoster } from './pricing/coster'
import { loadPriceTable } from './pricing/price-table'
import { recostHistory } from './pricing/recost'
import type { PriceTable } from './pricing/types'
import { loadSettings } from './settings'
import { createLogSources, sourceConfigFromEnv } from './sources/registry'
import type { LogSource } from './sources/types'
import { openStore, type OpenStoreOptions, type Store } from './store/open-store'
import { acquireWriterLock } from './store/writer-lock'
import { describeBackup, importPushedEvents, isHealthy, listBackups, moveAside } from './store/backup'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

/** Everything the engine works with, gathered once from the environment and settings. */
export interface EngineContext {
  dir: string
  paths: ReturnType<typeof dataPaths>
  store: Store
  settings: Settings
  userId: string
  sources: LogSource[]
  prices: PriceTable
  cost: Coster
  /** Closes the store and releases the writer lock. */
  close(): void
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv
  /** `--db FILE`: overrides the database path. */
  dbPath?: string
  /** `--user U`: who the local logs belong to (default: TOKENWATCH_USER, else the OS user). */
  userId?: string
  /** Path of a better-sqlite3 build to load (Electron's ABI differs from Node's). */
  nativeBinding?: string
  /**
   * Open as the store's one writer (default): takes the writer lock, checks the database and
   * rebuilds a corrupt one, re-costs history after a price change. Readers (`report`) pass false.
   */
  writer?: boolean
  /** Where to say what happened (a corrupt store moved aside, events restored or lost). */
  log?: (message: string) => void
}

/** The OS user name, the default owner of local agent logs. */
export function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'user'
  }
}

/** Sources for the environment's folders plus the ones added in settings. */
export function sourcesFor(env: NodeJS.ProcessEnv, settings: Settings): LogSource[] {
  const fromEnv = sourceConfigFromEnv(env)
  const claude = [...(fromEnv.claudeConfigDirs ?? []), ...settings.claudeConfigDirs]
  const codex = [...(fromEnv.codexHomes ?? []), ...settings.codexHomes]
  return createLogSources({ claudeConfigDirs: claude, codexHomes: codex, ...(env.HOME ? { home: env.HOME } : {}) })
}

/**
 * Opens the store and loads settings and prices. If prices changed since the store was last
 * costed (a new snapshot or an override), stored history is re-costed before anything else.
 */
export function openContext(opts: ContextOptions = {}): EngineContext {
  const env = opts.env ?? process.env
  const dir = dataDir(env)
  const userId = opts.userId ?? env.TOKENWATCH_USER ?? osUser()
  // The pipe name follows the OS user, as clients compute it, whatever user the logs are credited to.
  const paths = dataPaths(dir, process.platform, osUser())
  const settings = loadSettings(paths.settings)
  const dbPath = opts.dbPath ?? paths.db
  const prices = loadPriceTable({ overrides: settings.priceOverrides })
  const cost = createCoster(prices)
  const storeOpts = opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}
  if (opts.writer === false) {
    const store = openStore(dbPath, storeOpts)
    return { dir, paths, store, settings, userId, sources: sourcesFor(env, settings), prices, cost, close: () => store.close() }
  }
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 })
  const lock = acquireWriterLock(dbPath, opts.nativeBinding)
  try {
    const store = openRecovering(dbPath, storeOpts, cost, opts.log ?? ((m) => process.stderr.write(`${m}\n`)))
    recostHistory(store, prices, cost)
    const close = (): void => {
      if (store.db.open) store.close()
      lock.release()
    }
    return { dir, paths, store, settings, userId, sources: sourcesFor(env, settings), prices, cost, close }
  } catch (err) {
    lock.release()
    throw err
  }
}

/**
 * Opens the store; a database that fails SQLite's integrity check is moved aside and rebuilt:
 * log usage is read again from the logs, pushed events come back from the newest healthy backup,
 * and what cannot come back is named, never dropped silently.
 */
function openRecovering(path: string, storeOpts: OpenStoreOptions, cost: Coster, log: (m: string) => void): Store {
  if (path === ':memory:' || !existsSync(path) || isHealthy(path)) return openStore(path, storeOpts)
  const aside = moveAside(path, 'corrupt')
  const store = openStore(path, storeOpts)
  const backup = listBackups(path).find(isHealthy)
  let pushed = 'no backup exists, so events pushed over the socket or HTTP before now are lost'
  if (backup) {
    const r = importPushedEvents(store, backup, cost)
    pushed = `${r.events} pushed events restored from ${describeBackup(backup)}; events pushed after ` +
      `${new Date(r.takenAt).toISOString()} are lost`
  }
  log(`token-watch: the store ${path} failed its integrity check; moved it to ${aside} and rebuilt it. ` +
    `Usage from agent logs is read again from the logs; ${pushed}.`)
  return store
}
