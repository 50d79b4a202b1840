import { userInfo } from 'node:os'
import type { Settings } from '../shared/contract'
import type { Coster } from './ingest/apply-batch'
import { dataDir, dataPaths } from './paths'
import { createCoster } from './pricing/coster'
import { loadPriceTable } from './pricing/price-table'
import { recostHistory } from './ingest/recost'
import type { PriceTable } from './pricing/types'
import { loadSettings } from './settings'
import { createLogSources } from './sources/registry'
import type { LogSource } from './sources/types'
import { openStore, type OpenStoreOptions, type Store } from './store/open-store'
import { acquireWriterLock } from './store/writer-lock'
import { describeBackup, isHealthy, listBackups, moveAside, storeFileProblem } from './store/backup'
import { importPushedEvents } from './ingest/restore-pushed'
import { MIGRATIONS } from './store/migrations'
import { preparePrivateDir } from './push/socket-path'
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

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
  /** Bytes of log read per backfill commit (`TOKENWATCH_COMMIT_BYTES`); unset: the scan's default. */
  commitBytes?: number
  /** Parse workers for a backfill (`TOKENWATCH_PARSE_WORKERS`; 0: none); unset: the scan's default. */
  parseWorkers?: number
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

/**
 * `TOKENWATCH_COMMIT_BYTES`: commit a backfill after about this many bytes of log (default 32 MiB).
 * Crash tests set it small so their kills land between many commits, not inside the only one.
 */
export function commitBytesFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.TOKENWATCH_COMMIT_BYTES
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`TOKENWATCH_COMMIT_BYTES: expected a positive whole number of bytes, got ${raw}`)
  return n
}

/**
 * `TOKENWATCH_PARSE_WORKERS`: how many worker threads read and parse a backfill (0: the main
 * thread alone, as before). Unset: one per core but the writer's, at most three (one on two cores).
 */
export function parseWorkersFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.TOKENWATCH_PARSE_WORKERS
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 0 || n > 64)
    throw new Error(`TOKENWATCH_PARSE_WORKERS: expected a whole number from 0 to 64, got ${raw}`)
  return n
}

/** Sources for the environment's folders plus the ones added in settings. */
export function sourcesFor(env: NodeJS.ProcessEnv, settings: Settings): LogSource[] {
  return createLogSources({
    env,
    folders: settings.logFolders,
    disabled: settings.disabledSources,
    ...(env.HOME ? { home: env.HOME } : {}),
  })
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
  const commitBytes = commitBytesFromEnv(env)
  const parseWorkers = parseWorkersFromEnv(env)
  const base = {
    dir,
    paths,
    settings,
    userId,
    sources: sourcesFor(env, settings),
    prices,
    cost,
    ...(commitBytes ? { commitBytes } : {}),
    ...(parseWorkers !== undefined ? { parseWorkers } : {}),
  }
  if (opts.writer === false) {
    const store = openReader(dbPath, storeOpts)
    return { ...base, store, close: () => store.close() }
  }
  if (dbPath !== ':memory:') {
    mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 })
    // The data dir may predate us (Electron creates userData 0755): only the user may enter it.
    if (resolve(dirname(dbPath)) === resolve(dir)) preparePrivateDir(dir)
    checkStoreLocation(dbPath)
  }
  const lock = acquireWriterLock(dbPath, opts.nativeBinding)
  try {
    const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`))
    const store = openRecovering(dbPath, storeOpts, cost, log)
    tryRecost(store, prices, cost, log)
    const close = (): void => {
      if (store.db.open) store.close()
      lock.release()
    }
    return { ...base, store, close }
  } catch (err) {
    lock.release()
    throw err
  }
}

/**
 * Refuses a store another user could swap or write: resolved through every symlink, the folder
 * that really holds it must be the user's or writable by no one else (a world-writable folder of
 * someone else's, like /tmp, lets them replace the file), and an existing store file must be the
 * user's and writable by no one else. POSIX only.
 */
export function checkStoreLocation(dbPath: string): void {
  const uid = process.getuid?.()
  if (uid === undefined) return
  const folder = realpathSync(dirname(dbPath))
  const fst = statSync(folder)
  if (fst.uid !== uid && (fst.mode & 0o022) !== 0) {
    throw new Error(
      `${dbPath}: its folder ${folder} belongs to another user (uid ${fst.uid}) and others may write to it; ` +
        'refusing to keep the store there — use a folder of your own (--db or TOKENWATCH_HOME)',
    )
  }
  if (!existsSync(dbPath)) return
  const real = realpathSync(dbPath)
  const st = statSync(real)
  if (st.uid !== uid) throw new Error(`${dbPath} (${real}) belongs to another user (uid ${st.uid}); refusing to use it as the store`)
  if ((st.mode & 0o022) !== 0) {
    throw new Error(
      `${dbPath} (${real}) is writable by others (mode ${(st.mode & 0o777).toString(8)}); refusing to use it as the store — chmod 600 it`,
    )
  }
}

/**
 * Re-costs history for a changed price table; start-up never depends on it succeeding. A re-cost
 * runs in one transaction, so a failure (a sum past SQLite's 64-bit integers, a full disk) leaves
 * every count and cost as it was, the new price version unrecorded (tried again at the next start
 * or price change), and is said. Returns the re-costed models, or null when it failed.
 */
export function tryRecost(store: Store, prices: PriceTable, cost: Coster, log: (m: string) => void): string[] | null {
  try {
    return recostHistory(store, prices, cost)
  } catch (err) {
    log(
      `token-watch: re-costing history with the new prices failed (${err instanceof Error ? err.message : String(err)}); ` +
        'costs stay at the previous prices until it succeeds (tried again at the next start or price change); counts are unchanged.',
    )
    return null
  }
}

/**
 * Opens the store for reading (`report`, `backup`): read-only, never creating one, and never
 * writing beside the engine. A store of an older schema is upgraded first, under the writer
 * lock (refused while an engine runs, as it would be for any writer).
 */
function openReader(path: string, storeOpts: OpenStoreOptions): Store {
  if (path === ':memory:') return openStore(path, storeOpts)
  if (!existsSync(path)) throw new Error(`no store at ${path}; run \`tokenwatch scan\` or \`tokenwatch serve\` first`)
  const store = openStore(path, { ...storeOpts, readonly: true })
  let version: number
  try {
    version = store.db.pragma('user_version', { simple: true }) as number
  } catch (err) {
    store.close()
    throw new Error(`${path} is not a readable Token Watch store: ${(err as Error).message}`)
  }
  if (version === MIGRATIONS.length) return store
  store.close()
  if (version > MIGRATIONS.length) {
    throw new Error(`the store ${path} has schema v${version}, newer than this Token Watch (v${MIGRATIONS.length}); upgrade it`)
  }
  const lock = acquireWriterLock(path, storeOpts.nativeBinding)
  try {
    openStore(path, storeOpts).close()
  } finally {
    lock.release()
  }
  return openStore(path, { ...storeOpts, readonly: true })
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
  // The newest backup that is a sound Token Watch store (automatic or `tokenwatch backup`).
  const backup = listBackups(path).find((b) => storeFileProblem(b) === null)
  let pushed = 'no usable backup exists, so every event pushed over the socket or HTTP is lost'
  if (backup) {
    const r = importPushedEvents(store, backup, cost)
    pushed =
      `${r.events} pushed events restored from ${describeBackup(backup)} (taken ` +
      `${new Date(r.takenAt).toISOString()}); events pushed over the socket or HTTP after that instant are lost`
  }
  log(
    `token-watch: the store ${path} failed its integrity check; moved it to ${aside} and rebuilt it. ` +
      `Usage from agent logs is read again from the logs; ${pushed}.`,
  )
  return store
}
