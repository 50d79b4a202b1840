import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { TeamProjects } from '../../shared/contract'
import { currentChangeSeq, machineIdentity } from '../store/changes'
import type { Store } from '../store/open-store'
import { isMachineFileName, myMachines } from './folder-sink'
import { createMachinesApi, type MachinesApi, type MachinesApiOptions, type MachinesSource } from './machines-api'

export interface FolderSourceOptions {
  /** This machine's store (its own rows come from it, never from its file). */
  store: () => Store
  dir: string
  projects: () => TeamProjects
  /** Told of files skipped (half-written, altered), once per file and state. */
  log?: (message: string) => void
}

/**
 * "My machines" as a source of machines' rows: this machine from its store, the others from their
 * newest complete files in the synced folder. Its fingerprint is this store's change sequence and
 * name plus each machine file's name, size and modification time: a few stats per poll.
 */
export function folderSource(opts: FolderSourceOptions): MachinesSource {
  const told = new Set<string>()
  return {
    info: { scope: 'machines', label: 'My machines', detail: opts.dir },
    checkEachRead: true,
    load: async () => {
      const mine = myMachines(opts.store(), opts.dir, opts.projects())
      for (const s of mine.skipped) {
        const key = `${s.file}:${s.error}`
        if (!told.has(key)) opts.log?.(`my machines: skipped ${s.file}: ${s.error}`)
        told.add(key)
      }
      return mine.all
    },
    version: async () => {
      const store = opts.store()
      const me = machineIdentity(store)
      let names: string[]
      try {
        names = readdirSync(opts.dir).filter(isMachineFileName).sort()
      } catch {
        return null
      }
      const files = names.map((n) => {
        try {
          const st = statSync(join(opts.dir, n))
          return `${n}:${st.size}:${st.mtimeMs}`
        } catch {
          return `${n}:gone`
        }
      })
      return [currentChangeSeq(store), me.name, opts.projects(), ...files].join('\n')
    },
  }
}

/** The contract over "my machines": see createMachinesApi. */
export function createFolderApi(opts: FolderSourceOptions, apiOpts: MachinesApiOptions = {}): MachinesApi {
  return createMachinesApi(folderSource(opts), apiOpts)
}
