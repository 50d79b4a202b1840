import { emptyLogFolders } from '../../src/shared/sources'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ReportQuery } from '../../src/shared/contract'
import { createEngineApi } from '../../src/engine/api'
import { setupExportCsv } from '../../src/main/export-csv'
import { API_METHODS } from '../../src/shared/contract'
import { setupIpc } from '../../src/main/ipc'
import { setupWindow } from '../../src/main/window'
import { fakeElectron, ipcEvent, type FakeWindow } from './fake-electron'
import { makeEngine, tempDir, usage, waitFor } from './helpers'
import { fakeApi } from '../engine/web/fake-api'

const PAGE = '/app/out/renderer/index.html'
const OWN = `file://${PAGE}`
const TS = Date.UTC(2026, 2, 10, 14, 0)
const DAY: ReportQuery = { tz: 'UTC', from: Date.UTC(2026, 2, 10), to: Date.UTC(2026, 2, 11), groupBy: ['model'] }

async function setup() {
  const engine = await makeEngine()
  // Let the seed data's change event pass before anything listens.
  const seeded = new Promise<void>((resolve) => {
    const off = engine.onChange(() => {
      off()
      resolve()
    })
  })
  await engine.writer.submit([usage('a', TS), usage('b', TS + 60_000, { model: 'claude-sonnet-4-6' })])
  await seeded
  const fake = fakeElectron()
  const win = setupWindow({ electron: fake.electron, preloadPath: '/p.js', page: { file: PAGE } })
  const w = win.show() as FakeWindow
  const logs: string[] = []
  const exportCsv = setupExportCsv({
    electron: fake.electron,
    parent: () => win.current(),
    defaultDir: '/home/u/Downloads',
    today: () => '2026-03-10',
  })
  const api = createEngineApi(engine, { exportCsv })
  const dispose = setupIpc({
    electron: fake.electron,
    api,
    isAppSender: (e) => win.isAppSender(e),
    target: () => win.current()?.webContents,
    log: (m) => logs.push(m),
  })
  const call = (channel: string, ...args: unknown[]) => fake.ipcMain.invoke(channel, ipcEvent(w.webContents, OWN), ...args)
  return { engine, fake, win, w, call, dispose, logs, api }
}

describe('IPC', () => {
  it('registers exactly one api:<method> handler per contract method', async () => {
    const { fake, dispose } = await setup()
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([
      'api:activity',
      'api:addLogFolder',
      'api:backfillProgress',
      'api:blocks',
      'api:budgets',
      'api:dataSources',
      'api:dimensions',
      'api:exportCsv',
      'api:forecast',
      'api:getSettings',
      'api:importCursorUsage',
      'api:outlook',
      'api:pickMachinesFolder',
      'api:planLimits',
      'api:reconcile',
      'api:removeLogFolder',
      'api:report',
      'api:reportCsv',
      'api:sessionCount',
      'api:sessionEvents',
      'api:sessions',
      'api:setMachineName',
      'api:setSettings',
      'api:sourceStatus',
      'api:todaySpend',
      'api:userTotals',
    ])
    expect(API_METHODS).toHaveLength(26)
    dispose()
    expect(fake.ipcMain.handlers.size).toBe(0)
  })

  it("answers a good call with the real engine's data", async () => {
    const { call } = await setup()
    const report = await call('api:report', DAY)
    expect(report).toMatchObject({
      ok: true,
      result: { totals: { input: 200_000, output: 40_000, requests: 2, costUsd: 1.2, unpricedTokens: 0 } },
    })
    const { groupBy: _, ...day } = DAY
    expect(await call('api:sessionCount', day)).toEqual({ ok: true, result: 1 })
    expect(await call('api:sessionCount', { ...day, models: ['claude-sonnet-4-6'] })).toEqual({ ok: true, result: 1 })
    expect(await call('api:sessionCount', { ...day, from: TS + 120_000 })).toEqual({ ok: true, result: 0 })
    expect(await call('api:dimensions')).toMatchObject({
      ok: true,
      result: { models: ['claude-sonnet-4-5', 'claude-sonnet-4-6'], unpricedModels: [] },
    })
    expect(await call('api:getSettings')).toEqual({
      ok: true,
      result: {
        timeZone: '',
        dailyBudgetUsd: null,
        launchAtLogin: false,
        logFolders: emptyLogFolders(),
        disabledSources: [],
        priceOverrides: [],
        paused: false,
        teamProjects: 'basename',
        teamUrl: '',
        machinesFolder: '',
        budgets: [],
        weekStart: null,
        otlpEnabled: true,
        otlpPort: 4319,
      },
    })
    expect(await call('api:setSettings', { dailyBudgetUsd: 25 })).toMatchObject({ ok: true, result: { dailyBudgetUsd: 25 } })
  })

  it('refuses senders that are not the app window, without touching the engine', async () => {
    const { fake, w, logs } = await setup()
    const refused = { ok: false, error: 'refused: setSettings may only be called by the Token Watch window' }
    const foreign = [
      ipcEvent({ id: w.webContents.id + 999 }, OWN),
      ipcEvent(w.webContents, 'https://evil.example/'),
      ipcEvent(w.webContents, OWN, { url: OWN }),
    ]
    for (const e of foreign) expect(await fake.ipcMain.invoke('api:setSettings', e, { paused: true })).toEqual(refused)
    expect(logs).toEqual([
      `ipc: refused setSettings from ${OWN}`,
      'ipc: refused setSettings from https://evil.example/',
      `ipc: refused setSettings from ${OWN}`,
    ])
    expect(await fake.ipcMain.invoke('api:getSettings', ipcEvent(w.webContents, OWN))).toMatchObject({
      ok: true,
      result: { paused: false },
    })
  })

  it('refuses bad arguments with an error naming the field', async () => {
    const { call } = await setup()
    expect(await call('api:report', { ...DAY, groupBy: ['model', 'bogus'] })).toEqual({
      ok: false,
      error: 'arg.groupBy[1]: unknown group dimension "bogus"',
    })
    expect(await call('api:todaySpend', { tz: 'Mars/Olympus' })).toEqual({ ok: false, error: 'arg.tz: unknown time zone "Mars/Olympus"' })
    expect(await call('api:setSettings', { dailyBudgetUsd: -1 })).toEqual({ ok: false, error: 'arg.dailyBudgetUsd: must be at least 0' })
    expect(await call('api:setSettings', { dataDir: '/etc' })).toEqual({ ok: false, error: 'arg.dataDir: unknown field' })
    expect(await call('api:sessionEvents', {})).toEqual({ ok: false, error: 'arg.sessionId: must be a string' })
    expect(await call('api:dimensions', { x: 1 })).toEqual({ ok: false, error: 'arg: this method takes no argument' })
    expect(await call('api:sessionCount', DAY)).toEqual({ ok: false, error: 'arg.groupBy: unknown field' })
    expect(await call('api:sessionCount', { tz: 'UTC', from: 5, to: 1 })).toEqual({ ok: false, error: 'arg.to: must not be before from' })
    expect(await call('api:report', DAY, 'extra')).toEqual({ ok: false, error: 'report: takes at most one argument' })
  })

  it('pushes change events to the app window on api:change', async () => {
    const { engine, w } = await setup()
    await engine.writer.submit([usage('c', TS + 3_600_000)])
    const sent = await waitFor(() => (w.webContents.sent.length > 0 ? w.webContents.sent : undefined), 1000, 'api:change')
    expect(sent).toEqual([{ channel: 'api:change', args: [{ at: expect.any(Number) }] }])
  })

  it('exports exactly the report CSV to the path chosen in the native dialog', async () => {
    const { call, fake, w } = await setup()
    const dir = tempDir()
    const path = join(dir, 'mine.csv')
    fake.saveDialog.answer = { canceled: false, filePath: path }
    expect(await call('api:exportCsv', DAY)).toEqual({ ok: true, result: { ok: true, path, rows: 2 } })
    const csv = await call('api:reportCsv', DAY)
    expect(readFileSync(path, 'utf8')).toBe((csv as { result: string }).result)
    expect(readFileSync(path, 'utf8')).toBe(
      'model,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens\r\n' +
        'claude-sonnet-4-5,100000,20000,0,0,1,0.6,0\r\nclaude-sonnet-4-6,100000,20000,0,0,1,0.6,0\r\n',
    )
    expect(fake.saveDialogCalls[0]?.parent).toBe(w)
    expect(fake.saveDialogCalls[0]?.options).toMatchObject({
      defaultPath: '/home/u/Downloads/tokenwatch-2026-03-10.csv',
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    })
    fake.saveDialog.answer = { canceled: true }
    expect(await call('api:exportCsv', DAY)).toEqual({ ok: true, result: { ok: false, error: 'Export cancelled' } })
  })

  it("with the data scopes: api:<scope>:<method> answers from that scope's contract (sender and argument checked the same way); its change events flow on api:<scope>:change only while the window watches", async () => {
    const engine = await makeEngine()
    const fake = fakeElectron()
    const win = setupWindow({ electron: fake.electron, preloadPath: '/p.js', page: { file: PAGE } })
    const w = win.show() as FakeWindow
    const team = fakeApi()
    const machines = fakeApi()
    const local = createEngineApi(engine)
    const dispose = setupIpc({
      electron: fake.electron,
      api: local,
      scoped: (s) => (s === 'team' ? team : s === 'machines' ? machines : local),
      isAppSender: (e) => win.isAppSender(e),
      target: () => win.current()?.webContents,
    })
    const call = (channel: string, ...args: unknown[]) => fake.ipcMain.invoke(channel, ipcEvent(w.webContents, OWN), ...args)
    expect(fake.ipcMain.handlers.size).toBe(API_METHODS.length * 3 + 2)
    expect(await call('api:team:report', DAY)).toMatchObject({ ok: true, result: { rows: [{ model: 'm' }] } })
    expect(team.calls).toEqual([{ method: 'report', arg: DAY }])
    expect(await call('api:machines:dimensions')).toMatchObject({ ok: true, result: { users: ['u'] } })
    expect(await call('api:team:report', { tz: 'Nowhere/X', groupBy: [] })).toEqual({
      ok: false,
      error: 'arg.tz: unknown time zone "Nowhere/X"',
    })
    expect(await fake.ipcMain.invoke('api:team:report', ipcEvent(w.webContents, 'https://evil.example/'), DAY)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^refused/),
    })
    expect(await fake.ipcMain.invoke('api:team:watch', ipcEvent(w.webContents, 'https://evil.example/'), true)).toMatchObject({ ok: false })
    expect(team.listenerCount()).toBe(0)
    expect(await call('api:team:watch', true)).toEqual({ ok: true, result: true })
    expect(team.listenerCount()).toBe(1)
    team.emit({ at: 5 })
    machines.emit({ at: 6 })
    expect(w.webContents.sent).toEqual([{ channel: 'api:team:change', args: [{ at: 5 }] }])
    expect(await call('api:team:watch', false)).toEqual({ ok: true, result: false })
    expect(team.listenerCount()).toBe(0)
    dispose()
    expect(fake.ipcMain.handlers.size).toBe(0)
  })
})
