/**
 * The renderer's `window.api`: one named function per contract method, each invoking its own
 * `api:<method>` channel and unwrapping the `{ ok, result | error }` reply. No generic forwarding:
 * the page can reach exactly these channels and nothing else.
 */
import { contractMethods, type ApiMethod, type AppApi, type ChangeEvent } from '../shared/contract'
import { CHANGE_CHANNEL, channelOf, type IpcReply } from '../shared/ipc-protocol'

/** The slice of electron's `ipcRenderer` the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

/** Builds the contract object over IPC. */
export function createPreloadApi(ipc: IpcRendererLike): AppApi {
  async function call(method: ApiMethod, ...arg: [] | [unknown]): Promise<unknown> {
    const reply = (await ipc.invoke(channelOf(method), ...arg)) as IpcReply<unknown>
    if (reply.ok) return reply.result
    throw new Error(reply.error)
  }
  return {
    ...contractMethods((method, ...arg) => call(method, ...arg)),
    onChange(listener) {
      // The IPC event (which names the sender) stays here; the page gets the ChangeEvent only.
      const forward = (_event: unknown, e: unknown): void => listener(e as ChangeEvent)
      ipc.on(CHANGE_CHANNEL, forward)
      return () => {
        ipc.removeListener(CHANGE_CHANNEL, forward)
      }
    },
  } satisfies AppApi
}
