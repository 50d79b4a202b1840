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
import { openStore, type Store } from './store/open-store'

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
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv
  /** `--db FILE`: overrides the database path. */
  dbPath?: string
  /** `--user U`: who the local logs belong to (default: TOKENWATCH_USER, else the OS user). */
  userId?: string
  /** Path of a better-sqlite3 build to load (Electron's ABI differs from Node's). */
  nativeBinding?: string
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
  const paths = dataPaths(dir, process.platform, userId)
  const settings = loadSettings(paths.settings)
  const store = openStore(opts.dbPath ?? paths.db, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {})
  const prices = loadPriceTable({ overrides: settings.priceOverrides })
  const cost = createCoster(prices)
  recostHistory(store, prices, cost)
  return { dir, paths, store, settings, userId, sources: sourcesFor(env, settings), prices, cost }
}
