/**
 * The renderer's `window.api`: one named function per contract method, each invoking its own
 * `api:<method>` channel and unwrapping the `{ ok, result | error }` reply. No generic forwarding:
 * the page can reach exactly these channels and nothing else.
 */
import type { ApiMethod, ApiMethods, AppApi, ChangeEvent } from '../shared/contract'
import { CHANGE_CHANNEL, channelOf, type IpcReply } from '../shared/ipc-protocol'

/** The slice of electron's `ipcRenderer` the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

/** Builds the contract object over IPC. */
export function createPreloadApi(ipc: IpcRendererLike): AppApi {
  async function call<M extends ApiMethod>(method: M, ...arg: [] | [ApiMethods[M]['arg']]): Promise<ApiMethods[M]['result']> {
    const reply = (await ipc.invoke(channelOf(method), ...arg)) as IpcReply<ApiMethods[M]['result']>
    if (reply.ok) return reply.result
    throw new Error(reply.error)
  }
  return {
    dimensions: () => call('dimensions'),
    report: (q) => call('report', q),
    sessions: (f) => call('sessions', f),
    sessionCount: (f) => call('sessionCount', f),
    sessionEvents: (a) => call('sessionEvents', a),
    todaySpend: (a) => call('todaySpend', a),
    blocks: (a) => call('blocks', a),
    sourceStatus: () => call('sourceStatus'),
    backfillProgress: () => call('backfillProgress'),
    getSettings: () => call('getSettings'),
    setSettings: (patch) => call('setSettings', patch),
    reportCsv: (q) => call('reportCsv', q),
    exportCsv: (q) => call('exportCsv', q),
    addLogFolder: (a) => call('addLogFolder', a),
    removeLogFolder: (a) => call('removeLogFolder', a),
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
