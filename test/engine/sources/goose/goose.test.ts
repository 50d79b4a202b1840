import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { gooseDataDirs } from '../../../../src/engine/sources/goose/source'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { sourceStatus } from '../../../../src/engine/query/source-status'
import { eventually } from '../../../helpers/eventually'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { GooseDb } from './support'

const T0 = Date.parse('2026-06-20T10:00:00Z')

function setup(fixture?: string) {
  const dir = tempDir()
  const agent = new GooseDb(join(dir, 'goose-root', 'data', 'sessions', 'sessions.db'), fixture)
  const storePath = join(dir, 'tw.db')
  let store = openStore(storePath)
  const sources = createLogSources({ env: { GOOSE_PATH_ROOT: join(dir, 'goose-root') }, home: dir }).filter((s) => s.id === 'goose')
  return {
    dir,
    agent,
    sources,
    get store(): Store {
      return store
    },
    scan: () => scanLogs(store, sources, () => null, { userId: 'u' }),
    reopen() {
      store.close()
      store = openStore(storePath)
    },
    rows: () =>
      store.db.prepare(`SELECT key, ts, model, project, session_id AS session, input, output FROM usage_events ORDER BY ts, key`).all(),
  }
}

describe('goose: sessions.db running totals, read-only by a cursor in our store', () => {
  it('ccusage fixture: input 100, output 50 + 30 reasoning, on its created_at (that schema has no updated_at)', async () => {
    const t = setup('ccusage_goose_loader_rs.sql')
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'goose:session-a:100:50:30',
        ts: Date.parse('2026-05-01T01:02:03Z'),
        model: 'claude-sonnet-4-20250514',
        project: '',
        session: 'session-a',
        input: 100,
        output: 80,
      },
    ])
    t.agent.close()
  })

  it("Goose's own schema: the session's running totals at its updated_at; an unanswered session is no request", async () => {
    const t = setup()
    await t.scan()
    expect(t.rows()).toEqual([
      {
        key: 'goose:20260612_1:2100:240:60',
        ts: Date.parse('2026-06-12T09:41:07Z'),
        model: 'gpt-5',
        project: '/home/dev/app',
        session: '20260612_1',
        input: 2100,
        output: 300,
      },
    ])
    t.agent.close()
  })

  it('a row updated in place adds only its growth, stamped at each update; a restart reads nothing twice', async () => {
    const t = setup()
    t.agent.session('s1', T0)
    t.agent.reply('s1', T0 + 5 * 60_000, 1000, 100)
    await t.scan()
    t.agent.reply('s1', T0 + 70 * 60_000, 1500, 50, 10)
    await t.scan()
    // Two replies within one second of the last read: the pass ends at that second and reads it again.
    t.agent.reply('s1', T0 + 70 * 60_000, 1, 1)
    const s = await t.scan()
    expect(s.errors).toEqual([])
    const hours = runReport(t.store, { tz: 'UTC', groupBy: ['hour'], sources: ['goose'] }).rows.map((r) => [r.hour, r.input, r.output])
    // The fixture's own session (2026-06-12) first, then s1's three increments by the hour they happened.
    expect(hours).toEqual([
      ['2026-06-12T09:00', 2100, 300],
      ['2026-06-20T10:00', 1000, 100],
      ['2026-06-20T11:00', 1501, 61],
    ])
    t.reopen()
    expect((await t.scan()).events).toBe(0)
    t.agent.reply('s1', T0 + 80 * 60_000, 0, 0)
    expect((await t.scan()).events).toBe(0)
    expect(ledgerTotals(t.store)).toMatchObject({ input: 2100 + 2501, output: 300 + 161, requests: 4 })
    expectAggregatesMatchLedger(t.store)
    t.agent.close()
  })

  it('bad rows are skipped and counted by reason; the others count', async () => {
    const t = setup()
    t.agent.session('neg', T0)
    t.agent.db.prepare('UPDATE sessions SET accumulated_input_tokens = -5, updated_at = ? WHERE id = ?').run('2026-06-20 10:01:00', 'neg')
    t.agent.session('frac', T0)
    t.agent.db
      .prepare('UPDATE sessions SET accumulated_output_tokens = 1.5, updated_at = ? WHERE id = ?')
      .run('2026-06-20 10:02:00', 'frac')
    t.agent.session('when', T0)
    t.agent.db
      .prepare("UPDATE sessions SET accumulated_input_tokens = 4, updated_at = 'soon', created_at = 'later' WHERE id = ?")
      .run('when')
    t.agent.session('old', T0)
    t.agent.db.prepare("UPDATE sessions SET accumulated_input_tokens = 4, updated_at = '1999-01-01 00:00:00' WHERE id = ?").run('old')
    t.agent.session('ok', T0)
    t.agent.reply('ok', T0 + 60_000, 7, 3)
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'bad-field': 3, 'implausible-time': 1 })
    expect(ledgerTotals(t.store)).toMatchObject({ input: 2107, output: 303, requests: 2 })
    const status = sourceStatus(t.store, t.sources, {})[0]
    expect([status?.found, status?.files, status?.skipReasons]).toEqual([true, 1, { 'bad-field': 3, 'implausible-time': 1 }])
    t.agent.close()
  })

  it('never writes or locks the agent database: Goose writes on while we read, its file is untouched', async () => {
    const t = setup()
    t.agent.session('s1', T0)
    t.agent.reply('s1', T0, 10, 10)
    t.agent.db.exec('BEGIN IMMEDIATE')
    t.agent.reply('s1', T0 + 1000, 5, 5)
    const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
    const before = hash(t.agent.path)
    await t.scan()
    expect(hash(t.agent.path)).toBe(before)
    t.agent.db.exec('COMMIT')
    expect(ledgerTotals(t.store)).toMatchObject({ input: 2110, output: 310 })
    await t.scan()
    expect(ledgerTotals(t.store)).toMatchObject({ input: 2115, output: 315 })
    t.agent.close()
  })

  it('default locations per OS, GOOSE_PATH_ROOT and XDG_DATA_HOME', () => {
    expect(gooseDataDirs({ env: {}, home: '/h' }, 'linux')).toEqual(['/h/.local/share/goose', '/h/.local/share/Block/goose'])
    expect(gooseDataDirs({ env: { XDG_DATA_HOME: '/x' }, home: '/h' }, 'linux')[0]).toBe('/x/goose')
    expect(gooseDataDirs({ env: {}, home: '/h' }, 'darwin')).toEqual([
      '/h/.local/share/goose',
      '/h/Library/Application Support/goose',
      '/h/Library/Application Support/Block/goose',
    ])
    expect(gooseDataDirs({ env: { APPDATA: 'C:/Users/u/AppData/Roaming' }, home: 'C:/Users/u' }, 'win32')).toEqual([
      'C:/Users/u/AppData/Roaming/Block/goose/data',
      'C:/Users/u/AppData/Roaming/Block/goose',
    ])
    expect(gooseDataDirs({ env: { GOOSE_PATH_ROOT: '/g' }, home: '/h' }, 'linux')).toEqual(['/g/data'])
  })

  it('live: a reply Goose records while the engine runs is counted within a second (a WAL-only commit wakes it)', async () => {
    const dir = tempDir()
    const agent = new GooseDb(join(dir, 'share', 'goose', 'sessions', 'sessions.db'))
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, XDG_DATA_HOME: join(dir, 'share') } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['goose'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([1, 2100, 300])
      agent.session('live', Date.now())
      agent.reply('live', Date.now(), 40, 2)
      await eventually(() => expect([totals().requests, totals().input, totals().output]).toEqual([2, 2140, 302]), 3000)
    } finally {
      await engine.stop()
      agent.close()
    }
  })
})

interface CcusageDay {
  date: string
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheCreationTokens: number
  totalTokens: number
}

describe('goose: day totals against ccusage 20.0.24 (`ccusage goose daily --json --offline --timezone UTC`)', () => {
  for (const fixture of ['ccusage_goose_loader_rs', 'goose_sessions_db']) {
    it(`${fixture}: the same input per day; ccusage's totalTokens (which carries the reasoning apart) is our input + output`, async () => {
      const t = setup(`${fixture}.sql`)
      await t.scan()
      const ours = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['goose'] }).rows
      const theirs = (
        JSON.parse(readFileSync(join(FIXTURES, 'goose', `ccusage_20.0.24_goose_daily.${fixture}.json`), 'utf8')) as { daily: CcusageDay[] }
      ).daily
      expect(ours.map((r) => [r.day, r.input, r.cacheRead, r.cacheWrite, r.input + r.output + r.cacheRead + r.cacheWrite])).toEqual(
        theirs.map((d) => [d.date, d.inputTokens, d.cacheReadTokens, d.cacheCreationTokens, d.totalTokens]),
      )
      t.agent.close()
    })
  }
})

describe('goose: folders added in Settings', () => {
  it('a sessions folder added in Settings is read besides the default ones', async () => {
    const dir = tempDir()
    const agent = new GooseDb(join(dir, 'profile', 'sessions.db'))
    agent.close()
    const sources = createLogSources({ folders: { goose: [join(dir, 'profile')] }, env: {}, home: dir }).filter((s) => s.id === 'goose')
    expect(sources[0]?.roots()).toContain(join(dir, 'profile'))
    const store = openStore(join(dir, 'tw.db'))
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(ledgerTotals(store)).toMatchObject({ input: 2100, output: 300, requests: 1 })
    store.close()
  })
})

describe('goose: a clock set back, and rows read again', () => {
  it('an update stamped before the cursor (the clock set back) is still read; bad rows already counted are not counted again', async () => {
    const t = setup()
    t.agent.session('a', T0)
    t.agent.reply('a', T0 + 30 * 60_000, 100, 10)
    t.agent.session('bad', T0)
    t.agent.db.prepare("UPDATE sessions SET accumulated_input_tokens = -1, updated_at = ? WHERE id = 'bad'").run('2026-06-20 10:20:00')
    expect((await t.scan()).skipReasons).toEqual({ 'bad-field': 1 })
    // The clock went back 10 minutes: Goose stamps b's reply before what we last read.
    t.agent.session('b', T0)
    t.agent.reply('b', T0 + 20 * 60_000, 7, 3)
    const s = await t.scan()
    expect(s.skipReasons).toEqual({})
    expect(ledgerTotals(t.store)).toMatchObject({ input: 2100 + 107, output: 300 + 13, requests: 3 })
    const files = sourceStatus(t.store, t.sources, {})[0]
    expect(files?.skipReasons).toEqual({ 'bad-field': 1 })
    t.agent.close()
  })
})
