import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { readFileSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { sourceStatus } from '../../../../src/engine/query/source-status'
import { eventually } from '../../../helpers/eventually'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { ConversationDb, genBlob } from './support'

const T0 = Date.parse('2026-07-04T08:00:00Z')

function setup() {
  const dir = tempDir()
  const conversations = join(dir, '.gemini', 'antigravity-cli', 'conversations')
  const storePath = join(dir, 'tw.db')
  let store = openStore(storePath)
  // The default location under the home folder, no env var.
  const sources = createLogSources({ env: {}, home: dir }).filter((s) => s.id === 'antigravity')
  return {
    dir,
    conversations,
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
      store.db
        .prepare(
          'SELECT key, ts, model, project, session_id AS session, input, output, cache_read AS cacheRead FROM usage_events ORDER BY ts, key',
        )
        .all(),
  }
}

describe('antigravity: conversation databases read-only, gen_metadata by a cursor in our store', () => {
  it("the codeburn fixture row: input 30,265, output 730 (659 response + 71 thinking), at the database's file time", async () => {
    const t = setup()
    const agent = new ConversationDb(join(t.conversations, 'fixture-current-cli.db'))
    agent.fixtureRows()
    agent.close()
    const at = new Date('2026-06-21T13:32:14Z')
    utimesSync(agent.path, at, at)
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'antigravity:fixture-current-cli:fixture-response-1',
        ts: at.getTime(),
        model: 'gemini-3.1-pro',
        project: '',
        session: 'fixture-current-cli',
        input: 30265,
        output: 730,
        cacheRead: 0,
      },
    ])
    // Not an enum mistaken for tokens: field #1 (1016, constant per model) is not input.
    expect(ledgerTotals(t.store).input).toBe(30265)
  })

  it('day totals equal ccusage 20.0.24 (`antigravity daily --json --offline --timezone UTC`): input, and input + output as its totalTokens', async () => {
    const t = setup()
    const agent = new ConversationDb(join(t.conversations, 'fixture-current-cli.db'))
    agent.fixtureRows()
    agent.close()
    utimesSync(agent.path, new Date('2026-06-21T13:32:14Z'), new Date('2026-06-21T13:32:14Z'))
    await t.scan()
    const ours = runReport(t.store, { tz: 'UTC', groupBy: ['day', 'model'], sources: ['antigravity'] }).rows
    const theirs = (
      JSON.parse(readFileSync(join(FIXTURES, 'antigravity', 'ccusage_20.0.24_antigravity_daily.json'), 'utf8')) as {
        daily: { date: string; inputTokens: number; cacheReadTokens: number; totalTokens: number; modelsUsed: string[] }[]
      }
    ).daily
    expect(ours.map((r) => [r.day, r.model, r.input, r.cacheRead, r.input + r.output + r.cacheRead + r.cacheWrite])).toEqual(
      theirs.map((d) => [d.date, d.modelsUsed[0], d.inputTokens, d.cacheReadTokens, d.totalTokens]),
    )
  })

  it("a generation's own start wins, else the conversation's start; the workspace names the project; cache reads are their own bucket", async () => {
    const t = setup()
    const agent = new ConversationDb(join(t.conversations, 'c1.db'), { created: T0, workspace: '/home/dev/site' })
    agent.put(0, genBlob({ input: 1200, response: 40, responseId: 'r0' }))
    agent.put(1, genBlob({ input: 300, response: 20, thinking: 5, cacheRead: 1100, responseId: 'r1', at: T0 + 3_600_000 }))
    agent.put(
      2,
      genBlob({
        input: 10,
        response: 1,
        display: 'Claude Sonnet 4.5',
        model: 'MODEL_PLACEHOLDER_M35',
        responseId: 'r2',
        at: T0 + 7_200_000,
      }),
    )
    agent.close()
    await t.scan()
    expect(t.rows()).toEqual([
      {
        key: 'antigravity:c1:r0',
        ts: T0,
        model: 'gemini-3.1-pro',
        project: '/home/dev/site',
        session: 'c1',
        input: 1200,
        output: 40,
        cacheRead: 0,
      },
      {
        key: 'antigravity:c1:r1',
        ts: T0 + 3_600_000,
        model: 'gemini-3.1-pro',
        project: '/home/dev/site',
        session: 'c1',
        input: 300,
        output: 25,
        cacheRead: 1100,
      },
      {
        key: 'antigravity:c1:r2',
        ts: T0 + 7_200_000,
        model: 'claude-sonnet-4-5',
        project: '/home/dev/site',
        session: 'c1',
        input: 10,
        output: 1,
        cacheRead: 0,
      },
    ])
  })

  it('the row being generated, rewritten in place, is corrected not added; a restart reads nothing again', async () => {
    const t = setup()
    const agent = new ConversationDb(join(t.conversations, 'c2.db'), { created: T0 })
    agent.put(0, genBlob({ input: 500, response: 10, responseId: 'a' }))
    agent.put(1, genBlob({ input: 700, response: 3, responseId: 'b' }))
    await t.scan()
    agent.put(1, genBlob({ input: 700, response: 90, thinking: 12, responseId: 'b' }))
    const s = await t.scan()
    expect(s.updated).toBe(1)
    expect(ledgerTotals(t.store)).toMatchObject({ input: 1200, output: 112, requests: 2 })
    t.reopen()
    expect((await t.scan()).events).toBe(0)
    agent.put(2, genBlob({ input: 1, response: 1, responseId: 'c' }))
    await t.scan()
    expect(ledgerTotals(t.store)).toMatchObject({ input: 1201, output: 113, requests: 3 })
    expectAggregatesMatchLedger(t.store)
    agent.close()
  })

  it("bad blobs and databases that are not conversations are skipped and counted; the agent's file is never written", async () => {
    const t = setup()
    const agent = new ConversationDb(join(t.conversations, 'c3.db'), { created: T0 })
    agent.put(0, Buffer.from([0x0a, 0x50, 0x01]))
    agent.put(1, genBlob({ input: 5, response: 5, responseId: 'ok' }))
    agent.put(2, genBlob({ input: 5, response: 5, responseId: 'old', at: Date.parse('2001-01-01T00:00:00Z') }))
    agent.put(3, Buffer.from([0x12, 0x00]))
    const other = new ConversationDb(join(t.conversations, 'ide.db'))
    other.db.exec('DROP TABLE gen_metadata; CREATE TABLE steps (idx INTEGER, metadata BLOB)')
    other.close()
    const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
    agent.db.exec('BEGIN IMMEDIATE')
    const before = hash(agent.path)
    const s = await t.scan()
    expect(hash(agent.path)).toBe(before)
    agent.db.exec('COMMIT')
    expect(s.skipReasons).toEqual({ 'bad-field': 1, 'implausible-time': 1, 'unknown-shape': 1 })
    expect(ledgerTotals(t.store)).toMatchObject({ input: 5, output: 5, requests: 1 })
    // The last row (bad) is read again at the next change, but not counted as skipped again.
    agent.put(4, Buffer.from([0x0a, 0x01]))
    expect((await t.scan()).skipReasons).toEqual({ 'bad-field': 1 })
    agent.put(5, genBlob({ input: 1, response: 1, responseId: 'later' }))
    expect((await t.scan()).skipReasons).toEqual({})
    const status = sourceStatus(t.store, t.sources, {}, { discover: true })[0]
    expect([status?.found, status?.files, status?.discovered]).toEqual([true, 2, { files: 2, sessions: 2 }])
    agent.close()
  })

  it('ANTIGRAVITY_DATA_DIR (comma-separated) is searched for conversations/ and implicit/ databases', async () => {
    const dir = tempDir()
    const a = new ConversationDb(join(dir, 'one', 'conversations', 'x.db'), { created: T0 })
    a.put(0, genBlob({ input: 2, response: 2, responseId: 'x' }))
    a.close()
    const b = new ConversationDb(join(dir, 'two', 'antigravity-ide', 'implicit', 'y.db'), { created: T0 })
    b.put(0, genBlob({ input: 3, response: 3, responseId: 'y' }))
    b.close()
    const store = openStore(join(dir, 'tw.db'))
    const sources = createLogSources({ env: { ANTIGRAVITY_DATA_DIR: `${join(dir, 'one')}, ${join(dir, 'two')}` }, home: dir }).filter(
      (s) => s.id === 'antigravity',
    )
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(ledgerTotals(store)).toMatchObject({ input: 5, output: 5, requests: 2 })
    store.close()
  })

  it('live: a generation the CLI commits (to the WAL) while the engine runs is counted within a second', async () => {
    const dir = tempDir()
    const agent = new ConversationDb(join(dir, '.gemini', 'antigravity-cli', 'conversations', 'live.db'), { created: T0 })
    agent.put(0, genBlob({ input: 100, response: 10, responseId: 'l0' }))
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['antigravity'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([1, 100, 10])
      agent.put(1, genBlob({ input: 40, response: 4, responseId: 'l1', at: Date.now() }))
      await eventually(() => expect([totals().requests, totals().input, totals().output]).toEqual([2, 140, 14]), 3000)
    } finally {
      await engine.stop()
      agent.close()
    }
  })
})

describe('antigravity: folders added in Settings', () => {
  it('a data folder added in Settings is searched for its conversation databases', async () => {
    const dir = tempDir()
    const a = new ConversationDb(join(dir, 'agy-data', 'conversations', 'z.db'), { created: T0 })
    a.put(0, genBlob({ input: 8, response: 2, responseId: 'z' }))
    a.close()
    const store = openStore(join(dir, 'tw.db'))
    const sources = createLogSources({ folders: { antigravity: [join(dir, 'agy-data')] }, env: {}, home: dir }).filter(
      (s) => s.id === 'antigravity',
    )
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(ledgerTotals(store)).toMatchObject({ input: 8, output: 2, requests: 1 })
    store.close()
  })
})
