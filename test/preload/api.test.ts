import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChangeEvent } from '../../src/shared/contract'
import { createEngineApi } from '../../src/engine/api'
import { API_METHODS } from '../../src/shared/contract'
import { setupIpc } from '../../src/main/ipc'
import { setupWindow } from '../../src/main/window'
import { createPreloadApi, type IpcRendererLike } from '../../src/preload/api'
import { fakeElectron, ipcEvent, type FakeWindow } from '../main/fake-electron'
import { makeEngine, usage } from '../main/helpers'

/** An ipcRenderer that records invokes and answers from a script. */
function scriptedIpc(answer: (channel: string, args: unknown[]) => unknown) {
  const invoked: { channel: string; args: unknown[] }[] = []
  const emitter = new EventEmitter()
  const ipc: IpcRendererLike = {
    invoke: (channel, ...args) => {
      invoked.push({ channel, args })
      return Promise.resolve(answer(channel, args))
    },
    on: (channel, listener) => emitter.on(channel, listener),
    removeListener: (channel, listener) => emitter.removeListener(channel, listener),
  }
  return { ipc, invoked, emitter }
}

describe('preload api', () => {
  it('has one named function per contract method plus onChange, and nothing else', () => {
    const api = createPreloadApi(scriptedIpc(() => ({ ok: true, result: null })).ipc)
    expect(Object.keys(api).sort()).toEqual([...API_METHODS, 'onChange'].sort())
  })

  it('invokes each method on its own channel with exactly its argument and unwraps the reply', async () => {
    const { ipc, invoked } = scriptedIpc((channel) => ({ ok: true, result: `answer of ${channel}` }))
    const api = createPreloadApi(ipc)
    expect(await api.dimensions()).toBe('answer of api:dimensions')
    expect(await api.todaySpend({ tz: 'UTC' })).toBe('answer of api:todaySpend')
    expect(await api.sessionCount({ tz: 'UTC', models: ['m'] })).toBe('answer of api:sessionCount')
    expect(invoked).toEqual([
      { channel: 'api:dimensions', args: [] },
      { channel: 'api:todaySpend', args: [{ tz: 'UTC' }] },
      { channel: 'api:sessionCount', args: [{ tz: 'UTC', models: ['m'] }] },
    ])
  })

  it('turns an error reply into a rejected promise with the same message', async () => {
    const api = createPreloadApi(scriptedIpc(() => ({ ok: false, error: 'arg.tz: unknown time zone "X"' })).ipc)
    await expect(api.todaySpend({ tz: 'X' })).rejects.toThrow('arg.tz: unknown time zone "X"')
  })

  it('delivers change events without the IPC event, until unsubscribed', () => {
    const { ipc, emitter } = scriptedIpc(() => undefined)
    const api = createPreloadApi(ipc)
    const got: unknown[][] = []
    const off = api.onChange((...args) => got.push(args))
    const e: ChangeEvent = { at: 2 }
    emitter.emit('api:change', { sender: 'secret' }, e)
    off()
    emitter.emit('api:change', { sender: 'secret' }, e)
    expect(got).toEqual([[e]])
    expect(emitter.listenerCount('api:change')).toBe(0)
  })

  it('round-trips through the main-process handlers to a real engine', async () => {
    const engine = await makeEngine()
    await engine.writer.submit([usage('a', Date.now())])
    const fake = fakeElectron()
    const page = '/app/out/renderer/index.html'
    const win = setupWindow({ electron: fake.electron, preloadPath: '/p.js', page: { file: page } })
    const w = win.show() as FakeWindow
    setupIpc({ electron: fake.electron, api: createEngineApi(engine), isAppSender: (ev) => win.isAppSender(ev), target: () => undefined })
    const api = createPreloadApi({
      invoke: (channel, ...args) => fake.ipcMain.invoke(channel, ipcEvent(w.webContents, `file://${page}`), ...args),
      on: () => undefined,
      removeListener: () => undefined,
    })
    const today = await api.todaySpend({ tz: 'UTC' })
    expect([today.costUsd, today.tokens, today.requests]).toEqual([0.6, 120_000, 1])
    expect(await api.sessionCount({ tz: 'UTC' })).toBe(1)
    await expect(api.sessionCount({ tz: 'UTC', sources: ['windsurf' as 'http'] })).rejects.toThrow(
      'arg.sources[0]: unknown source "windsurf"',
    )
    await expect(api.report({ tz: 'UTC', groupBy: ['nope' as 'day'] })).rejects.toThrow('arg.groupBy[0]: unknown group dimension "nope"')
  })

  it("over another scope: api:<scope>:<method> channels, and that scope's change events asked for (watch) while anyone listens", async () => {
    const { ipc, invoked, emitter } = scriptedIpc((channel) => ({ ok: true, result: `answer of ${channel}` }))
    const team = createPreloadApi(ipc, 'team')
    expect(Object.keys(team).sort()).toEqual([...API_METHODS, 'onChange'].sort())
    expect(await team.report({ tz: 'UTC', groupBy: ['machine'] })).toBe('answer of api:team:report')
    const got: unknown[] = []
    const a = team.onChange((e) => got.push(e))
    const b = team.onChange((e) => got.push(e))
    emitter.emit('api:team:change', {}, { at: 1 })
    emitter.emit('api:change', {}, { at: 2 })
    a()
    a()
    b()
    emitter.emit('api:team:change', {}, { at: 3 })
    expect(got).toEqual([{ at: 1 }, { at: 1 }])
    expect(invoked).toEqual([
      { channel: 'api:team:report', args: [{ tz: 'UTC', groupBy: ['machine'] }] },
      { channel: 'api:team:watch', args: [true] },
      { channel: 'api:team:watch', args: [false] },
    ])
  })
})
