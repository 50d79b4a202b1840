import { API_METHODS } from '../../src/shared/contract'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startSocketServer } from '../../src/engine/push/socket-server'
import { runApp, startsHidden, type AppDeps, type RunningApp } from '../../src/main/app'
import { fakeElectron, ipcEvent, type FakeElectron, type FakeImage } from './fake-electron'
import { engineEnv, readBadge, readPng, tempDir, track, usage, waitFor } from './helpers'

const PAGE = '/app/out/renderer/index.html'

interface Started {
  fake: FakeElectron
  app: RunningApp
  env: ReturnType<typeof engineEnv>
  logs: string[]
  socket: { opened: unknown[]; closed: number }
}

async function launch(
  opts: {
    argv?: string[]
    platform?: NodeJS.Platform
    env?: ReturnType<typeof engineEnv>
    socketFails?: boolean
    realSocket?: boolean
    locale?: string
    otlp?: { port?: number; defaultPort?: number }
  } = {},
): Promise<Started> {
  const fake = fakeElectron()
  if (opts.locale !== undefined) fake.app.locale = opts.locale
  const env = opts.env ?? engineEnv()
  const logs: string[] = []
  const socket = { opened: [] as unknown[], closed: 0 }
  const deps: AppDeps = {
    electron: fake.electron,
    env,
    platform: opts.platform ?? 'linux',
    argv: opts.argv ?? ['/usr/bin/electron', '.'],
    execPath: '/usr/bin/electron',
    paths: {
      preload: '/app/out/preload/index.js',
      page: { file: PAGE },
      trayTemplate: '/app/resources/icons/trayTemplate.png',
      appIcon: '/app/resources/icons/icon.png',
    },
    startSocketServer: opts.realSocket
      ? startSocketServer
      : async (o) => {
          if (opts.socketFails) throw new Error(`Token Watch is already running (socket ${o.path} answers); stop that instance first`)
          socket.opened.push(o)
          return { close: async () => void socket.closed++ }
        },
    ...(opts.otlp ? { otlp: opts.otlp } : {}),
    engineOptions: { changeDebounceMs: 5 },
    trayThrottleMs: 20,
    log: (m) => logs.push(m),
  }
  const app = await runApp(deps)
  if (!app) throw new Error('app did not start')
  track(app.engine)
  await app.started
  return { fake, app, env, logs, socket }
}

describe('the desktop app', () => {
  it('runs the OpenTelemetry receiver: a Claude Code event posted to it reaches the tray', async () => {
    const { fake, app, logs } = await launch({ otlp: { port: 0 } })
    const url = app.engine.otlp?.url ?? ''
    expect(logs).toContain(`OpenTelemetry receiver on ${url}`)
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  attributes: [
                    ['event.name', { stringValue: 'api_request' }],
                    ['request_id', { stringValue: 'req_tray' }],
                    ['model', { stringValue: 'claude-sonnet-4-5' }],
                    ['input_tokens', { intValue: 100000 }],
                    ['output_tokens', { intValue: 20000 }],
                  ].map(([key, value]) => ({ key, value })),
                },
              ],
            },
          ],
        },
      ],
    })
    const r = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(r.status).toBe(200)
    // $3 / $15 per million: 0.30 + 0.30.
    await waitFor(() => (fake.tray().tooltip?.startsWith('Token Watch\nToday $0.60') ? true : undefined), 2000, 'tray update')
    await app.engine.updateSettings({ otlpEnabled: false })
    expect(app.engine.otlp).toBeUndefined()
  })

  it('4318 taken (here: a port the test holds, standing in for it): a notification and the log say so, and it listens on the settings port', async () => {
    const taken = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()))
    const busy = (taken.address() as AddressInfo).port
    try {
      const env = engineEnv()
      // The settings' port when the default is taken: 0, any free one (a fixed one could be another test's).
      mkdirSync(env.TOKENWATCH_HOME, { recursive: true })
      writeFileSync(join(env.TOKENWATCH_HOME, 'settings.json'), JSON.stringify({ otlpPort: 0 }))
      const { fake, app, logs } = await launch({ env, otlp: { defaultPort: busy } })
      const url = app.engine.otlp?.url ?? ''
      expect(app.engine.otlp?.fellBackFrom).toBe(busy)
      expect(url).not.toBe(`http://127.0.0.1:${busy}`)
      expect(fake.notifications).toEqual([
        {
          title: `OpenTelemetry port ${busy} is taken`,
          body: `Token Watch receives on ${url} instead: point agents there (Settings → Connect an agent).`,
        },
      ])
      expect(logs).toContain(`OTLP port ${busy} is taken (another collector?): receiving on ${url} instead; point agents there`)
      // The Sources panel's otlp card says it too.
      const otlp = (await app.api.sourceStatus()).find((s) => s.source === 'otlp')
      expect(otlp).toMatchObject({ location: url, portTaken: busy })
    } finally {
      await new Promise((r) => taken.close(r))
    }
  })

  it('starts the engine, socket, tray and window in the per-user data folder', async () => {
    const { fake, app, env, socket } = await launch()
    expect(fake.app.paths.get('userData')).toBe(env.TOKENWATCH_HOME)
    expect(app.engine.store.path).toBe(join(env.TOKENWATCH_HOME, 'tokenwatch.db'))
    expect(app.engine.watching).toBe(true)
    expect(socket.opened).toEqual([{ path: join(env.TOKENWATCH_HOME, 'ingest.sock'), writer: app.engine.writer, userId: 'tester' }])
    expect(fake.windows).toHaveLength(1)
    expect(fake.windows[0]?.loaded).toEqual({ file: PAGE })
    // Every method for this machine, my machines and the team, and the two scopes' watch channels.
    expect(fake.ipcMain.handlers.size).toBe(API_METHODS.length * 3 + 2)
    expect(fake.ipcMain.handlers.has('api:team:report') && fake.ipcMain.handlers.has('api:machines:watch')).toBe(true)
    expect(fake.session.headersListener).toBeDefined()
    const tray = fake.tray()
    expect(tray.tooltip).toBe('Token Watch\nToday $0.00 · 0 tokens')
    await app.engine.writer.submit([usage('a', Date.now())])
    await waitFor(() => (tray.tooltip?.startsWith('Token Watch\nToday $0.60') ? true : undefined), 1000, 'tray update')
    expect((tray.image as FakeImage).reps.map((r) => readBadge(readPng(r.buffer as Buffer)))).toEqual(['$.60', '$0.60'])
  })

  it('badges usage pushed through the real ingest socket within a second of the report', async () => {
    const { fake, app } = await launch({ platform: 'darwin', realSocket: true })
    const sent = Date.now()
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(app.engine.paths.socket)
      let got = ''
      s.on('error', reject)
      s.on('data', (d) => {
        got += d.toString()
        if (got.includes('\n')) {
          s.end()
          resolve(got.trim())
        }
      })
      s.write(JSON.stringify({ id: 'r1', agentId: 'my-agent', model: 'claude-sonnet-4-5', input: 100_000, output: 20_000 }) + '\n')
    })
    expect(JSON.parse(reply)).toMatchObject({ ok: true, id: 'r1' })
    await waitFor(() => (fake.tray().title === '$0.60' ? true : undefined), 1000, 'title $0.60')
    expect(Date.now() - sent).toBeLessThan(1000)
  })

  it('keeps running in the tray when the window closes, and reopens it from the tray', async () => {
    const { fake } = await launch()
    fake.windows[0]?.close()
    fake.app.emitter.emit('window-all-closed')
    expect(fake.app.quitted).toBe(false)
    fake.tray().menu?.item('Open dashboard').click?.()
    expect(fake.windows).toHaveLength(2)
  })

  it('starts hidden at login, and a second launch opens the window', async () => {
    const { fake } = await launch({ argv: ['/opt/tw/token-watch', '--hidden'], platform: 'win32' })
    expect(fake.app.appUserModelId).toBe('dev.tokenwatch.app')
    expect(fake.windows).toHaveLength(0)
    fake.app.emitter.emit('second-instance')
    expect(fake.windows).toHaveLength(1)
  })

  it('knows a login launch: --hidden anywhere, or macOS saying it opened the app at login', () => {
    const atLogin = { getLoginItemSettings: () => ({ wasOpenedAtLogin: true }) }
    const manual = { getLoginItemSettings: () => ({ wasOpenedAtLogin: false }) }
    expect(startsHidden(['/x', '--hidden'], 'win32', manual)).toBe(true)
    expect(startsHidden(['/x'], 'darwin', atLogin)).toBe(true)
    expect(startsHidden(['/x'], 'darwin', manual)).toBe(false)
    expect(startsHidden(['/x'], 'linux', atLogin)).toBe(false)
  })

  it('quits at once when another instance holds the lock', async () => {
    const fake = fakeElectron()
    fake.app.lock = false
    const env = engineEnv()
    const app = await runApp({
      electron: fake.electron,
      env,
      platform: 'linux',
      argv: [],
      execPath: '/x',
      paths: { preload: '', page: { file: PAGE }, trayTemplate: '', appIcon: '' },
      log: () => {},
    })
    expect(app).toBeUndefined()
    expect(fake.app.quitted).toBe(true)
    expect(fake.trays).toHaveLength(0)
    expect(existsSync(join(env.TOKENWATCH_HOME, 'tokenwatch.db'))).toBe(false)
  })

  it('Pause/Resume in the tray toggles watching and saves the setting', async () => {
    const { fake, app, env } = await launch()
    const settingsFile = join(env.TOKENWATCH_HOME, 'settings.json')
    fake.tray().menu?.item('Pause watching').click?.()
    await waitFor(() => (app.engine.watching ? undefined : true), 2000, 'paused')
    await waitFor(() => (fake.tray().menu?.labels().includes('Resume watching') ? true : undefined), 1000, 'Resume label')
    expect(JSON.parse(readFileSync(settingsFile, 'utf8')).paused).toBe(true)
    expect(fake.tray().tooltip).toBe('Token Watch\nToday $0.00 · 0 tokens\nWatching paused')
    fake.tray().menu?.item('Resume watching').click?.()
    await waitFor(() => (app.engine.watching ? true : undefined), 2000, 'watching again')
    expect(JSON.parse(readFileSync(settingsFile, 'utf8')).paused).toBe(false)
  })

  it('Quit stops the engine, socket, tray and IPC cleanly, then quits', async () => {
    const { fake, app, socket } = await launch()
    fake.tray().menu?.item('Quit Token Watch').click?.()
    expect(fake.app.quitted).toBe(false) // held back until everything has stopped
    await app.stopped
    expect(fake.app.quitted).toBe(true)
    expect(app.engine.store.db.open).toBe(false)
    expect(app.engine.watching).toBe(false)
    expect(socket.closed).toBe(1)
    expect(fake.tray().destroyed).toBe(true)
    expect(fake.ipcMain.handlers.size).toBe(0)
    expect(fake.app.quitCalls).toBe(2)
  })

  it('applies settings from the window: launch at login and the budget colour', async () => {
    const { fake, env } = await launch()
    const w = fake.windows[0]
    if (!w) throw new Error('no window')
    const call = (arg: unknown) => fake.ipcMain.invoke('api:setSettings', ipcEvent(w.webContents, `file://${PAGE}`), arg)
    expect(await call({ launchAtLogin: true, dailyBudgetUsd: 2 })).toMatchObject({
      ok: true,
      result: { launchAtLogin: true, dailyBudgetUsd: 2 },
    })
    expect(readFileSync(join(env.XDG_CONFIG_HOME as string, 'autostart', 'token-watch.desktop'), 'utf8')).toContain(
      'Exec=/usr/bin/electron /app --hidden\n',
    )
    expect(fake.tray().tooltip).toBe('Token Watch\nToday $0.00 · 0 tokens\nBudget: 0% of $2.00')
    await call({ launchAtLogin: false })
    expect(existsSync(join(env.XDG_CONFIG_HOME as string, 'autostart', 'token-watch.desktop'))).toBe(false)
  })

  it("exports today's figures from the tray through the save dialog", async () => {
    const { fake, app } = await launch()
    await app.engine.writer.submit([usage('a', Date.now())])
    const path = join(app.engine.dir, 'today.csv')
    fake.saveDialog.answer = { canceled: false, filePath: path }
    fake.tray().menu?.item('Export CSV...').click?.()
    const csv = await waitFor(
      () => (existsSync(path) && readFileSync(path, 'utf8').endsWith('\r\n') ? readFileSync(path, 'utf8') : undefined),
      1000,
      'csv written',
    )
    expect(csv).toBe(
      'model,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens\r\nclaude-sonnet-4-5,100000,20000,0,0,1,0.6,0\r\n',
    )
    expect(fake.errorBoxes).toEqual([])
  })

  it("shows the tray's amounts and tokens in the app's locale (app.getLocale)", async () => {
    const { fake, app } = await launch({ locale: 'de-DE' })
    // 10,000 in ($0.03) + 2,345 out ($0.035175) on claude-sonnet-4-5.
    await app.engine.writer.submit([usage('a', Date.now(), { input: 10_000, output: 2_345 })])
    const tray = fake.tray()
    await waitFor(() => (tray.tooltip?.startsWith('Token Watch\nToday 0,07') ? true : undefined), 1000, 'tray update')
    expect(tray.tooltip).toBe('Token Watch\nToday 0,07\u00a0$ · 12,3k tokens')
    expect(tray.menu?.labels().slice(0, 5)).toEqual([
      'Today: 0,07\u00a0$',
      '12,3k tokens · 1 request',
      '---',
      'Top models today',
      'claude-sonnet-4-5  0,07\u00a0$ · 12,3k',
    ])
  })

  it('tells the window when settings change from the tray, so an open form shows the pause', async () => {
    const { fake } = await launch()
    const w = fake.windows[0]
    if (!w) throw new Error('no window')
    fake.tray().menu?.item('Pause watching').click?.()
    const sent = await waitFor(
      () => (w.webContents.sent.some((m) => m.channel === 'api:change') ? w.webContents.sent : undefined),
      2000,
      'api:change',
    )
    expect(sent.filter((m) => m.channel === 'api:change')).toEqual([
      { channel: 'api:change', args: [{ at: expect.any(Number), settings: true }] },
    ])
    const settings = await fake.ipcMain.invoke('api:getSettings', ipcEvent(w.webContents, `file://${PAGE}`))
    expect(settings).toMatchObject({ ok: true, result: { paused: true } })
  })

  it('adds a log folder only through the native folder dialog, and removes it by index', async () => {
    const { fake, app } = await launch()
    const w = fake.windows[0]
    if (!w) throw new Error('no window')
    const call = (method: string, arg: unknown) => fake.ipcMain.invoke(`api:${method}`, ipcEvent(w.webContents, `file://${PAGE}`), arg)
    // A Claude Code config folder elsewhere, with one transcript: 1,000 in + 500 out on claude-sonnet-4-5.
    const extra = join(tempDir(), 'work-claude')
    mkdirSync(join(extra, 'projects', 'side-project'), { recursive: true })
    const line = {
      type: 'assistant',
      timestamp: new Date().toISOString(),
      sessionId: 'side-1',
      cwd: '/work/side',
      requestId: 'req_side_1',
      message: {
        id: 'msg_side_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        usage: { input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      },
    }
    writeFileSync(join(extra, 'projects', 'side-project', 'side-1.jsonl'), JSON.stringify(line) + '\n')

    // Dismissed: nothing changes.
    fake.openDialog.answer = { canceled: true, filePaths: [] }
    expect(await call('addLogFolder', { kind: 'claude-code' })).toEqual({
      ok: true,
      result: { ok: false, cancelled: true, error: 'No folder chosen' },
    })
    expect(fake.openDialogCalls).toHaveLength(1)
    expect(fake.openDialogCalls[0]?.parent).toBe(w)
    expect(fake.openDialogCalls[0]?.options.properties).toContain('openDirectory')
    expect(app.engine.settings.logFolders['claude-code']).toEqual([])

    // A folder: checked, saved, scanned; its usage is in the store when the call answers.
    fake.openDialog.answer = { canceled: false, filePaths: [extra] }
    const added = await call('addLogFolder', { kind: 'claude-code' })
    expect(added).toMatchObject({
      ok: true,
      result: { ok: true, path: extra, settings: { logFolders: { 'claude-code': [extra], codex: [] } } },
    })
    const totals = (await app.api.report({ tz: 'UTC', groupBy: [] })).totals
    expect([totals.input, totals.output, totals.requests]).toEqual([1000, 500, 1])
    expect((await app.api.dimensions()).projects).toEqual(['/work/side'])

    // The same folder again, or a file: refused with the reason, settings untouched.
    expect(await call('addLogFolder', { kind: 'claude-code' })).toEqual({
      ok: true,
      result: { ok: false, cancelled: false, error: `${extra} is already watched` },
    })
    const file = join(extra, 'projects', 'side-project', 'side-1.jsonl')
    fake.openDialog.answer = { canceled: false, filePaths: [file] }
    expect(await call('addLogFolder', { kind: 'codex' })).toEqual({
      ok: true,
      result: { ok: false, cancelled: false, error: `${file} is not a folder` },
    })
    expect(app.engine.settings.logFolders.codex).toEqual([])

    // The window can never name a folder itself.
    expect(await call('setSettings', { claudeConfigDirs: ['/etc'] })).toEqual({
      ok: false,
      error: 'log folders are added with the folder dialog (addLogFolder) and removed by index (removeLogFolder)',
    })
    expect(await call('addLogFolder', { kind: 'claude-code', path: '/etc' })).toEqual({ ok: false, error: 'arg.path: unknown field' })
    expect(await call('addLogFolder', { kind: 'gemini' })).toEqual({ ok: false, error: 'arg.kind: unknown log folder kind "gemini"' })
    expect(await call('removeLogFolder', { kind: 'claude-code', index: 1.5 })).toEqual({
      ok: false,
      error: 'arg.index: must be a whole number',
    })
    expect(await call('removeLogFolder', { kind: 'claude-code', index: 3 })).toEqual({
      ok: false,
      error: 'logFolders.claude-code has no entry 3',
    })

    expect(await call('removeLogFolder', { kind: 'claude-code', index: 0 })).toMatchObject({
      ok: true,
      result: { logFolders: { 'claude-code': [] } },
    })

    // The my-machines folder, picked in the dialog too: a folder is set (this machine writes its file there), a file is refused.
    const sync = join(tempDir(), 'Sync')
    mkdirSync(sync)
    fake.openDialog.answer = { canceled: false, filePaths: [file] }
    expect(await call('pickMachinesFolder', undefined)).toEqual({
      ok: true,
      result: { ok: false, cancelled: false, error: `${file} is not a folder` },
    })
    fake.openDialog.answer = { canceled: false, filePaths: [sync] }
    expect(await call('pickMachinesFolder', undefined)).toMatchObject({
      ok: true,
      result: { ok: true, path: sync, settings: { machinesFolder: sync } },
    })
    expect(fake.openDialogCalls.at(-1)?.options.title).toMatch(/^My machines/)
    expect(app.engine.settings.machinesFolder).toBe(sync)
    await waitFor(
      () => (readdirSync(sync).some((n) => /^tokenwatch-[0-9a-f-]{36}\.json$/.test(n)) ? true : undefined),
      10_000,
      'machine file',
    )
    expect(await call('pickMachinesFolder', { path: '/etc' })).toEqual({ ok: false, error: 'arg: this method takes no argument' })
    expect(JSON.parse(readFileSync(join(app.engine.dir, 'settings.json'), 'utf8')).logFolders['claude-code']).toEqual([])
  })

  it('runs without the push socket when another process holds it', async () => {
    const { app, logs, env } = await launch({ socketFails: true })
    expect(logs).toEqual([
      `push socket not started: Token Watch is already running (socket ${join(env.TOKENWATCH_HOME, 'ingest.sock')} answers); stop that instance first`,
    ])
    expect(app.engine.watching).toBe(true)
  })

  it('explains and quits when the engine cannot open its data', async () => {
    const env = engineEnv()
    mkdirSync(env.TOKENWATCH_HOME, { recursive: true })
    writeFileSync(join(env.TOKENWATCH_HOME, 'settings.json'), '{ not json')
    const fake = fakeElectron()
    const app = await runApp({
      electron: fake.electron,
      env,
      platform: 'linux',
      argv: [],
      execPath: '/x',
      paths: { preload: '', page: { file: PAGE }, trayTemplate: '', appIcon: '' },
      log: () => {},
    })
    expect(app).toBeUndefined()
    expect(fake.errorBoxes).toEqual([
      { title: 'Token Watch could not start', content: `settings file ${join(env.TOKENWATCH_HOME, 'settings.json')} is not valid JSON` },
    ])
    expect(fake.app.quitted).toBe(true)
  })
})
