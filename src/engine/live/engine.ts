import type { LogSource } from '../sources/types'
import { guardWal } from '../store/wal-guard'
import type { BackfillProgress, ChangeEvent, Settings } from '../../shared/contract'
import { openContext, sourcesFor, tryRecost, type ContextOptions, type EngineContext } from '../context'
import type { BatchResult } from '../ingest/apply-batch'
import { scanLogs, type ScanSummary } from '../ingest/scan'
import { createEventWriter, type EventWriter } from '../ingest/writer'
import { createCoster } from '../pricing/coster'
import { loadPriceTable } from '../pricing/price-table'
import { saveSettings } from '../settings'
import { Tailer, type ChangedFile } from './tailer'
import { TeamSyncer } from '../sync/continuous'
import { removeOwnConflicts, writeMachineFile } from '../sync/folder-sink'
import { machineIdentity } from '../store/changes'
import { ensureRollup } from '../query/rollup'
import { systemTimeZone } from '../../shared/time-zone'
import { AUTO_BACKUP_EVERY_MS, AUTO_BACKUP_KEEP, backupIfDue } from '../store/backup'

/** How long to wait before retrying after a failed commit (e.g. disk full). */
const RETRY_MS = 5000

export interface EngineOptions extends ContextOptions {
  /** Tail the agents' logs (default true). */
  watch?: boolean
  /** How long to gather changed hours before one change event (ms). */
  changeDebounceMs?: number
  /** How long to wait before retrying after a failed commit, e.g. disk full (ms). */
  retryMs?: number
  /** How often to look for log roots that do not exist yet (ms). */
  rootCheckMs?: number
  /**
   * Automatic backups into `<data dir>/backups` (pushed events exist nowhere else): one at start
   * when the newest is older than `everyMs`, then whenever it is again; the newest `keep` are
   * kept. false turns them off. Default: every 24 h, keep 3.
   */
  autoBackup?: false | { everyMs?: number; keep?: number }
  /** Called with problems worth a line on stderr or in a log. */
  log?: (message: string) => void
  /** Continuous team sync: wait after commits (default 2 s) and first retry after a failure (default 1 s). */
  teamSync?: { debounceMs?: number; backoffMs?: number; maxBackoffMs?: number }
}

/**
 * The long-lived engine: backfills the logs, tails them, and owns the one writer that log
 * scans and pushed events share. Plain Node; Electron main and `tokenwatch serve` both run it.
 */
export class Engine {
  readonly ctx: EngineContext
  readonly writer: EventWriter
  readonly progress: BackfillProgress = { running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: false }
  lastScan: ScanSummary | undefined
  private tailer: Tailer | undefined
  private readonly listeners = new Set<(e: ChangeEvent) => void>()
  private changedHours = new Set<number>()
  private changeTimer: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined
  private queuedFiles = new Map<string, ChangedFile>()
  private queuedFull = false
  private stopped = false
  /** Aborted by stop(): a running scan ends at its next commit instead of reading on. */
  private readonly stopping = new AbortController()
  private retryTimer: NodeJS.Timeout | undefined
  private backupTimer: NodeJS.Timeout | undefined
  private walTimer: NodeJS.Timeout | undefined
  /** Resolves a start() still waiting on the watcher's first walk when stop() closes it. */
  private onStop: (() => void) | undefined
  private backingUp: Promise<void> | undefined
  /** The last ingestion failure, cleared by the next successful scan. */
  lastError: string | undefined
  /** Keeps the team database current while the engine runs (settings.teamUrl or TOKENWATCH_TEAM_URL). */
  teamSyncer: TeamSyncer | undefined
  /** Writes this machine's file into the "my machines" folder while the engine runs (settings.machinesFolder). */
  folderSyncer: TeamSyncer | undefined
  private offTeamSync: (() => void) | undefined
  private offFolderSync: (() => void) | undefined

  constructor(private readonly opts: EngineOptions = {}) {
    this.ctx = openContext(opts)
    this.writer = createEventWriter(this.ctx.store, (e) => this.ctx.cost(e), { onCommit: (r) => this.committed(r) })
  }

  /** Backfills every source, then (unless disabled or paused) starts tailing. */
  async start(): Promise<void> {
    // stop() may run during any await here (SIGTERM during the backfill): the store is closed then.
    if (this.stopped) return
    if (this.opts.watch !== false && !this.ctx.settings.paused) {
      // A watcher closed during its first walk never says it is ready: stop() ends the wait.
      await Promise.race([this.startTailing(), new Promise<void>((r) => (this.onStop = r))])
      this.onStop = undefined
    }
    if (this.stopped) return
    await this.rescan()
    if (this.stopped) return
    // Long-range reports in the viewer's zone read its local-day rollup; build it now, not on
    // the first dashboard paint.
    ensureRollup(this.ctx.store, this.ctx.settings.timeZone || systemTimeZone())
    this.startWalGuard()
    this.startAutoBackups()
    this.startTeamSync()
    this.startFolderSync()
  }

  /** The team database URL in effect: the setting, else TOKENWATCH_TEAM_URL. */
  private teamUrl(): string {
    return this.ctx.settings.teamUrl || ((this.opts.env ?? process.env).TOKENWATCH_TEAM_URL ?? '')
  }

  /** (Re)starts continuous team sync for the URL in effect: a sync now, then after every commit. */
  private startTeamSync(): void {
    const url = this.teamUrl()
    if (this.stopped || !url || this.ctx.store.path === ':memory:') return
    const cfg = this.opts.teamSync ?? {}
    const syncer = new TeamSyncer({
      store: this.ctx.store, url, projects: () => this.ctx.settings.teamProjects,
      ...(cfg.debounceMs !== undefined ? { debounceMs: cfg.debounceMs } : {}),
      ...(cfg.backoffMs !== undefined ? { backoffMs: cfg.backoffMs } : {}),
      ...(cfg.maxBackoffMs !== undefined ? { maxBackoffMs: cfg.maxBackoffMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    })
    this.teamSyncer = syncer
    this.offTeamSync = this.onChange(() => syncer.poke())
    syncer.poke(0)
  }

  /** (Re)starts writing this machine's file into the "my machines" folder: now, then after commits. */
  private startFolderSync(): void {
    const dir = this.ctx.settings.machinesFolder
    if (this.stopped || !dir || this.ctx.store.path === ':memory:') return
    const cfg = this.opts.teamSync ?? {}
    const syncer = new TeamSyncer({
      store: this.ctx.store, url: dir, projects: () => this.ctx.settings.teamProjects,
      sync: async (store, folder, projects) => {
        const w = writeMachineFile(store, folder, projects)
        const me = machineIdentity(store)
        removeOwnConflicts(folder, me.id)
        return { machineId: me.id, machine: me.name, sent: w.written ? w.rows : 0, ackedSeq: w.changeSeq }
      },
      ...(cfg.debounceMs !== undefined ? { debounceMs: cfg.debounceMs } : {}),
      ...(cfg.backoffMs !== undefined ? { backoffMs: cfg.backoffMs } : {}),
      ...(cfg.maxBackoffMs !== undefined ? { maxBackoffMs: cfg.maxBackoffMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    })
    this.folderSyncer = syncer
    this.offFolderSync = this.onChange(() => syncer.poke())
    syncer.poke(0)
  }

  private async stopFolderSync(): Promise<void> {
    this.offFolderSync?.()
    this.offFolderSync = undefined
    await this.folderSyncer?.stop()
    this.folderSyncer = undefined
  }

  private async stopTeamSync(): Promise<void> {
    this.offTeamSync?.()
    this.offTeamSync = undefined
    await this.teamSyncer?.stop()
    this.teamSyncer = undefined
  }

  /** Takes an automatic backup now if one is due, then checks again every so often. */
  /**
   * Looks for a deleted WAL every second even when nothing is being written: what was committed
   * is then checkpointed before a kill could take it with the deleted file (see wal-guard.ts).
   */
  private startWalGuard(): void {
    if (this.ctx.store.path === ':memory:') return
    const log = this.opts.log ?? ((m: string) => process.stderr.write(`${m}\n`))
    this.walTimer = setInterval(() => {
      if (this.stopped) return
      try {
        guardWal(this.ctx.store, log)
      } catch (err) {
        log(`token-watch: ${(err as Error).message}`)
      }
    }, 1000)
    this.walTimer.unref()
  }

  private startAutoBackups(): void {
    const cfg = this.opts.autoBackup
    if (cfg === false || this.ctx.store.path === ':memory:') return
    const everyMs = cfg?.everyMs ?? AUTO_BACKUP_EVERY_MS
    const keep = cfg?.keep ?? AUTO_BACKUP_KEEP
    const check = (): void => {
      if (this.stopped || this.backingUp) return
      this.backingUp = backupIfDue(this.ctx.store, { maxAgeMs: everyMs, keep })
        .then(
          () => undefined,
          (err: unknown) => this.opts.log?.(`automatic backup failed: ${(err as Error).message}`),
        )
        .finally(() => {
          this.backingUp = undefined
        })
    }
    check()
    // Checked more often than taken, so a backup follows the last one by about everyMs.
    this.backupTimer = setInterval(check, Math.min(3600_000, Math.max(10, Math.floor(everyMs / 4))))
    this.backupTimer.unref()
  }

  private get retryMs(): number {
    return this.opts.retryMs ?? RETRY_MS
  }

  /** Whether log tailing is on. */
  get watching(): boolean {
    return this.tailer !== undefined
  }

  /** Subscribes to change events; returns the unsubscribe function. */
  onChange(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Scans every root again (unchanged files cost a stat each). */
  rescan(): Promise<void> {
    this.queuedFull = true
    return this.drain()
  }

  /** Pauses or resumes tailing the logs; the socket keeps accepting pushed events. */
  async setPaused(paused: boolean): Promise<void> {
    if (paused) {
      await this.tailer?.stop()
      this.tailer = undefined
    } else if (!this.tailer && this.opts.watch !== false) {
      await this.startTailing()
      await this.rescan()
    }
  }

  /** Every log source, switched off in settings or not (the Sources panel lists them all). */
  allSources(): LogSource[] {
    return sourcesFor(this.opts.env ?? process.env, { ...this.ctx.settings, disabledSources: [] })
  }

  /** Applies and saves a validated settings patch: prices re-cost history, folders re-scan. */
  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const before = this.ctx.settings
    // logFolders in a patch replaces the lists of the sources it names only.
    const next = { ...before, ...patch, logFolders: { ...before.logFolders, ...patch.logFolders } }
    saveSettings(this.ctx.paths.settings, next)
    this.ctx.settings = next
    if (JSON.stringify(before.priceOverrides) !== JSON.stringify(next.priceOverrides)) {
      this.ctx.prices = loadPriceTable({ overrides: next.priceOverrides })
      this.ctx.cost = createCoster(this.ctx.prices)
      const changed = tryRecost(this.ctx.store, this.ctx.prices, this.ctx.cost, (m) => (this.opts.log ?? ((t: string) => process.stderr.write(`${t}\n`)))(m))
      if (changed && changed.length > 0) this.announceAll()
    }
    const dirsChanged = JSON.stringify([before.logFolders, before.disabledSources]) !== JSON.stringify([next.logFolders, next.disabledSources])
    if (dirsChanged) {
      this.ctx.sources = sourcesFor(this.opts.env ?? process.env, next)
      if (this.tailer) {
        await this.tailer.stop()
        this.tailer = undefined
        await this.startTailing()
      }
      await this.rescan()
    }
    if (before.paused !== next.paused) await this.setPaused(next.paused)
    if (before.timeZone !== next.timeZone) ensureRollup(this.ctx.store, next.timeZone || systemTimeZone())
    if (before.teamUrl !== next.teamUrl || before.teamProjects !== next.teamProjects) {
      await this.stopTeamSync()
      this.startTeamSync()
    }
    if (before.machinesFolder !== next.machinesFolder || before.teamProjects !== next.teamProjects) {
      await this.stopFolderSync()
      this.startFolderSync()
    }
    // Every transport (IPC, HTTP + SSE) learns of it the same way: one change event from here.
    this.emit({ hours: [], at: Date.now(), settings: true })
    return next
  }

  /** Flushes pushed events, stops tailing and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopping.abort()
    this.onStop?.()
    if (this.retryTimer) clearTimeout(this.retryTimer)
    if (this.backupTimer) clearInterval(this.backupTimer)
    if (this.walTimer) clearInterval(this.walTimer)
    await this.tailer?.stop()
    this.tailer = undefined
    await this.scanning
    await this.backingUp
    await this.writer.flush()
    this.flushChanges()
    await this.stopTeamSync()
    await this.stopFolderSync()
    this.ctx.close()
  }

  private async startTailing(): Promise<void> {
    const tailer = new Tailer({
      sources: this.ctx.sources,
      onChange: (files) => {
        for (const f of files) this.queuedFiles.set(f.path, f)
        void this.drain()
      },
      onRootAppeared: () => void this.rescan(),
      ...(this.opts.rootCheckMs ? { rootCheckMs: this.opts.rootCheckMs } : {}),
    })
    this.tailer = tailer
    await tailer.start()
  }

  /** Runs queued scans one at a time (one writer), until nothing is queued. */
  private drain(): Promise<void> {
    if (this.scanning) return this.scanning
    this.scanning = (async () => {
      try {
        while (!this.stopped && (this.queuedFull || this.queuedFiles.size > 0)) {
          const full = this.queuedFull
          const files = [...this.queuedFiles.values()]
          this.queuedFull = false
          this.queuedFiles.clear()
          await this.scanOnce(full ? undefined : files)
        }
      } finally {
        this.scanning = undefined
      }
    })()
    return this.scanning
  }

  private async scanOnce(files: ChangedFile[] | undefined): Promise<void> {
    const full = files === undefined
    if (full) Object.assign(this.progress, { running: true, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 })
    try {
      await this.scanFiles(files)
      // The first-run view polls until this is true (a failed pass leaves it as it was).
      if (full) this.progress.completedOnce = true
    } catch (err) {
      // A failed commit (disk full, I/O error) rolled back whole: nothing counted, offsets kept.
      // Say so and try again later; ingestion resumes by itself once the cause is gone.
      this.lastError = (err as Error).message
      this.opts.log?.(`could not record usage: ${this.lastError}; retrying in ${this.retryMs / 1000} s`)
      if (!this.retryTimer && !this.stopped) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined
          void this.rescan()
        }, this.retryMs)
        this.retryTimer.unref()
      }
    } finally {
      if (full) this.progress.running = false
    }
  }

  private async scanFiles(files: ChangedFile[] | undefined): Promise<void> {
    const summary = await scanLogs(this.ctx.store, this.ctx.sources, (e) => this.ctx.cost(e), {
      userId: this.ctx.userId,
      ...(files ? { files } : { onProgress: (p) => Object.assign(this.progress, p) }),
      onCommit: (r) => this.committed(r),
      signal: this.stopping.signal,
      ...(this.ctx.commitBytes ? { commitBytes: this.ctx.commitBytes } : {}),
    })
    for (const e of summary.errors) this.opts.log?.(`could not read ${e.path}: ${e.error}`)
    if (!files) this.lastScan = summary
    this.lastError = undefined
  }

  private committed(r: BatchResult): void {
    for (const h of r.hours) this.changedHours.add(h)
    if (r.hours.size > 0 && !this.changeTimer) {
      this.changeTimer = setTimeout(() => this.flushChanges(), this.opts.changeDebounceMs ?? 30)
    }
  }

  private announceAll(): void {
    this.changedHours.add(-1)
    this.flushChanges()
  }

  private flushChanges(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer)
    this.changeTimer = undefined
    if (this.changedHours.size === 0) return
    const e: ChangeEvent = { hours: [...this.changedHours].filter((h) => h >= 0).sort((a, b) => a - b), at: Date.now() }
    this.changedHours = new Set()
    this.emit(e)
  }

  private emit(e: ChangeEvent): void {
    for (const l of this.listeners) l(e)
  }
}
