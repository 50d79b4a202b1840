import { describe, expect, it } from 'vitest'
import { copyFileSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { sourceStatus } from '../../../../src/engine/query/source-status'
import { eventually } from '../../../helpers/eventually'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'

const F = join(FIXTURES, 'droid')

/** The two snapshots of session-c in the ccusage fixture (archive first, then the live copy). */
function sessionC(): { archive: string; live: string } {
  const lines = readFileSync(join(F, 'ccusage_droid_loader_rs_duplicate_session-c.settings.json.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
  return { archive: lines[0] as string, live: lines[1] as string }
}

/** Writes a file and sets its modification time (Droid's increments are stamped by it). */
function put(path: string, text: string, at: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  utimesSync(path, new Date(at), new Date(at))
}

function setup() {
  const dir = tempDir()
  const sessions = join(dir, 'factory', 'sessions')
  mkdirSync(sessions, { recursive: true })
  const storePath = join(dir, 'tw.db')
  let store = openStore(storePath)
  const sources = createLogSources({ env: { DROID_SESSIONS_DIR: sessions }, home: dir }).filter((s) => s.id === 'droid')
  return {
    dir,
    sessions,
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
          `SELECT key, ts, model, project, session_id AS session, input, output, cache_read AS cacheRead, cache_write AS cacheWrite
      FROM usage_events ORDER BY ts, key`,
        )
        .all(),
  }
}

describe('droid: .settings.json running totals', () => {
  it('ccusage session-a: the NOTES.md totals at the file time (thinking counted as output), model normalised as ccusage does', async () => {
    const t = setup()
    const file = join(t.sessions, '-work-app', 'session-a.settings.json')
    mkdirSync(dirname(file), { recursive: true })
    copyFileSync(join(F, 'ccusage_droid_loader_rs_session-a.settings.json'), file)
    utimesSync(file, new Date('2026-05-01T01:02:03Z'), new Date('2026-05-01T01:02:03Z'))
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'droid:session-a:100:50:20:10:5',
        ts: Date.parse('2026-05-01T01:02:03Z'),
        model: 'claude-sonnet-4',
        project: '',
        session: 'session-a',
        input: 100,
        output: 55,
        cacheRead: 10,
        cacheWrite: 20,
      },
    ])
  })

  it('codeburn session-1: the tokens come from the settings file alone; the sidecar transcript names the project', async () => {
    const t = setup()
    const folder = join(t.sessions, '-tmp-my-project')
    mkdirSync(folder, { recursive: true })
    copyFileSync(join(F, 'codeburn_droid_test_ts_-tmp-my-project_session-1.jsonl'), join(folder, 'session-1.jsonl'))
    copyFileSync(join(F, 'codeburn_droid_test_ts_-tmp-my-project_session-1.settings.json'), join(folder, 'session-1.settings.json'))
    await t.scan()
    expect(t.rows()).toMatchObject([
      { model: 'gpt-5', project: '/tmp/my-project', session: 'session-1', input: 101, output: 56, cacheWrite: 7, cacheRead: 11 },
    ])
  })

  it('an archived copy of a session never adds again, whichever copy is read first, after a restart too', async () => {
    const { archive, live } = sessionC()
    // Both copies at the first backfill: the session counts its latest totals once (100 / 200, never 110 / 220).
    const a = setup()
    put(join(a.sessions, 'archive', 'session-c.settings.json'), archive, '2026-05-01T01:02:03Z')
    put(join(a.sessions, 'session-c.settings.json'), live, '2026-05-02T01:02:03Z')
    await a.scan()
    expect(ledgerTotals(a.store)).toMatchObject({ input: 100, output: 200, requests: 1 })
    // Read archive first (its path sorts first), yet counted whole at the fuller copy's file time, as ccusage dates it.
    expect(a.rows()).toMatchObject([{ ts: Date.parse('2026-05-02T01:02:03Z'), input: 100, output: 200 }])
    // The live copy first, the archive appearing later (and rewritten again after a restart): nothing more.
    const b = setup()
    put(join(b.sessions, 'session-c.settings.json'), live, '2026-05-02T01:02:03Z')
    await b.scan()
    put(join(b.sessions, 'archive', 'session-c.settings.json'), archive, '2026-05-03T00:00:00Z')
    await b.scan()
    expect(ledgerTotals(b.store)).toEqual({ input: 100, output: 200, cacheRead: 0, cacheWrite: 0, requests: 1 })
    b.reopen()
    put(join(b.sessions, 'archive', 'session-c.settings.json'), archive, '2026-05-04T00:00:00Z')
    put(join(b.sessions, 'session-c.settings.json'), live, '2026-05-04T00:00:00Z')
    await b.scan()
    expect(ledgerTotals(b.store)).toEqual({ input: 100, output: 200, cacheRead: 0, cacheWrite: 0, requests: 1 })
    // The session moves on in the live copy after the archive was read: only the growth adds.
    put(join(b.sessions, 'session-c.settings.json'), live.replace('"inputTokens": 100', '"inputTokens": 130'), '2026-05-05T00:00:00Z')
    await b.scan()
    expect(ledgerTotals(b.store)).toEqual({ input: 130, output: 200, cacheRead: 0, cacheWrite: 0, requests: 2 })
    expectAggregatesMatchLedger(b.store)
    const status = sourceStatus(b.store, b.sources, {}, { discover: true })[0]
    expect(status?.discovered).toEqual({ files: 2, sessions: 1 })
  })

  it('each rewrite becomes one increment stamped at its write; bad files are skipped and counted; the totals stay the last snapshot', async () => {
    const t = setup()
    const file = join(t.sessions, 'p', 's1.settings.json')
    const snap = (i: number, o: number, cr: number) =>
      JSON.stringify({ model: 'claude-opus-4-5', tokenUsage: { inputTokens: i, outputTokens: o, cacheReadTokens: cr } })
    put(file, snap(10, 5, 100), '2026-06-01T09:10:00Z')
    await t.scan()
    put(file, snap(30, 9, 400), '2026-06-01T10:20:00Z')
    await t.scan()
    put(file, '{"tokenUsage": {"inputTokens": 4', '2026-06-01T10:30:00Z')
    expect((await t.scan()).skipReasons).toEqual({ 'malformed-json': 1 })
    put(file, JSON.stringify({ tokenUsage: { inputTokens: -3 } }), '2026-06-01T10:40:00Z')
    expect((await t.scan()).skipReasons).toEqual({ 'bad-field': 1 })
    put(file, snap(31, 12, 400), '2026-06-01T11:05:00Z')
    await t.scan()
    const hours = runReport(t.store, { tz: 'UTC', groupBy: ['hour'], sources: ['droid'] }).rows.map((r) => [
      r.hour,
      r.input,
      r.output,
      r.cacheRead,
    ])
    expect(hours).toEqual([
      ['2026-06-01T09:00', 10, 5, 100],
      ['2026-06-01T10:00', 20, 4, 300],
      ['2026-06-01T11:00', 1, 3, 0],
    ])
    expect(ledgerTotals(t.store)).toEqual({ input: 31, output: 12, cacheRead: 400, cacheWrite: 0, requests: 3 })
    expectAggregatesMatchLedger(t.store)
  })

  it('live: a session Droid rewrites (by rename) while the engine runs adds its increment within a second', async () => {
    const dir = tempDir()
    const sessions = join(dir, 'sessions')
    const file = join(sessions, '-work', 'live.settings.json')
    put(file, JSON.stringify({ model: 'gpt-5', tokenUsage: { inputTokens: 100, outputTokens: 20 } }), '2026-06-02T08:00:00Z')
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, DROID_SESSIONS_DIR: sessions } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['droid'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([1, 100, 20])
      writeFileSync(file + '.tmp', JSON.stringify({ model: 'gpt-5', tokenUsage: { inputTokens: 160, outputTokens: 50 } }))
      renameSync(file + '.tmp', file)
      await eventually(() => expect([totals().requests, totals().input, totals().output]).toEqual([2, 160, 50]), 3000)
    } finally {
      await engine.stop()
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

describe('droid: day totals against ccusage 20.0.24 (`ccusage droid daily --json --offline --timezone UTC`)', () => {
  it("the three fixture sessions (session-c's archive read before its live copy): the same input and cache per day; ccusage's totalTokens (thinking apart) is our sum", async () => {
    const t = setup()
    const { archive, live } = sessionC()
    put(
      join(t.sessions, '-work-app', 'session-a.settings.json'),
      readFileSync(join(F, 'ccusage_droid_loader_rs_session-a.settings.json'), 'utf8'),
      '2026-05-01T01:02:03Z',
    )
    put(join(t.sessions, 'archive', 'session-c.settings.json'), archive, '2026-05-01T01:02:03Z')
    put(join(t.sessions, 'work-app', 'session-c.settings.json'), live, '2026-05-02T01:02:03Z')
    copyFileSync(join(F, 'codeburn_droid_test_ts_-tmp-my-project_session-1.jsonl'), join(t.sessions, '-work-app', 'session-1.jsonl'))
    put(
      join(t.sessions, '-work-app', 'session-1.settings.json'),
      readFileSync(join(F, 'codeburn_droid_test_ts_-tmp-my-project_session-1.settings.json'), 'utf8'),
      '2026-04-20T10:00:02Z',
    )
    await t.scan()
    const ours = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['droid'] }).rows
    const theirs = (JSON.parse(readFileSync(join(F, 'ccusage_20.0.24_droid_daily.json'), 'utf8')) as { daily: CcusageDay[] }).daily
    expect(ours.map((r) => [r.day, r.input, r.cacheRead, r.cacheWrite, r.input + r.output + r.cacheRead + r.cacheWrite])).toEqual(
      theirs.map((d) => [d.date, d.inputTokens, d.cacheReadTokens, d.cacheCreationTokens, d.totalTokens]),
    )
  })
})

describe('droid: folders added in Settings', () => {
  it('a sessions folder added in Settings is read instead of the default', async () => {
    const dir = tempDir()
    const extra = join(dir, 'elsewhere')
    put(
      join(extra, '-p', 's.settings.json'),
      JSON.stringify({ model: 'gpt-5', tokenUsage: { inputTokens: 9, outputTokens: 1 } }),
      '2026-06-03T00:00:00Z',
    )
    const sources = createLogSources({ folders: { droid: [extra] }, env: {}, home: dir }).filter((s) => s.id === 'droid')
    expect(sources[0]?.roots()).toEqual([extra])
    const store = openStore(join(dir, 'tw.db'))
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(ledgerTotals(store)).toMatchObject({ input: 9, output: 1, requests: 1 })
    store.close()
  })
})
