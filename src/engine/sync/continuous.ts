import type { TeamProjects } from '../../shared/contract'
import type { Store } from '../store/open-store'
import { syncToPostgres, type PgSyncResult } from './pg-sink'
import { redactUrl } from '../../shared/team-url'

/** Where continuous team sync stands (the URL without its password). */
export interface TeamSyncStatus {
  url: string
  running: boolean
  lastSyncAt: number | null
  lastSent: number
  ackedSeq: number | null
  lastError: string | null
  /** When the next attempt after a failure is due (epoch ms), or null. */
  retryAt: number | null
}

export interface TeamSyncerOptions {
  store: Store
  url: string
  projects: () => TeamProjects
  /** Wait after a commit before syncing, so a burst of commits is one sync (default 2 s). */
  debounceMs?: number
  /** First retry after a failure; doubles up to maxBackoffMs (defaults 1 s and 5 min). */
  backoffMs?: number
  maxBackoffMs?: number
  log?: (message: string) => void
  /** The sync itself (tests may watch it); default syncToPostgres. */
  sync?: (store: Store, url: string, projects: TeamProjects) => Promise<PgSyncResult>
}

/**
 * Keeps the team database current while the engine runs: a sync after commits (debounced), one
 * at a time; after a failure (server down, network gone) it retries with exponential backoff and
 * catches up, since every sync sends whatever changed since the server's acknowledgement.
 */
export class TeamSyncer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private failures = 0
  private stopped = false
  readonly status: TeamSyncStatus

  constructor(private readonly opts: TeamSyncerOptions) {
    this.status = {
      url: redactUrl(opts.url),
      running: false,
      lastSyncAt: null,
      lastSent: 0,
      ackedSeq: null,
      lastError: null,
      retryAt: null,
    }
  }

  /** Something was committed: sync after the debounce (unless a retry is already scheduled sooner). */
  poke(delayMs = this.opts.debounceMs ?? 2000): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.runOnce()
    }, delayMs)
    this.timer.unref()
  }

  /** Syncs now (waits for one already running); resolves when done, never rejects. */
  async runOnce(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      this.status.running = true
      try {
        const sync = this.opts.sync ?? ((s, u, p) => syncToPostgres(s, u, { projects: p }))
        const r = await sync(this.opts.store, this.opts.url, this.opts.projects())
        this.failures = 0
        Object.assign(this.status, { lastSyncAt: Date.now(), lastSent: r.sent, ackedSeq: r.ackedSeq, lastError: null, retryAt: null })
      } catch (err) {
        this.failures++
        const wait = Math.min(this.opts.maxBackoffMs ?? 300_000, (this.opts.backoffMs ?? 1000) * 2 ** (this.failures - 1))
        const message = (err as Error).message
        if (this.status.lastError !== message) this.opts.log?.(`team sync to ${this.status.url} failed: ${message}; retrying`)
        Object.assign(this.status, { lastError: message, retryAt: Date.now() + wait })
        this.again = false
        if (!this.stopped) {
          if (this.timer) clearTimeout(this.timer)
          this.timer = setTimeout(() => {
            this.timer = undefined
            void this.runOnce()
          }, wait)
          this.timer.unref()
        }
      } finally {
        this.status.running = false
        this.running = undefined
      }
      if (this.again && !this.stopped) {
        this.again = false
        this.poke()
      }
    })()
    return this.running
  }

  /** Stops scheduling and waits for a sync in flight (its transaction commits or rolls back whole). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }
}
