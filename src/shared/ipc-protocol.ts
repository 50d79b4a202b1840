/**
 * The IPC wire format shared by main and preload: one channel per contract method, replies as
 * values. Types and two string helpers only, so the sandboxed preload bundle stays tiny.
 */
import type { ApiMethod, DataScope } from './contract'

/** A handler's reply: errors are values, so the renderer never sees a main-process stack. */
export type IpcReply<T> = { ok: true; result: T } | { ok: false; error: string }

/** The channel that carries pushed `ChangeEvent`s to the app window. */
export const CHANGE_CHANNEL = 'api:change'

/** The scopes reached over their own channels (`local` is the plain `api:<method>` ones). */
export type OtherScope = Exclude<DataScope, 'local'>

export const OTHER_SCOPES: readonly OtherScope[] = ['machines', 'team']

/** The `ipcMain.handle` channel of one contract method (over another scope's data: `api:<scope>:<method>`). */
export function channelOf(method: ApiMethod, scope: DataScope = 'local'): string {
  return scope === 'local' ? `api:${method}` : `api:${scope}:${method}`
}

/** Where a scope's change events go (`api:change` for this machine). */
export function changeChannelOf(scope: DataScope): string {
  return scope === 'local' ? CHANGE_CHANNEL : `api:${scope}:change`
}

/**
 * Starts (true) or ends (false) a scope's change events: the team's are polled from its server,
 * so main only polls while the window listens.
 */
export function watchChannelOf(scope: OtherScope): string {
  return `api:${scope}:watch`
}
