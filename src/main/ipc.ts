/**
 * The one IPC manager: an `api:<method>` handler per contract method. Each checks that the call
 * came from the app's own window, validates the argument with the same validator the HTTP server
 * uses, and answers with a value (`{ ok, result | error }`); change events go out on `api:change`.
 */
import { API_METHODS, type ApiMethod, type AppApi, type DataScope } from '../shared/contract'
import { Invalid, validateCall, type ValidCall } from '../engine/schema/contract'
import { callApi } from '../engine/api-dispatch'
import {
  CHANGE_CHANNEL,
  OTHER_SCOPES,
  changeChannelOf,
  channelOf,
  watchChannelOf,
  type IpcReply,
  type OtherScope,
} from '../shared/ipc-protocol'
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

/**
 * Registers every handler and forwards change events; returns the function that undoes both.
 * With `scoped`, the same contract over my machines and the team answers on `api:<scope>:<method>`,
 * and each scope's change events go out on `api:<scope>:change` while the window asks for them
 * (`api:<scope>:watch`: the team's are polled from its server only then).
 */
export function setupIpc(deps: IpcSetup & { scoped?: (scope: DataScope) => AppApi }): () => void {
  const { ipcMain } = deps.electron
  const channels: string[] = []
  const handle = (channel: string, listener: (event: IpcSenderLike, ...args: unknown[]) => Promise<unknown>): void => {
    ipcMain.handle(channel, listener)
    channels.push(channel)
  }
  for (const method of API_METHODS) handle(channelOf(method), (event, ...args) => answer(deps, method, event, args))
  const watching = new Map<OtherScope, () => void>()
  const scoped = deps.scoped
  if (scoped) {
    for (const scope of OTHER_SCOPES) {
      const scopeDeps: IpcDeps = { ...deps, api: scoped(scope) }
      for (const method of API_METHODS) handle(channelOf(method, scope), (event, ...args) => answer(scopeDeps, method, event, args))
      handle(watchChannelOf(scope), async (event, on) => {
        if (!deps.isAppSender(event)) return { ok: false, error: `refused: ${scope} change events are only for the Token Watch window` }
        if (typeof on !== 'boolean') return { ok: false, error: 'arg: must be true or false' }
        watching.get(scope)?.()
        watching.delete(scope)
        if (on)
          watching.set(
            scope,
            scopeDeps.api.onChange((e) => deps.target()?.send(changeChannelOf(scope), e)),
          )
        return { ok: true, result: on }
      })
    }
  }
  const unsubscribe = deps.api.onChange((e) => deps.target()?.send(CHANGE_CHANNEL, e))
  return () => {
    unsubscribe()
    for (const off of watching.values()) off()
    watching.clear()
    for (const channel of channels) ipcMain.removeHandler(channel)
  }
}
