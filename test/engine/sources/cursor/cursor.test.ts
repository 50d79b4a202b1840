import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cursorSource } from '../../../../src/engine/sources/cursor/source'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, liveThenRestart, rng } from '../agent-support'
import { BUBBLE, CSV, CSV_HEADER, CursorDb, csvRow } from './support'

/** A Cursor user-data folder (CURSOR_DATA_DIR) and Token Watch's import folder (under TOKENWATCH_HOME). */
function setup() {
  const dir = tempDir()
  const data = join(dir, 'Cursor')
  const tw = join(dir, 'tw')
  const imports = join(tw, 'cursor-usage')
  mkdirSync(imports, { recursive: true })
  const env = { CURSOR_DATA_DIR: data, TOKENWATCH_HOME: tw }
  return { env, imports, dbPath: join(data, 'User', 'globalStorage', 'state.vscdb'), t: agentStore('cursor', env) }
}

const day = (rows: Record<string, unknown>[]) =>
  rows.map((r) => [new Date(r.ts as number).toISOString().slice(0, 10), r.key, r.input, r.output, r.cacheRead, r.cacheWrite])

describe('cursor: state.vscdb bubbles and the dashboard usage-export CSV', () => {
  it('the state.vscdb fixture bubble: 123 in, 45 out, gpt-5.5; zero-token bubbles and other keys are no requests', async () => {
    const { dbPath, t } = setup()
    const cursor = new CursorDb(dbPath)
    cursor.raw('bubbleId:session-123:bubble-456', JSON.stringify(BUBBLE))
    cursor.bubble('session-123', 'b-zero', { at: '2026-05-15T12:35:00.000Z', input: 0, output: 0 })
    cursor.raw('composerData:session-123', JSON.stringify({ contextTokensUsed: 5000 }))
    cursor.db.prepare("INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', 'secret')").run()
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'cursor:db:session-123:bubble-456',
        ts: Date.parse('2026-05-15T12:34:56.000Z'),
        model: 'gpt-5.5',
        project: 'cursor',
        sessionId: 'session-123',
        input: 123,
        output: 45,
        cacheRead: 0,
        cacheWrite: 0,
      },
    ])
    cursor.close()
  })

  it("the usage-export CSV fixture: four buckets that sum to Total Tokens (156,290 and 76,839), Cursor's cost kept", async () => {
    const { imports, t } = setup()
    writeFileSync(join(imports, 'usage-events-2025-11-13.csv'), CSV)
    await t.scan()
    expect(day(t.rows())).toEqual([
      ['2025-11-13', 'cursor:csv:2025-11-13T13:35:04.658Z:gpt-5-codex:On-Demand:0', 8263, 1612, 66964, 0],
      ['2025-11-13', 'cursor:csv:2025-11-13T18:36:05.846Z:auto:Included:0', 775, 21282, 105891, 28342],
    ])
    expect(
      t.store.db
        .prepare('SELECT sum(input + output + cache_read + cache_write) AS total, sum(reported_cost_nusd) AS cost FROM usage_events')
        .get(),
    ).toEqual({ total: 156290 + 76839, cost: 220_000_000 })
  })

  it('the same usage in both: the CSV replaces the database for the UTC days it covers, whichever is read first; overlapping exports count once', async () => {
    const results: unknown[] = []
    for (const order of ['db-first', 'csv-first', 'same-scan'] as const) {
      const { dbPath, imports, t } = setup()
      const cursor = new CursorDb(dbPath)
      cursor.bubble('c1', 'b1', { at: '2025-11-13T13:35:03.000Z', input: 8000, output: 1600 })
      cursor.bubble('c1', 'b2', { at: '2025-11-13T18:36:04.000Z', input: 700, output: 21000 })
      cursor.bubble('c2', 'b3', { at: '2025-11-14T09:00:00.000Z', input: 50, output: 5 })
      const write = () => {
        writeFileSync(join(imports, 'a.csv'), CSV)
        // A second export of an overlapping range repeats one request and adds none.
        writeFileSync(join(imports, 'b.csv'), `${CSV_HEADER}\n${CSV.split('\n')[2]}\n`)
      }
      if (order === 'csv-first') write()
      if (order !== 'same-scan') await t.scan()
      if (order === 'db-first') {
        expect(t.totals().requests).toBe(3)
        write()
      }
      if (order === 'csv-first') cursor.bubble('c2', 'b4', { at: '2025-11-13T20:00:00.000Z', input: 9, output: 9 })
      if (order === 'same-scan') write()
      await t.scan()
      // After the CSV, a bubble Cursor writes on a covered day is not counted either.
      cursor.bubble('c2', 'b5', { at: '2025-11-13T21:00:00.000Z', input: 1, output: 1 })
      await t.scan()
      expectAggregatesMatchLedger(t.store)
      results.push(day(t.rows()))
      cursor.close()
    }
    expect(results[0]).toEqual([
      ['2025-11-13', 'cursor:csv:2025-11-13T13:35:04.658Z:gpt-5-codex:On-Demand:0', 8263, 1612, 66964, 0],
      ['2025-11-13', 'cursor:csv:2025-11-13T18:36:05.846Z:auto:Included:0', 775, 21282, 105891, 28342],
      ['2025-11-14', 'cursor:db:c2:b3', 50, 5, 0, 0],
    ])
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })

  it('a bubble Cursor rewrites in place (INSERT OR REPLACE) is corrected, never added twice', async () => {
    const { dbPath, t } = setup()
    const cursor = new CursorDb(dbPath)
    cursor.bubble('c1', 'b1', { at: '2026-05-15T10:00:00.000Z', input: 10, output: 0 })
    await t.scan()
    cursor.bubble('c1', 'b1', { at: '2026-05-15T10:00:00.000Z', input: 10, output: 90 })
    await t.scan()
    expect(t.totals()).toMatchObject({ requests: 1, input: 10, output: 90 })
    cursor.close()
  })

  it('a generated history: bubbles (some malformed, some rewritten) and CSVs (bad rows, a half-written one) read in steps or once, equal; skips counted by reason', async () => {
    const rand = rng(21)
    const { dbPath, imports, env, t: stepped } = setup()
    const cursor = new CursorDb(dbPath)
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    const skips = { 'malformed-json': 0, 'bad-field': 0 }
    const t0 = Date.parse('2026-03-01T00:00:00Z')
    // Days 0-4 have bubbles; days 3-6 are covered by exports: bubbles of days 3 and 4 do not count.
    for (let i = 0; i < 300; i++) {
      const at = t0 + Math.floor(i / 60) * 86_400_000 + (i % 60) * 60_000
      const input = 1 + Math.floor(rand() * 900)
      const output = Math.floor(rand() * 90)
      cursor.bubble(`c${i % 7}`, `b${i}`, { at: new Date(at).toISOString(), input, output })
      if (i % 50 === 7) cursor.bubble(`c${i % 7}`, `b${i}`, { at: new Date(at).toISOString(), input, output: output + 5 })
      if (i < 180) {
        expected.input += input
        expected.output += output + (i % 50 === 7 ? 5 : 0)
        expected.requests++
      }
      if (i % 61 === 3) {
        cursor.raw(`bubbleId:bad:${i}`, '{"tokenCount": {"inputTokens": 1')
        skips['malformed-json']++
      }
      if (i % 97 === 5) {
        cursor.raw(`bubbleId:bad:x${i}`, JSON.stringify({ createdAt: 'soon', tokenCount: { inputTokens: 1, outputTokens: 1 } }))
        skips['bad-field']++
      }
      if (i % 20 === 0) await stepped.scan()
    }
    for (let d = 3; d <= 6; d++) {
      const lines = [CSV_HEADER]
      for (let k = 0; k < 25; k++) {
        const input = Math.floor(rand() * 5000)
        const cacheRead = Math.floor(rand() * 50_000)
        const output = 1 + Math.floor(rand() * 900)
        lines.push(
          csvRow(new Date(t0 + d * 86_400_000 + (k * 3_600_000) / 2).toISOString(), k % 3 ? 'auto' : 'claude-4.5-sonnet', {
            input,
            cacheRead,
            output,
          }),
        )
        expected.input += input
        expected.cacheRead += cacheRead
        expected.output += output
        expected.requests++
      }
      lines.push(csvRow('not a date', 'auto', { input: 1, output: 1 }))
      skips['bad-field']++
      writeFileSync(join(imports, `day-${d}.csv`), lines.join('\n') + '\n')
      await stepped.scan()
    }
    writeFileSync(join(imports, 'half.csv'), `${CSV_HEADER}\n"2026-03-05T00:00:00.000Z","Included","auto","No","1","2`)
    const s = await stepped.scan()
    expect(s.skipReasons).toEqual({ 'malformed-csv': 1 })
    const once = agentStore('cursor', env)
    const all = await once.scan()
    expect(all.skipReasons).toEqual({ ...skips, 'malformed-csv': 1 })
    for (const t of [stepped, once]) {
      const got = t.totals()
      expect({ input: got.input, output: got.output, cacheRead: got.cacheRead, requests: got.requests }).toEqual(expected)
      expectAggregatesMatchLedger(t.store)
    }
    cursor.close()
  })

  it('default locations per OS: macOS Application Support, Windows %APPDATA%, Linux XDG_CONFIG_HOME / ~/.config', () => {
    const home = '/h'
    const storage = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv = {}) =>
      cursorSource({ folders: [], env: { TOKENWATCH_HOME: '/tw', ...env }, home }, platform).roots()[0]
    expect(storage('darwin')).toBe(join(home, 'Library', 'Application Support', 'Cursor', 'User', 'globalStorage'))
    expect(storage('win32', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' })).toBe(
      join('C:\\Users\\me\\AppData\\Roaming', 'Cursor', 'User', 'globalStorage'),
    )
    expect(storage('linux')).toBe(join(home, '.config', 'Cursor', 'User', 'globalStorage'))
    expect(storage('linux', { XDG_CONFIG_HOME: '/x' })).toBe(join('/x', 'Cursor', 'User', 'globalStorage'))
    expect(cursorSource({ folders: ['/f'], env: { TOKENWATCH_HOME: '/tw' }, home }, 'linux').roots()).toEqual([
      join(home, '.config', 'Cursor', 'User', 'globalStorage'),
      join('/tw', 'cursor-usage'),
      '/f',
    ])
  })

  it('live: an export dropped in the import folder while the engine runs counts within seconds; a restart reads nothing again', async () => {
    const { dbPath, imports, env } = setup()
    const cursor = new CursorDb(dbPath)
    cursor.raw('bubbleId:session-123:bubble-456', JSON.stringify(BUBBLE))
    cursor.close()
    await liveThenRestart('cursor', env, { requests: 1, input: 123, output: 45 }, () => writeFileSync(join(imports, 'usage.csv'), CSV), {
      requests: 3,
      input: 123 + 775 + 8263,
      output: 45 + 21282 + 1612,
    })
  })
})
