/**
 * Picks the transport: Electron's preload exposes the contract as `window.api`; anywhere else the
 * page was served by the headless server and talks to it over HTTP.
 */
import type { AppApi, DataScope } from '../../shared/contract'
import { createHttpApi, probeServer } from './lib/http-api'
import { ServerLink } from './lib/server-link'
import { takeToken } from './lib/token'

declare global {
  interface Window {
    /** Set by the Electron preload only. */
    api?: AppApi
    /** The contract over my machines and the team (Electron preload only). */
    scopedApi?: Record<Exclude<DataScope, 'local'>, AppApi>
  }
}

/** `desktop`: Electron IPC (native save dialog); `web`: the headless HTTP server (browser download). */
export type Transport = 'desktop' | 'web'

export interface Connection {
  api: AppApi
  transport: Transport
  /** The same contract over one data scope's data (`local` is `api`); the same object for each call with one scope. */
  scoped(scope: DataScope): AppApi
  /** Web only: whether the server still answers this page. */
  link?: ServerLink
}

/** Builds a Connection's `scoped` from a factory, one API object per scope. */
export function scopedFrom(api: AppApi, make: (scope: Exclude<DataScope, 'local'>) => AppApi): (scope: DataScope) => AppApi {
  const made = new Map<DataScope, AppApi>([['local', api]])
  return (scope) => {
    let a = made.get(scope)
    if (a === undefined && scope !== 'local') made.set(scope, (a = make(scope)))
    return a ?? api
  }
}

/** The contract for this page, decided once at start-up. */
export function connect(): Connection {
  if (window.api !== undefined) {
    const api = window.api
    const other = window.scopedApi
    return { api, transport: 'desktop', scoped: scopedFrom(api, (s) => other?.[s] ?? api) }
  }
  const token = takeToken()
  const link = new ServerLink(() => probeServer(token))
  const api = createHttpApi(token, '', 'local', link)
  return { api, transport: 'web', link, scoped: scopedFrom(api, (s) => createHttpApi(token, '', s, link)) }
}
