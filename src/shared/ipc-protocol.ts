/**
 * The IPC wire format shared by main and preload: one channel per contract method, replies as
 * values. Types and two string helpers only, so the sandboxed preload bundle stays tiny.
 */
import type { ApiMethod } from './contract'

/** A handler's reply: errors are values, so the renderer never sees a main-process stack. */
export type IpcReply<T> = { ok: true; result: T } | { ok: false; error: string }

/** The channel that carries pushed `ChangeEvent`s to the app window. */
export const CHANGE_CHANNEL = 'api:change'

/** The `ipcMain.handle` channel of one contract method. */
export function channelOf(method: ApiMethod): `api:${ApiMethod}` {
  return `api:${method}`
}
