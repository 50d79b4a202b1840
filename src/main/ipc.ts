/**
 * The one IPC manager: an `api:<method>` handler per contract method. Each checks that the call
 * came from the app's own window, validates the argument with the same validator the HTTP server
 * uses, and answers with a value (`{ ok, result | error }`); change events go out on `api:change`.
 */
import { API_METHODS, type ApiMethod, type AppApi } from '../shared/contract'
import { Invalid, validateCall, type ValidCall } from '../engine/web/validate'
import { callApi } from '../engine/api-dispatch'
import { CHANGE_CHANNEL, channelOf, type IpcReply } from '../shared/ipc-protocol'
import type { IpcSenderLike } from './window'

export interface IpcDeps {
  api: AppApi
  /** True for the app's own window (see AppWindow.isAppSender). */
  isAppSender(event: IpcSenderLike): boolean
  log?: (message: string) => void
}

/** Answers one call: sender check, argument check, then the engine. Never throws. */
export async function answer(deps: IpcDeps, method: ApiMethod, event: IpcSenderLike, args: unknown[]): Promise<IpcReply<unknown>> {
  if (!deps.isAppSender(event)) {
    deps.log?.(`ipc: refused ${method} from ${event.senderFrame?.url ?? 'a destroyed frame'}`)
    return { ok: false, error: `refused: ${method} may only be called by the Token Watch window` }
  }
  if (args.length > 1) return { ok: false, error: `${method}: takes at most one argument` }
  let call: ValidCall
  try {
    call = validateCall(method, args[0])
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message }
    // Anything else from a validator is a bug: log it, and still answer with a value.
    deps.log?.(`ipc: validating ${method} failed: ${String(err)}`)
    return { ok: false, error: `${method}: could not check the argument` }
  }
  try {
    return { ok: true, result: await callApi(deps.api, call) }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    deps.log?.(`ipc: ${method} failed: ${message}`)
    return { ok: false, error: message }
  }
}

/** The slice of electron this module uses. */
export interface IpcElectron {
  ipcMain: {
    handle(channel: string, listener: (event: IpcSenderLike, ...args: unknown[]) => Promise<unknown>): void
    removeHandler(channel: string): void
  }
}

export interface IpcSetup extends IpcDeps {
  electron: IpcElectron
  /** Where change events go: the app window's webContents while it is open. */
  target(): { send(channel: string, ...args: unknown[]): void } | undefined
}

/** Registers every handler and forwards change events; returns the function that undoes both. */
export function setupIpc(deps: IpcSetup): () => void {
  const { ipcMain } = deps.electron
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), (event, ...args) => answer(deps, method, event, args))
  }
  const unsubscribe = deps.api.onChange((e) => deps.target()?.send(CHANGE_CHANNEL, e))
  return () => {
    unsubscribe()
    for (const method of API_METHODS) ipcMain.removeHandler(channelOf(method))
  }
}
