import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { zcodeReader } from '../../../../src/engine/sources/zcode/reader'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, liveThenRestart, rng } from '../agent-support'

/** ZCode's side: its own connection to `<home>/cli/db/db.sqlite` (WAL), made from a fixture's schema and rows. */
function zcodeDb(home: string, fixture: string): Database.Database {
  mkdirSync(join(home, 'cli', 'db'), { recursive: true })
  const db = new Database(join(home, 'cli', 'db', 'db.sqlite'))
  db.pragma('journal_mode = WAL')
  db.exec(readFileSync(join(FIXTURES, 'zcode', fixture), 'utf8'))
  return db
}

const insert = (
  db: Database.Database,
  id: string,
  status: string,
  ts: number,
  t: { input: number; output: number; read?: number; write?: number },
) =>
  db
    .prepare(
      `INSERT INTO model_usage (id, session_id, turn_id, model_id, provider_id, agent, status, input_tokens, output_tokens,
    cache_creation_input_tokens, cache_read_input_tokens, started_at) VALUES (?, 's1', 't', 'glm-4.6', 'zai', 'main', ?, ?, ?, ?, ?, ?)`,
    )
    .run(id, status, t.input, t.output, t.write ?? 0, t.read ?? 0, ts)

describe('zcode: cli/db/db.sqlite model_usage rows (a database read read-only)', () => {
  it("codeburn's fixture (db v0.14.8 subset, no status column): 9,125 input holding 8,064 cached = 1,061 uncached, 27 out", async () => {
    const home = join(tempDir(), '.zcode')
    const db = zcodeDb(home, 'codeburn_zcode_test_ts_db.sql')
    const t = agentStore('zcode', { ZCODE_HOME: home })
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'zcode:mu-1',
        ts: 1781981181862,
        model: 'GLM-5.2',
        project: '/Users/me/proj',
        sessionId: 'sess-1',
        input: 1061,
        output: 27,
        cacheRead: 8064,
        cacheWrite: 0,
      },
    ])
    db.close()
  })

  it("ccusage's query (status column): completed rows only, both cache parts out of input; the default ~/.zcode", async () => {
    const home = join(tempDir(), '.zcode')
    const db = zcodeDb(home, 'ccusage_20.0.24_query_status_db.sql')
    const t = agentStore('zcode', { ZCODE_HOME: home })
    await t.scan()
    expect(t.rows()).toEqual([
      {
        key: 'zcode:u1',
        ts: 1767261600000,
        model: 'glm-4.6',
        project: '/w/app',
        sessionId: 's1',
        input: 500,
        output: 100,
        cacheRead: 300,
        cacheWrite: 200,
      },
      {
        key: 'zcode:u3',
        ts: 1767348000000,
        model: 'glm-4.6',
        project: '/w/app',
        sessionId: 's1',
        input: 500,
        output: 50,
        cacheRead: 1500,
        cacheWrite: 0,
      },
    ])
    const byDefault = agentStore('zcode', {})
    expect(byDefault.sources[0]?.roots()).toEqual([join(byDefault.dir, '.zcode', 'cli', 'db')])
    db.close()
  })

  it('a row read while running is read again until it completes (in place), counted once; an abandoned one is let go', () => {
    const db = new Database(':memory:')
    db.exec(readFileSync(join(FIXTURES, 'zcode', 'ccusage_20.0.24_query_status_db.sql'), 'utf8'))
    const now = 1767400000000
    insert(db, 'r1', 'running', now - 1000, { input: 0, output: 0 })
    insert(db, 'old', 'running', now - 2 * 86_400_000, { input: 0, output: 0 })
    const reader = zcodeReader(() => now)
    const ctx = { path: 'db.sqlite', root: '.', userId: 'u' }
    const a = reader.readRows(db, reader.initialState(ctx), ctx, 2)
    expect(a.done).toBe(false)
    const b = reader.readRows(db, a.state, ctx, 2)
    expect(b.state.pending).toEqual([4])
    db.prepare("UPDATE model_usage SET status = 'completed', input_tokens = 40, output_tokens = 4 WHERE id = 'r1'").run()
    const c = reader.readRows(db, b.state, ctx, 2)
    expect(c.events.map((e) => [e.key, e.input, e.output])).toEqual([['zcode:r1', 40, 4]])
    expect(c.state).toEqual({ rowid: 5, pending: [] })
  })

  it('a generated history: rows completed in place, errors, malformed rows, read at every step or once, equal', async () => {
    const rand = rng(13)
    const home = join(tempDir(), '.zcode')
    const db = zcodeDb(home, 'ccusage_20.0.24_query_status_db.sql')
    db.prepare('DELETE FROM model_usage').run()
    const stepped = agentStore('zcode', { ZCODE_HOME: home })
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    let bad = 0
    const running: string[] = []
    const now = Date.now()
    for (let step = 0; step < 12; step++) {
      for (let k = 0; k < 40; k++) {
        const id = `q${step}-${k}`
        const ts = now - 3600_000 + step * 60_000 + k
        const read = Math.floor(rand() * 4000)
        const fresh = 1 + Math.floor(rand() * 500)
        const output = 1 + Math.floor(rand() * 200)
        const r = rand()
        if (r < 0.1) insert(db, id, 'error', ts, { input: fresh, output: 0 })
        else if (r < 0.3) {
          insert(db, id, 'running', ts, { input: 0, output: 0 })
          running.push(`${id}|${fresh + read}|${output}|${read}`)
          expected.input += fresh
          expected.output += output
          expected.cacheRead += read
          expected.requests++
        } else {
          insert(db, id, 'completed', ts, { input: fresh + read, output, read })
          expected.input += fresh
          expected.output += output
          expected.cacheRead += read
          expected.requests++
        }
      }
      if (step % 5 === 2) {
        db.prepare(
          `INSERT INTO model_usage (id, session_id, model_id, status, input_tokens, output_tokens, started_at) VALUES (?, 's1', 'glm-4.6', 'completed', 1.5, 1, ?)`,
        ).run(`bad${step}`, now)
        bad++
      }
      // Requests still running complete a step or two later, in place.
      for (const r of running.splice(0, Math.floor(running.length / 2))) {
        const [id, input, output, read] = r.split('|')
        db.prepare(
          "UPDATE model_usage SET status = 'completed', input_tokens = ?, output_tokens = ?, cache_read_input_tokens = ? WHERE id = ?",
        ).run(Number(input), Number(output), Number(read), id)
      }
      await stepped.scan()
    }
    for (const r of running.splice(0)) {
      const [id, input, output, read] = r.split('|')
      db.prepare(
        "UPDATE model_usage SET status = 'completed', input_tokens = ?, output_tokens = ?, cache_read_input_tokens = ? WHERE id = ?",
      ).run(Number(input), Number(output), Number(read), id)
    }
    await stepped.scan()
    const once = agentStore('zcode', { ZCODE_HOME: home })
    const s = await once.scan()
    expect(s.skipReasons).toEqual({ 'bad-field': bad })
    expect(stepped.store.db.prepare('SELECT sum(skipped) FROM source_files').pluck().get()).toBe(bad)
    for (const t of [stepped, once]) {
      const got = t.totals()
      expect({ input: got.input, output: got.output, cacheRead: got.cacheRead, requests: got.requests }).toEqual(expected)
      expectAggregatesMatchLedger(t.store)
    }
    db.close()
  })

  it('live: a request ZCode records while the engine runs counts within seconds; a restart reads nothing again', async () => {
    const home = join(tempDir(), '.zcode')
    const db = zcodeDb(home, 'ccusage_20.0.24_query_status_db.sql')
    try {
      await liveThenRestart(
        'zcode',
        { ZCODE_HOME: home },
        { requests: 2, input: 1000, output: 150 },
        () => insert(db, 'live', 'completed', 1767400000000, { input: 70, output: 7, read: 30 }),
        { requests: 3, input: 1040, output: 157 },
      )
    } finally {
      db.close()
    }
  })
})
