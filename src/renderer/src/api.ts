/**
 * Picks the transport: Electron's preload exposes the contract as `window.api`; anywhere else the
 * page was served by the headless server and talks to it over HTTP.
 */
import type { AppApi } from '../../shared/contract'
import { createHttpApi } from './lib/http-api'
import { takeToken } from './lib/token'

declare global {
  interface Window {
    /** Set by the Electron preload only. */
    api?: AppApi
  }
}

/** `desktop`: Electron IPC (native save dialog); `web`: the headless HTTP server (browser download). */
export type Transport = 'desktop' | 'web'

export interface Connection {
  api: AppApi
  transport: Transport
}

/** The contract for this page, decided once at start-up. */
export function connect(): Connection {
  if (window.api !== undefined) return { api: window.api, transport: 'desktop' }
  return { api: createHttpApi(takeToken()), transport: 'web' }
}
