import { contractMethods, type ApiMethod, type AppApi, type ChangeEvent, type DataScope } from '../shared/contract'
import type { Engine } from './live/engine'
import { createFolderApi } from './sync/folder-api'
import type { MachinesApi, MachinesApiOptions } from './sync/machines-api'
import { createTeamApi } from './sync/team-api'

/** The contract per data scope, for the transports: `local` is the engine's own; the others are built from the settings. */
export interface ScopedApis {
  /** The contract over one scope (stable per scope; its calls fail with a clear message while the scope is not set up). */
  get(scope: DataScope): AppApi
  /** Stops the pollers. */
  close(): Promise<void>
}

/** What a scope's contract is built from, and the key that says when to build it again. */
interface Built {
  key: string
  api: MachinesApi
}

/**
 * The engine's three scopes: this machine (the engine's API), my machines (this store and the
 * synced folder, `machinesFolder`) and the team database (`teamUrl` or TOKENWATCH_TEAM_URL). The
 * team and folder contracts are built on first use and rebuilt when their settings change; each
 * scope's object is stable, so a UI's change subscription follows a new URL or folder.
 */
export function createScopedApis(engine: Engine, local: AppApi, opts: MachinesApiOptions & { log?: (m: string) => void } = {}): ScopedApis {
  const built = new Map<DataScope, Built>()
  const wanted = (scope: Exclude<DataScope, 'local'>): { key: string; make: () => MachinesApi } | null => {
    if (scope === 'team') {
      const url = engine.teamUrl
      return url ? { key: url, make: () => createTeamApi(url, opts) } : null
    }
    const dir = engine.settings.machinesFolder
    return dir
      ? {
          key: `${dir}\n${engine.settings.teamProjects}`,
          make: () =>
            createFolderApi(
              { store: () => engine.store, dir, projects: () => engine.settings.teamProjects, ...(opts.log ? { log: opts.log } : {}) },
              opts,
            ),
        }
      : null
  }
  /** The scope's current contract (rebuilt when its setting changed), or null when not set up. */
  const current = (scope: Exclude<DataScope, 'local'>): MachinesApi | null => {
    const w = wanted(scope)
    const b = built.get(scope)
    if (b && (!w || b.key !== w.key)) {
      built.delete(scope)
      void b.api.close()
    }
    if (!w) return null
    const now = built.get(scope)
    if (now) return now.api
    const api = w.make()
    built.set(scope, { key: w.key, api })
    return api
  }
  const missing = (scope: Exclude<DataScope, 'local'>): Error =>
    new Error(
      scope === 'team'
        ? 'no team database is set (Settings → Team and my machines, or TOKENWATCH_TEAM_URL)'
        : 'no "my machines" folder is set (Settings → Team and my machines)',
    )

  const facade = (scope: Exclude<DataScope, 'local'>): AppApi => {
    const call = (method: ApiMethod, ...arg: [] | [unknown]): Promise<unknown> => {
      const api = current(scope)
      if (!api) return Promise.reject(missing(scope))
      const fn = api[method] as (a?: unknown) => Promise<unknown>
      return fn.call(api, ...arg)
    }
    // Subscriptions follow the scope's contract across settings changes (a new URL or folder).
    const listeners = new Set<(e: ChangeEvent) => void>()
    let sub: { api: MachinesApi; off: () => void } | undefined
    const resubscribe = (): void => {
      const api = listeners.size ? current(scope) : null
      if (sub && sub.api === api) return
      sub?.off()
      sub = undefined
      if (api) sub = { api, off: api.onChange((e) => listeners.forEach((l) => l(e))) }
    }
    let offSettings: (() => void) | undefined
    return {
      ...contractMethods(call),
      onChange(listener) {
        listeners.add(listener)
        offSettings ??= engine.onChange((e) => {
          if (!e.settings) return
          const before = sub?.api
          resubscribe()
          // A new URL or folder: everything shown may differ.
          if (sub?.api !== before) listeners.forEach((l) => l({ at: Date.now() }))
        })
        resubscribe()
        return () => {
          listeners.delete(listener)
          if (listeners.size === 0) {
            offSettings?.()
            offSettings = undefined
          }
          resubscribe()
        }
      },
    }
  }
  const scopes = { local, machines: facade('machines'), team: facade('team') } satisfies Record<DataScope, AppApi>
  return {
    get: (scope) => scopes[scope],
    close: async () => {
      for (const b of built.values()) await b.api.close()
      built.clear()
    },
  }
}
