import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { sourceStatus } from '../../../../src/engine/query/source-status'
import { eventually } from '../../../helpers/eventually'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { assistant, fixtureMessage, OpenCodeDb } from './support'

const T0 = Date.parse('2026-03-01T10:00:00Z')

function setup() {
  const dir = tempDir()
  const data = join(dir, 'share')
  const agent = new OpenCodeDb(join(dir, 'share', 'opencode', 'opencode.db'))
  const storePath = join(dir, 'tw.db')
  let store = openStore(storePath)
  const sources = createLogSources({ env: { XDG_DATA_HOME: data }, home: dir }).filter((s) => s.id === 'opencode')
  const t = {
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
  }
  return t
}

describe('opencode: opencode.db read-only, by a cursor in our store', () => {
  it('the fixture message counts once, though message, part and session columns all repeat it', async () => {
    const t = setup()
    t.agent.session('ses_test001')
    t.agent.message('msg_test001', 'ses_test001', fixtureMessage(), 1733011260000)
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(ledgerTotals(t.store)).toEqual({ input: 1000, output: 500, cacheRead: 200, cacheWrite: 100, requests: 1 })
    expect(t.store.db.prepare('SELECT key, model, session_id AS s, ts FROM usage_events').get()).toEqual({
      key: 'opencode:msg_test001',
      model: 'claude-3-5-sonnet-20241022',
      s: 'ses_test001',
      ts: 1733011200000,
    })
    t.agent.close()
  })

  it('an in-flight message (zeros, then partial) completed in place is corrected, never counted twice', async () => {
    const t = setup()
    t.agent.session('s1')
    t.agent.message('m1', 's1', assistant({ created: T0, completed: false }), T0)
    await t.scan()
    expect(ledgerTotals(t.store).requests).toBe(0)
    t.agent.message('m1', 's1', assistant({ created: T0, input: 100, output: 2 }), T0 + 500)
    await t.scan()
    t.agent.message('m1', 's1', assistant({ created: T0, input: 100, output: 70, read: 4000 }), T0 + 900)
    t.agent.message('m2', 's1', assistant({ created: T0 + 60_000, input: 7, output: 3 }), T0 + 61_000)
    const s = await t.scan()
    expect(s.updated).toBe(1)
    expect(ledgerTotals(t.store)).toEqual({ input: 107, output: 73, cacheRead: 4000, cacheWrite: 0, requests: 2 })
    expectAggregatesMatchLedger(t.store)
    t.agent.close()
  })

  it('never writes or locks the agent database: the agent writes on while we read, its file is untouched', async () => {
    const t = setup()
    t.agent.session('s1')
    for (let i = 0; i < 50; i++) t.agent.message(`m${i}`, 's1', assistant({ created: T0 + i * 1000 }), T0 + i * 1000)
    // The agent holds a write transaction open across our read (WAL: readers never block it).
    t.agent.db.exec('BEGIN IMMEDIATE')
    t.agent.message('m-pending', 's1', assistant({ created: T0 + 99_000 }), T0 + 99_000)
    const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
    const before = hash(t.agent.path)
    await t.scan()
    expect(hash(t.agent.path)).toBe(before)
    t.agent.db.exec('COMMIT')
    expect(ledgerTotals(t.store).requests).toBe(50)
    await t.scan()
    expect(ledgerTotals(t.store).requests).toBe(51)
    t.agent.close()
  })

  it('bad rows are skipped and counted by reason; the rest flows; the status names the db', async () => {
    const t = setup()
    // OpenCode's folder holds other files (logs, the legacy storage/ tree): not walked, not counted.
    mkdirSync(join(t.dir, 'share', 'opencode', 'storage', 'message', 's1'), { recursive: true })
    writeFileSync(join(t.dir, 'share', 'opencode', 'storage', 'message', 's1', 'opencode.db'), 'not the database')
    t.agent.session('s1')
    t.agent.db.prepare("INSERT INTO message VALUES ('bad1', 's1', 1, ?, '{not json')").run(T0)
    t.agent.message('bad2', 's1', { ...assistant({ created: T0 }), tokens: { input: -5, output: 1 } }, T0 + 1)
    t.agent.message('user1', 's1', { role: 'user', time: { created: T0 } }, T0 + 2)
    t.agent.message('ok', 's1', assistant({ created: T0, input: 9, output: 1 }), T0 + 3)
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 1 })
    expect(ledgerTotals(t.store)).toMatchObject({ input: 9, output: 1, requests: 1 })
    const [status] = sourceStatus(t.store, t.sources, {})
    expect(status).toMatchObject({ source: 'opencode', found: true, files: 1, skippedLines: 2, events: 1, sessions: 1 })
    t.agent.close()
  })

  it('resumes after a restart from its cursor: nothing read twice, only the new row', async () => {
    const t = setup()
    t.agent.session('s1')
    t.agent.bulk('s1', 4500, T0)
    const first = await t.scan()
    expect(first.lines).toBe(4500)
    t.reopen()
    expect((await t.scan()).filesRead).toBe(0)
    t.agent.message('z-new', 's1', assistant({ created: T0 + 10_000_000, input: 5, output: 5 }), T0 + 10_000_000)
    const again = await t.scan()
    expect(again.lines).toBe(1)
    expect(ledgerTotals(t.store)).toMatchObject({ input: 4505, output: 4505, requests: 4501 })
    t.agent.close()
  })

  it('live: a message OpenCode writes while the engine runs is counted within a second', async () => {
    const dir = tempDir()
    const agent = new OpenCodeDb(join(dir, 'oc', 'opencode.db'))
    agent.session('s1')
    agent.message('m1', 's1', assistant({ created: T0, input: 10, output: 5 }), T0)
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, OPENCODE_DB: agent.path } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['opencode'] }).totals
      expect(totals().requests).toBe(1)
      agent.message('m2', 's1', assistant({ created: T0 + 5000, input: 20, output: 6 }), T0 + 5000)
      await eventually(() => expect([totals().requests, totals().input]).toEqual([2, 30]), 3000)
      // Completed in place: corrected, not added.
      agent.message('m2', 's1', assistant({ created: T0 + 5000, input: 20, output: 60 }), T0 + 9000)
      await eventually(() => expect([totals().requests, totals().output]).toEqual([2, 65]), 3000)
    } finally {
      await engine.stop()
      agent.close()
    }
  })

  it('switched off in settings: not read while off, listed as off; on again, it catches up once', async () => {
    const dir = tempDir()
    const agent = new OpenCodeDb(join(dir, 'oc', 'opencode.db'))
    agent.session('s1')
    agent.message('m1', 's1', assistant({ created: T0, input: 10, output: 5 }), T0)
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, OPENCODE_DB: agent.path } })
    try {
      await engine.start()
      const requests = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['opencode'] }).totals.requests
      expect(requests()).toBe(1)
      await engine.updateSettings({ disabledSources: ['opencode'] })
      expect(engine.sources.map((s) => s.id)).not.toContain('opencode')
      const listed = sourceStatus(engine.store, engine.allSources(), {}, { disabled: engine.settings.disabledSources }).find(
        (s) => s.source === 'opencode',
      )
      expect(listed).toMatchObject({ disabled: true, found: true, events: 1, envVars: ['OPENCODE_DB', 'XDG_DATA_HOME'] })
      agent.message('m2', 's1', assistant({ created: T0 + 5000, input: 20, output: 6 }), T0 + 5000)
      await new Promise((r) => setTimeout(r, 300))
      expect(requests()).toBe(1)
      await engine.updateSettings({ disabledSources: [] })
      await eventually(() => expect(requests()).toBe(2), 3000)
    } finally {
      await engine.stop()
      agent.close()
    }
  })
})
