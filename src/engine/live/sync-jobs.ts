import type { Settings } from '../../shared/contract'
import { machineIdentity } from '../store/changes'
import type { Store } from '../store/open-store'
import { TeamSyncer } from '../sync/continuous'
import { removeOwnConflicts, writeMachineFile } from '../sync/folder-sink'

export interface SyncJobsOptions {
  store: Store
  settings: () => Settings
  env: NodeJS.ProcessEnv
  /** Subscribes to the engine's commits; returns the unsubscribe function. */
  onCommit: (listener: () => void) => () => void
  /** Wait after commits (default 2 s) and first retry after a failure (default 1 s). */
  timing?: { debounceMs?: number; backoffMs?: number; maxBackoffMs?: number }
  log?: (message: string) => void
}

/** One running syncer and its commit subscription. */
interface Job {
  syncer: TeamSyncer
  off: () => void
}

/**
 * Keeps the sinks current while the engine runs: the team database (settings.teamUrl, else
 * TOKENWATCH_TEAM_URL) and this machine's file in the "my machines" folder
 * (settings.machinesFolder). Each syncs at start, then after commits.
 */
export class SyncJobs {
  private team: Job | undefined
  private folder: Job | undefined
  private stopped = false

  constructor(private readonly opts: SyncJobsOptions) {}

  /** The team database URL in effect: the setting, else TOKENWATCH_TEAM_URL. */
  teamUrl(): string {
    return this.opts.settings().teamUrl || (this.opts.env.TOKENWATCH_TEAM_URL ?? '')
  }

  get teamSyncer(): TeamSyncer | undefined {
    return this.team?.syncer
  }

  get folderSyncer(): TeamSyncer | undefined {
    return this.folder?.syncer
  }

  start(): void {
    this.startTeam()
    this.startFolder()
  }

  /** Syncs both sinks now (this machine was renamed: they show its name). */
  syncSoon(): void {
    this.team?.syncer.poke(0)
    this.folder?.syncer.poke(0)
  }

  /** Restarts the jobs whose settings changed. */
  async settingsChanged(before: Settings, next: Settings): Promise<void> {
    if (before.teamUrl !== next.teamUrl || before.teamProjects !== next.teamProjects) {
      await stopJob(this.team)
      this.team = undefined
      this.startTeam()
    }
    if (before.machinesFolder !== next.machinesFolder || before.teamProjects !== next.teamProjects) {
      await stopJob(this.folder)
      this.folder = undefined
      this.startFolder()
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    await stopJob(this.team)
    await stopJob(this.folder)
    this.team = this.folder = undefined
  }

  private startTeam(): void {
    const url = this.teamUrl()
    if (this.stopped || !url || this.opts.store.path === ':memory:') return
    this.team = this.run(new TeamSyncer({ ...this.common(), url }))
  }

  private startFolder(): void {
    const dir = this.opts.settings().machinesFolder
    if (this.stopped || !dir || this.opts.store.path === ':memory:') return
    this.folder = this.run(
      new TeamSyncer({
        ...this.common(),
        url: dir,
        sync: async (store, folder, projects) => {
          const w = writeMachineFile(store, folder, projects)
          const me = machineIdentity(store)
          removeOwnConflicts(folder, me.id)
          return { machineId: me.id, machine: me.name, sent: w.written ? w.rows : 0, ackedSeq: w.changeSeq }
        },
      }),
    )
  }

  private common() {
    const t = this.opts.timing ?? {}
    return {
      store: this.opts.store,
      projects: () => this.opts.settings().teamProjects,
      ...(t.debounceMs !== undefined ? { debounceMs: t.debounceMs } : {}),
      ...(t.backoffMs !== undefined ? { backoffMs: t.backoffMs } : {}),
      ...(t.maxBackoffMs !== undefined ? { maxBackoffMs: t.maxBackoffMs } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
    }
  }

  private run(syncer: TeamSyncer): Job {
    const off = this.opts.onCommit(() => syncer.poke())
    syncer.poke(0)
    return { syncer, off }
  }
}

async function stopJob(job: Job | undefined): Promise<void> {
  if (!job) return
  job.off()
  await job.syncer.stop()
}
