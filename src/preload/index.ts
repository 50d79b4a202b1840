/** The sandboxed preload: exposes the contract as `window.api` (and per data scope as `window.scopedApi`), nothing more. */
import { contextBridge, ipcRenderer } from 'electron'
import { createPreloadApi } from './api'

contextBridge.exposeInMainWorld('api', createPreloadApi(ipcRenderer))
// The same contract over my machines and the team (the dashboard's data switch).
contextBridge.exposeInMainWorld('scopedApi', {
  machines: createPreloadApi(ipcRenderer, 'machines'),
  team: createPreloadApi(ipcRenderer, 'team'),
})
