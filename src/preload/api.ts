/**
 * The renderer's `window.api`: one named function per contract method, each invoking its own
 * `api:<method>` channel and unwrapping the `{ ok, result | error }` reply. No generic forwarding:
 * the page can reach exactly these channels and nothing else.
 */
import { contractMethods, type ApiMethod, type AppApi, type ChangeEvent, type DataScope } from '../shared/contract'
import { changeChannelOf, channelOf, watchChannelOf, type IpcReply } from '../shared/ipc-protocol'

/** The slice of electron's `ipcRenderer` the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

/** Builds the contract object over IPC: this machine's data, or another scope's (`api:<scope>:<method>`). */
export function createPreloadApi(ipc: IpcRendererLike, scope: DataScope = 'local'): AppApi {
  async function call(method: ApiMethod, ...arg: [] | [unknown]): Promise<unknown> {
    const reply = (await ipc.invoke(channelOf(method, scope), ...arg)) as IpcReply<unknown>
    if (reply.ok) return reply.result
    throw new Error(reply.error)
  }
  const channel = changeChannelOf(scope)
  let listening = 0
  return {
    ...contractMethods((method, ...arg) => call(method, ...arg)),
    onChange(listener) {
      // The IPC event (which names the sender) stays here; the page gets the ChangeEvent only.
      const forward = (_event: unknown, e: unknown): void => listener(e as ChangeEvent)
      ipc.on(channel, forward)
      // Another scope's events flow only while someone listens (the team's are polled from its server).
      if (scope !== 'local' && listening++ === 0) void ipc.invoke(watchChannelOf(scope), true)
      let done = false
      return () => {
        if (done) return
        done = true
        ipc.removeListener(channel, forward)
        if (scope !== 'local' && --listening === 0) void ipc.invoke(watchChannelOf(scope), false)
      }
    },
  } satisfies AppApi
}
