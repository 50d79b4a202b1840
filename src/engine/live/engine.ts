import type { LogSource } from '../sources/types'
import type { BackfillProgress, ChangeEvent, Settings } from '../../shared/contract'
import { openContext, sourcesFor, tryRecost, type ContextOptions, type EngineContext } from '../context'
import type { BatchResult } from '../ingest/apply-batch'
import { scanLogs, type ScanSummary } from '../ingest/scan'
import { createEventWriter, type EventWriter } from '../ingest/writer'
import { createCoster } from '../pricing/coster'
import { loadPriceTable } from '../pricing/price-table'
import type { PriceTable } from '../pricing/types'
import { startSocketServer, type SocketServerOptions } from '../push/socket-server'
import { saveSettings } from '../settings'
import type { Store } from '../store/open-store'
import { machineIdentity, setMachineName, type MachineIdentity } from '../store/changes'
import { ensureRollup } from '../projections/rollup'
import { systemTimeZone } from '../../shared/time-zone'
import { ChangeFeed } from './change-feed'
import { Housekeeping } from './housekeeping'
import { SyncJobs } from './sync-jobs'
import { Tailer, type ChangedFile } from './tailer'
import { COLLECT_AFTER_BYTES, COLLECT_AFTER_FILES, collectGarbage } from './release-memory'
import { OtlpListener, type OtlpListening } from './otlp-listener'
import type { TeamSyncer } from '../sync/continuous'

/** How long to wait before retrying after a failed commit (e.g. disk full). */
const RETRY_MS = 5000

/** Starts a push socket (tests inject one that records its options). */
export type SocketStarter = (opts: SocketServerOptions) => Promise<{ close(): Promise<void> | void; path?: string }>

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
 * The long-lived engine: backfills the logs, tails them, owns the one writer that log scans and
 * pushed events share, the push socket, and the change events every transport relays. Plain
 * Node; Electron main and `tokenwatch serve` both run it.
 *
 * Its parts: the ingestion loop here (backfill, tailing, queued scans, retry after a failed
 * commit), settings (saved here, re-costing and re-scanning as they require), the change feed
 * (change-feed.ts), the store's upkeep (housekeeping.ts) and the sinks (sync-jobs.ts).
 *
 * `Engine.open()` does the I/O (store, writer lock, integrity check, re-cost); `start()` then
 * backfills and tails. Both are explicit, so callers choose what runs before the backfill.
 */
export class Engine {
  readonly writer: EventWriter
  readonly progress: BackfillProgress = { running: false, filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, completedOnce: false }
  lastScan: ScanSummary | undefined
  /**
   * The work of every scan of files the watcher saw change, summed: files stat'ed, stored rows
   * looked up, files read. Per file changed, never per file watched (test/engine/live/per-file-change.test.ts).
   */
  readonly changeWork = { scans: 0, files: 0, storedLookups: 0, filesRead: 0 }
  /** The last ingestion failure, cleared by the next successful scan. */
  lastError: string | undefined
  private tailer: Tailer | undefined
  private readonly feed: ChangeFeed
  private readonly housekeeping: Housekeeping
  private readonly sinks: SyncJobs
  private socket: { close(): Promise<void> | void } | undefined
  private otlpListener: OtlpListener | undefined
  /** Set once the host runs the receiver by the settings (serveOtlp): settings changes then open or close it. */
  private otlpWanted: { port?: number; holdMs?: number; defaultPort?: number } | undefined
  private scanning: Promise<void> | undefined
  private queuedFiles = new Map<string, ChangedFile>()
  private queuedFull = false
  /** A large scan ran since the last collection (release-memory.ts). */
  private garbage = false
  /** start() is backfilling (it collects after its rollup). */
  private starting = false
  private stopped = false
  /** Aborted by stop(): a running scan ends at its next commit instead of reading on. */
  private readonly stopping = new AbortController()
  private retryTimer: NodeJS.Timeout | undefined
  /** Resolves a start() still waiting on the watcher's first walk when stop() closes it. */
  private onStop: (() => void) | undefined

  /**
   * Opens the store (taking the writer lock, rebuilding a corrupt store, re-costing history
   * after a price change) and loads settings and prices. Nothing is read from the logs yet.
   */
  static async open(opts: EngineOptions = {}): Promise<Engine> {
    return new Engine(openContext(opts), opts)
  }

  private constructor(
    private readonly ctx: EngineContext,
    private readonly opts: EngineOptions,
  ) {
    this.feed = new ChangeFeed(opts.changeDebounceMs)
    this.writer = createEventWriter(ctx.store, (e) => this.ctx.cost(e), { onCommit: (r) => this.committed(r) })
    this.housekeeping = new Housekeeping(ctx.store, {
      log: this.log,
      ...(opts.autoBackup !== undefined ? { autoBackup: opts.autoBackup } : {}),
    })
    this.sinks = new SyncJobs({
      store: ctx.store,
      settings: () => this.ctx.settings,
      env: this.env,
      onCommit: (l) => this.feed.subscribe(() => l()),
      ...(opts.teamSync ? { timing: opts.teamSync } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    })
  }

  /** The store (readers: the API, the tray); the engine is its one writer. */
  get store(): Store {
    return this.ctx.store
  }

  /** The settings in effect (replaced, never mutated, by updateSettings). */
  get settings(): Readonly<Settings> {
    return this.ctx.settings
  }

  /** The data folder and the files in it (store, settings, socket). */
  get paths(): EngineContext['paths'] {
    return this.ctx.paths
  }

  /** The data folder. */
  get dir(): string {
    return this.ctx.dir
  }

  /** Who the local logs belong to. */
  get userId(): string {
    return this.ctx.userId
  }

  /** The log sources in effect (switched-off ones left out). */
  get sources(): readonly LogSource[] {
    return this.ctx.sources
  }

  /** The price table in effect (a settings change replaces it). */
  get prices(): PriceTable {
    return this.ctx.prices
  }

  /** The team database URL in effect (the teamUrl setting, else TOKENWATCH_TEAM_URL), or ''. */
  get teamUrl(): string {
    return this.sinks.teamUrl()
  }

  /** Continuous sync to the team database, while one is set. */
  get teamSyncer(): TeamSyncer | undefined {
    return this.sinks.teamSyncer
  }

  /** Continuous writes into the "my machines" folder, while one is set. */
  get folderSyncer(): TeamSyncer | undefined {
    return this.sinks.folderSyncer
  }

  private get env(): NodeJS.ProcessEnv {
    return this.opts.env ?? process.env
  }

  private readonly log = (m: string): void => {
    if (this.opts.log) this.opts.log(m)
    else process.stderr.write(`${m}\n`)
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
    this.starting = true
    try {
      await this.rescan()
    } finally {
      this.starting = false
    }
    if (this.stopped) return
    // Long-range reports in the viewer's zone read its local-day rollup; build it now, not on
    // the first dashboard paint.
    ensureRollup(this.ctx.store, this.ctx.settings.timeZone || systemTimeZone())
    this.collect()
    this.housekeeping.start()
    this.sinks.start()
  }

  /**
   * Opens the push socket (`paths.socket`): events pushed there go through the engine's writer
   * and are acknowledged after their commit. stop() closes it. Throws AlreadyRunningError when
   * another instance holds it.
   */
  async openSocket(start: SocketStarter = startSocketServer): Promise<string> {
    if (this.socket) throw new Error('the push socket is already open')
    const opened = await start({ path: this.ctx.paths.socket, writer: this.writer, userId: this.ctx.userId })
    // stop() may have come while it was opening.
    if (this.stopped) {
      await opened.close()
      throw new Error('the engine stopped while the push socket was opening')
    }
    this.socket = opened
    return opened.path ?? this.ctx.paths.socket
  }

  /**
   * Starts the OpenTelemetry receiver (docs/OTEL.md): on `port` when given, else on 4318, else
   * (4318 taken) on the `otlpPort` setting, saying so. stop() closes it.
   */
  async openOtlp(opts: { port?: number; holdMs?: number; defaultPort?: number } = {}): Promise<OtlpListening> {
    if (this.otlpListener) throw new Error('the OTLP receiver is already open')
    const listener = new OtlpListener({
      store: this.ctx.store,
      cost: (e) => this.ctx.cost(e),
      userId: this.ctx.userId,
      logSourceActive: (agentId) => this.logSourceActive(agentId),
      onCommit: (r) => this.committed(r),
      // Records without usage move the Sources panel's and Connect an agent's counts too.
      onReceived: () => this.feed.changed(),
      log: this.log,
      ...(opts.holdMs !== undefined ? { holdMs: opts.holdMs } : {}),
    })
    const listening = await listener.open({
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.defaultPort !== undefined ? { defaultPort: opts.defaultPort } : {}),
      fallbackPort: this.ctx.settings.otlpPort,
    })
    if (this.stopped) {
      await listener.close()
      throw new Error('the engine stopped while the OTLP receiver was opening')
    }
    this.otlpListener = listener
    return listening
  }

  /**
   * Runs the OTLP receiver as the settings say: open now while `otlpEnabled` is on (or a port
   * is asked for), and opened or closed again when otlpEnabled or otlpPort change.
   */
  async serveOtlp(opts: { port?: number; holdMs?: number; defaultPort?: number } = {}): Promise<OtlpListening | undefined> {
    this.otlpWanted = opts
    return this.ctx.settings.otlpEnabled || opts.port !== undefined ? this.openOtlp(opts) : undefined
  }

  private async otlpSettingsChanged(before: Settings, next: Settings): Promise<void> {
    const wanted = this.otlpWanted
    if (!wanted || (before.otlpEnabled === next.otlpEnabled && before.otlpPort === next.otlpPort)) return
    // A port given by the host (--otlp-port) is not the settings' to move.
    if (wanted.port !== undefined && before.otlpEnabled === next.otlpEnabled) return
    await this.otlpListener?.close()
    this.otlpListener = undefined
    if (!next.otlpEnabled) return
    try {
      await this.openOtlp(wanted)
    } catch (err) {
      this.log(`OpenTelemetry receiver not started: ${(err as Error).message}`)
    }
  }

  /** Where the OTLP receiver listens, while it does. */
  get otlp(): OtlpListening | undefined {
    return this.otlpListener?.listening
  }

  /** Whether an agent's logs are read on this machine: switched on and with files read. */
  private logSourceActive(agentId: string): boolean {
    if (!this.ctx.sources.some((s) => s.id === agentId)) return false
    return this.ctx.store.db.prepare('SELECT 1 FROM source_files WHERE source = ? LIMIT 1').get(agentId) !== undefined
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
    return this.feed.subscribe(listener)
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
    return sourcesFor(this.env, { ...this.ctx.settings, disabledSources: [] })
  }

  /**
   * Renames this machine (blank: the host name again): kept in the store, sent to the team
   * database and written into the my-machines folder at once, announced like a settings change.
   */
  renameMachine(name: string): MachineIdentity {
    setMachineName(this.ctx.store, name)
    this.sinks.syncSoon()
    this.feed.settingsChanged()
    return machineIdentity(this.ctx.store)
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
      const changed = tryRecost(this.ctx.store, this.ctx.prices, this.ctx.cost, this.log)
      if (changed && changed.length > 0) this.feed.changedAll()
    }
    const dirsChanged =
      JSON.stringify([before.logFolders, before.disabledSources]) !== JSON.stringify([next.logFolders, next.disabledSources])
    if (dirsChanged) {
      this.ctx.sources = sourcesFor(this.env, next)
      if (this.tailer) {
        await this.tailer.stop()
        this.tailer = undefined
        await this.startTailing()
      }
      await this.rescan()
    }
    if (before.paused !== next.paused) await this.setPaused(next.paused)
    await this.otlpSettingsChanged(before, next)
    if (before.timeZone !== next.timeZone) ensureRollup(this.ctx.store, next.timeZone || systemTimeZone())
    await this.sinks.settingsChanged(before, next)
    // Every transport (IPC, HTTP + SSE) learns of it the same way: one change event from here.
    this.feed.settingsChanged()
    return next
  }

  /** Closes the push socket, flushes pushed events, stops tailing and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopping.abort()
    this.onStop?.()
    if (this.retryTimer) clearTimeout(this.retryTimer)
    // The socket first: every event it acknowledged is committed by the flush below.
    await this.socket?.close()
    this.socket = undefined
    await this.otlpListener?.close()
    this.otlpListener = undefined
    await this.housekeeping.stop()
    await this.tailer?.stop()
    this.tailer = undefined
    await this.scanning
    await this.writer.flush()
    this.feed.flush()
    await this.sinks.stop()
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
        // Not during start(): its rollup comes next and collects after.
        if (!this.starting) this.collect()
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
      ...(this.ctx.parseWorkers !== undefined ? { workers: this.ctx.parseWorkers } : {}),
    })
    for (const e of summary.errors) this.opts.log?.(`could not read ${e.path}: ${e.error}`)
    if (!files) this.lastScan = summary
    else {
      this.changeWork.scans++
      this.changeWork.files += summary.files
      this.changeWork.storedLookups += summary.storedLookups
      this.changeWork.filesRead += summary.filesRead
    }
    // A large read (the backfill) leaves its garbage in V8's old space until a limit it raised:
    // collected once the queue is empty (and after the first rollup, in start()).
    if (summary.filesRead >= COLLECT_AFTER_FILES || summary.bytes >= COLLECT_AFTER_BYTES) this.garbage = true
    this.lastError = undefined
  }

  private collect(): void {
    if (!this.garbage) return
    this.garbage = false
    collectGarbage()
  }

  private committed(r: BatchResult): void {
    if (r.hours.size > 0) this.feed.changed()
  }
}
