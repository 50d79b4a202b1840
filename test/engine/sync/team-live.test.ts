import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Report } from '../../../src/shared/contract'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { runReport } from '../../../src/engine/query/report'
import { setMachineName } from '../../../src/engine/store/changes'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { writeMachineFile } from '../../../src/engine/sync/folder-sink'
import { createFolderApi } from '../../../src/engine/sync/folder-api'
import { syncToPostgres } from '../../../src/engine/sync/pg-sink'
import { createTeamApi } from '../../../src/engine/sync/team-api'
import { startWebServer, type WebServer } from '../../../src/engine/web/server'
import { startPostgres, type TestPostgres } from '../../helpers/postgres'
import { eventually } from '../../helpers/eventually'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'
import { liveSetup } from '../live/support'
import { Engine } from '../../../src/engine/live/engine'
import { createEngineApi } from '../../../src/engine/api'
import { createScopedApis } from '../../../src/engine/scoped-api'
import { machineIdentity } from '../../../src/engine/store/changes'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const Q = 15 * 60_000
let pgs: TestPostgres

beforeAll(async () => {
  pgs = await startPostgres()
}, 180_000)

afterAll(async () => {
  await pgs?.destroy()
})

function machine(name: string): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  setMachineName(store, name)
  return store
}

function work(store: Store, prefix: string, n: number, output = 5): void {
  applyBatch(
    store,
    [{ events: Array.from({ length: n }, (_, i) => event(`${prefix}-${i}`, T0 + i * Q, { userId: 'ana', input: 10 + i, output })) }],
    () => 1_000_000,
  )
}

/** A real SSE connection to the server: collects the change events it receives. */
function listen(server: WebServer, path = '/api/events'): { events: string[]; close(): void; connected: Promise<void> } {
  const events: string[] = []
  let ready!: () => void
  const connected = new Promise<void>((r) => (ready = r))
  const req = request(
    { host: '127.0.0.1', port: server.port, path: `${path}?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } },
    (res) => {
      res.setEncoding('utf8')
      let text = ''
      res.on('data', (c: string) => {
        text += c
        if (text.includes(': connected')) ready()
        for (;;) {
          const i = text.indexOf('event: change\n')
          if (i < 0) break
          const end = text.indexOf('\n\n', i)
          if (end < 0) break
          events.push(text.slice(i, end))
          text = text.slice(end + 2)
        }
      })
    },
  )
  req.on('error', () => undefined)
  req.end()
  return { events, connected, close: () => req.destroy() }
}

/** Reads `get` until it answers `want` (15 s at most; errors meanwhile count as not yet). */
async function untilEqual(get: () => Promise<unknown>, want: unknown): Promise<void> {
  const end = Date.now() + 15_000
  let got: unknown
  for (;;) {
    got = await get().catch((e: Error) => e.message)
    if (JSON.stringify(got) === JSON.stringify(want)) return
    if (Date.now() > end) expect(got).toEqual(want)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function call<T>(server: WebServer, path: string, arg?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-token': server.token },
    body: JSON.stringify(arg === undefined ? {} : { arg }),
  })
  const body = (await res.json()) as { ok: boolean; result?: T; error?: string }
  if (!body.ok) throw new Error(body.error)
  return body.result as T
}

describe("live change events over several machines' data", () => {
  it("serve --team's API: a dashboard listening over SSE hears each other machine's sync (and not a sync that changed nothing), and the report it then reads has that machine's figures", async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const north = machine('north')
    const south = machine('south')
    const polls: (string | null)[] = []
    const api = createTeamApi(pgs.url, { pollMs: 40, onPoll: (v) => polls.push(v) })
    const server = await startWebServer({ api, staticDir: tempDir(), port: 0 })
    const sse = listen(server)
    try {
      await sse.connected
      const pollsAfter = async (n: number) => {
        const at = polls.length
        await eventually(() => expect(polls.length).toBeGreaterThanOrEqual(at + n), 10_000)
      }
      // Before any sync there is no schema yet: the baseline is "none".
      await pollsAfter(1)
      expect(polls.at(-1)).toBe('none')
      const report = () => call<Report>(server, '/api/report', { tz: 'UTC', groupBy: ['machine'] })

      work(north, 'n', 12)
      await syncToPostgres(north, pgs.url, { projects: 'basename' })
      await eventually(() => expect(sse.events).toHaveLength(1), 10_000)
      expect((await report()).rows.map((r) => [r.machine, r.requests])).toEqual([['north', 12]])

      work(south, 's', 7)
      await syncToPostgres(south, pgs.url, { projects: 'basename' })
      await eventually(() => expect(sse.events).toHaveLength(2), 10_000)
      // The cache was dropped on the change: the very next read has south.
      const both = await report()
      expect(both.rows.map((r) => [r.machine, r.requests])).toEqual([
        ['north', 12],
        ['south', 7],
      ])
      const local = [north, south].map((s) => runReport(s, { tz: 'UTC', groupBy: [] }).totals)
      expect(both.totals.requests).toBe((local[0]?.requests ?? 0) + (local[1]?.requests ?? 0))
      expect(both.totals.output).toBe((local[0]?.output ?? 0) + (local[1]?.output ?? 0))

      // A sync with nothing new is no change: two more polls, still two events.
      expect((await syncToPostgres(north, pgs.url, { projects: 'basename' })).sent).toBe(0)
      await pollsAfter(2)
      expect(sse.events).toHaveLength(2)

      // A correction on north (bigger output for the same requests) is a change, and the figures follow.
      work(north, 'n', 12, 50)
      await syncToPostgres(north, pgs.url, { projects: 'basename' })
      await eventually(() => expect(sse.events).toHaveLength(3), 10_000)
      expect((await report()).rows.find((r) => r.machine === 'north')?.output).toBe(
        runReport(north, { tz: 'UTC', groupBy: [] }).totals.output,
      )

      // The server stopped: polls fail quietly (no event); back up with a new sync: one event.
      await pgs.stop()
      await pollsAfter(2)
      expect(polls.at(-1)).toBeNull()
      await pgs.start()
      work(south, 's2', 3)
      await syncToPostgres(south, pgs.url, { projects: 'basename' })
      await eventually(() => expect(sse.events).toHaveLength(4), 15_000)
      expect((await report()).rows.map((r) => [r.machine, r.requests])).toEqual([
        ['north', 12],
        ['south', 10],
      ])
    } finally {
      sse.close()
      await server.close()
      await api.close()
      north.close()
      south.close()
    }
  }, 60_000)

  it('polls only while someone listens', async () => {
    const polls: (string | null)[] = []
    const api = createTeamApi(pgs.url, { pollMs: 20, onPoll: (v) => polls.push(v) })
    try {
      const off = api.onChange(() => undefined)
      await eventually(() => expect(polls.length).toBeGreaterThanOrEqual(2))
      off()
      const n = polls.length
      // At most the poll already in flight finishes after the last listener left.
      await new Promise((r) => setTimeout(r, 150))
      expect(polls.length).toBeLessThanOrEqual(n + 1)
    } finally {
      await api.close()
    }
  })

  it("my machines (the synced folder): a dashboard hears another machine's new file and this machine's own commits; a half-written file is no state", async () => {
    const dir = tempDir()
    const laptop = machine('laptop')
    const desktop = machine('desktop')
    work(laptop, 'l', 4)
    const api = createFolderApi({ store: () => laptop, dir, projects: () => 'basename' }, { pollMs: 30 })
    const events: number[] = []
    const off = api.onChange((e) => events.push(e.at))
    try {
      const byMachine = async () => (await api.report({ tz: 'UTC', groupBy: ['machine'] })).rows.map((r) => [r.machine, r.requests])
      expect(await byMachine()).toEqual([['laptop', 4]])
      await new Promise((r) => setTimeout(r, 100))
      expect(events).toHaveLength(0)
      work(desktop, 'd', 9)
      writeMachineFile(desktop, dir, 'basename')
      await eventually(() => expect(events).toHaveLength(1))
      expect(await byMachine()).toEqual([
        ['desktop', 9],
        ['laptop', 4],
      ])
      work(laptop, 'l2', 2)
      await eventually(() => expect(events).toHaveLength(2))
      expect(await byMachine()).toEqual([
        ['desktop', 9],
        ['laptop', 6],
      ])
      // A sync tool's half-written copy: a new file (an event), but the view keeps each machine's newest complete state.
      writeFileSync(join(dir, 'tokenwatch-00000000-0000-0000-0000-000000000000.json'), '{"format":"tokenwatch-machine","ver')
      await eventually(() => expect(events).toHaveLength(3))
      expect(await byMachine()).toEqual([
        ['desktop', 9],
        ['laptop', 6],
      ])
      expect(await api.dataSources()).toEqual([{ scope: 'machines', label: 'My machines', detail: dir }])
    } finally {
      off()
      await api.close()
      laptop.close()
      desktop.close()
    }
  })

  it('one server, three scopes: this machine at /api/…, my machines at /api/machines/…, the team at /api/team/…, each with its change stream; the scopes follow the settings', async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const s = liveSetup()
    const folder = tempDir()
    const engine = await Engine.open({ env: s.env, watch: false, autoBackup: false, log: () => undefined })
    const other = machine('desktop')
    const scopesOf = () => call<{ scope: string; label: string; detail: string }[]>(server, '/api/dataSources')
    const local = createEngineApi(engine)
    const scopes = createScopedApis(engine, local, { pollMs: 30 })
    const server = await startWebServer({ api: local, scoped: (sc) => scopes.get(sc), staticDir: tempDir(), port: 0 })
    try {
      await engine.start()
      applyBatch(engine.store, [{ events: [event('me-1', T0, { userId: 'ana', input: 3, output: 4 })] }], () => 1000)
      const me = machineIdentity(engine.store).name
      expect(await scopesOf()).toEqual([{ scope: 'local', label: 'This machine', detail: me }])
      const byMachine = (path: string) =>
        call<Report>(server, path, { tz: 'UTC', groupBy: ['machine'] }).then((r) => r.rows.map((x) => [x.machine, x.requests]))
      expect(await byMachine('/api/report')).toEqual([[me, 1]])
      // Not set up yet: a clear error, not someone else's data.
      await expect(byMachine('/api/team/report')).rejects.toThrow(
        'no team database is set (Settings → Team and my machines, or TOKENWATCH_TEAM_URL)',
      )
      await expect(byMachine('/api/machines/report')).rejects.toThrow('no "my machines" folder is set')
      const bad = await fetch(`http://127.0.0.1:${server.port}/api/elsewhere/report`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tokenwatch-token': server.token },
        body: '{}',
      })
      expect([bad.status, await bad.json()]).toEqual([404, { ok: false, error: 'unknown data scope "elsewhere"' }])

      const teamEvents = listen(server, '/api/team/events')
      await teamEvents.connected
      await engine.updateSettings({ teamUrl: pgs.url, machinesFolder: folder })
      expect(await scopesOf()).toEqual([
        { scope: 'local', label: 'This machine', detail: me },
        { scope: 'machines', label: 'My machines', detail: folder },
        { scope: 'team', label: 'Team', detail: pgs.url },
      ])
      // The engine syncs this machine to both; the other machine syncs to the team and writes its file.
      work(other, 'd', 5)
      await syncToPostgres(other, pgs.url, { projects: 'basename' })
      writeMachineFile(other, folder, 'basename')
      await untilEqual(
        () => byMachine('/api/team/report'),
        [
          ['desktop', 5],
          [me, 1],
        ].sort(),
      )
      expect(await byMachine('/api/machines/report')).toEqual(
        [
          ['desktop', 5],
          [me, 1],
        ].sort(),
      )
      // The team stream subscribed before the URL was set follows it, and hears the other machine's next sync.
      const heard = teamEvents.events.length
      work(other, 'd2', 2)
      await syncToPostgres(other, pgs.url, { projects: 'basename' })
      await eventually(() => expect(teamEvents.events.length).toBeGreaterThan(heard), 15_000)
      await untilEqual(
        () => byMachine('/api/team/report'),
        [
          ['desktop', 7],
          [me, 1],
        ].sort(),
      )
      // Renamed from a dashboard: the scopes' label says so, the team and the folder follow at once.
      expect(await call(server, '/api/setMachineName', { name: 'laptop-2' })).toEqual([
        { scope: 'local', label: 'This machine', detail: 'laptop-2' },
        { scope: 'machines', label: 'My machines', detail: folder },
        { scope: 'team', label: 'Team', detail: pgs.url },
      ])
      await untilEqual(
        () => byMachine('/api/team/report'),
        [
          ['desktop', 7],
          ['laptop-2', 1],
        ],
      )
      expect(await byMachine('/api/machines/report')).toEqual([
        ['desktop', 5],
        ['laptop-2', 1],
      ])
      expect(await byMachine('/api/report')).toEqual([['laptop-2', 1]])
      await expect(call(server, '/api/setMachineName', { name: 'x'.repeat(201) })).rejects.toThrow('arg.name: at most 200 characters')
      await expect(call(server, '/api/team/setMachineName', { name: 'y' })).rejects.toThrow('a machine is renamed on that machine')
      teamEvents.close()
      await engine.updateSettings({ teamUrl: '' })
      await expect(byMachine('/api/team/report')).rejects.toThrow('no team database is set')
    } finally {
      await server.close()
      await scopes.close()
      await engine.stop()
      other.close()
    }
  }, 60_000)
})
