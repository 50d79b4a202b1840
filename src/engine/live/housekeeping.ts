import { AUTO_BACKUP_EVERY_MS, AUTO_BACKUP_KEEP, backupIfDue } from '../store/backup'
import type { Store } from '../store/open-store'
import { guardWal } from '../store/wal-guard'

export interface HousekeepingOptions {
  /** Automatic backups (see EngineOptions.autoBackup); false turns them off. */
  autoBackup?: false | { everyMs?: number; keep?: number }
  log: (message: string) => void
}

/**
 * The store's upkeep while the engine runs: the deleted-WAL guard every second and automatic
 * backups (pushed events exist nowhere else). A store in memory needs neither.
 */
export class Housekeeping {
  private walTimer: NodeJS.Timeout | undefined
  private backupTimer: NodeJS.Timeout | undefined
  private backingUp: Promise<void> | undefined
  private stopped = false

  constructor(
    private readonly store: Store,
    private readonly opts: HousekeepingOptions,
  ) {}

  start(): void {
    if (this.stopped || this.store.path === ':memory:') return
    this.startWalGuard()
    this.startAutoBackups()
  }

  /** Stops the timers and waits for a backup under way. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.walTimer) clearInterval(this.walTimer)
    if (this.backupTimer) clearInterval(this.backupTimer)
    await this.backingUp
  }

  /**
   * Looks for a deleted WAL every second even when nothing is being written: what was committed
   * is then checkpointed before a kill could take it with the deleted file (see wal-guard.ts).
   */
  private startWalGuard(): void {
    this.walTimer = setInterval(() => {
      if (this.stopped) return
      try {
        guardWal(this.store, this.opts.log)
      } catch (err) {
        this.opts.log(`token-watch: ${(err as Error).message}`)
      }
    }, 1000)
    this.walTimer.unref()
  }

  /** Takes an automatic backup now if one is due, then checks again every so often. */
  private startAutoBackups(): void {
    const cfg = this.opts.autoBackup
    if (cfg === false) return
    const everyMs = cfg?.everyMs ?? AUTO_BACKUP_EVERY_MS
    const keep = cfg?.keep ?? AUTO_BACKUP_KEEP
    const check = (): void => {
      if (this.stopped || this.backingUp) return
      this.backingUp = backupIfDue(this.store, { maxAgeMs: everyMs, keep })
        .then(
          () => undefined,
          (err: unknown) => this.opts.log(`automatic backup failed: ${(err as Error).message}`),
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
}
