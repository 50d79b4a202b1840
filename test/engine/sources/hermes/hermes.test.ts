import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { hermesReader } from '../../../../src/engine/sources/hermes/reader'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, liveThenRestart, rng } from '../agent-support'

/** Hermes' side: its own connection to `<home>/state.db` (WAL), made from the fixture's schema and rows. */
function hermesDb(home: string): Database.Database {
  mkdirSync(home, { recursive: true })
  const db = new Database(join(home, 'state.db'))
  db.pragma('journal_mode = WAL')
  db.exec(readFileSync(join(FIXTURES, 'hermes', 'codeburn_hermes_test_ts_state.sql'), 'utf8'))
  return db
}

/** Hermes growing a session's running totals in place, as it does after each API call. */
function grow(
  db: Database.Database,
  id: string,
  d: { input: number; output: number; read?: number; reasoning?: number; cost?: number; at?: number },
): void {
  db.prepare(
    `UPDATE sessions SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, cache_read_tokens = cache_read_tokens + ?,
    reasoning_tokens = reasoning_tokens + ?, estimated_cost_usd = coalesce(estimated_cost_usd, 0) + ?, ended_at = ? WHERE id = ?`,
  ).run(d.input, d.output, d.read ?? 0, d.reasoning ?? 0, d.cost ?? 0, d.at ?? null, id)
}

const STARTED = 1779549200 * 1000

describe('hermes: state.db sessions holding running totals (a database read read-only)', () => {
  it('the fixture: session-1 counts 100 in, 20 + 5 reasoning out, 50 cache read at its start; the empty session is no request', async () => {
    const home = join(tempDir(), '.hermes')
    const db = hermesDb(home)
    const t = agentStore('hermes', { HERMES_HOME: home })
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'hermes:session-1:0',
        ts: STARTED,
        model: 'gpt-5.5',
        project: 'hermes',
        sessionId: 'session-1',
        input: 100,
        output: 25,
        cacheRead: 50,
        cacheWrite: 0,
      },
    ])
    db.close()
  })

  it('a session growing in place counts only what it grew by, stamped by its last activity; a shrunk total never un-counts; profiles are read', async () => {
    const home = join(tempDir(), '.hermes')
    const db = hermesDb(home)
    const coder = hermesDb(join(home, 'profiles', 'coder'))
    coder.prepare("DELETE FROM sessions WHERE id = 'empty'").run()
    coder.prepare("UPDATE sessions SET id = 'coder-1', cwd = '/w/app'").run()
    const t = agentStore('hermes', { HERMES_HOME: home })
    await t.scan()
    expect(t.totals().requests).toBe(2)
    grow(db, 'session-1', { input: 30, output: 3, read: 900, cost: 0.01, at: 1779552800 })
    await t.scan()
    // Unchanged files are not read again; nothing doubles.
    await t.scan()
    expect(t.rows().filter((r) => r.sessionId === 'session-1')).toEqual([
      {
        key: 'hermes:session-1:0',
        ts: STARTED,
        model: 'gpt-5.5',
        project: 'hermes',
        sessionId: 'session-1',
        input: 100,
        output: 25,
        cacheRead: 50,
        cacheWrite: 0,
      },
      {
        key: 'hermes:session-1:1',
        ts: 1779552800 * 1000,
        model: 'gpt-5.5',
        project: 'hermes',
        sessionId: 'session-1',
        input: 30,
        output: 3,
        cacheRead: 900,
        cacheWrite: 0,
      },
    ])
    expect(t.store.db.prepare("SELECT reported_cost_nusd FROM usage_events WHERE key = 'hermes:session-1:1'").pluck().get()).toBe(
      10_000_000,
    )
    expect(t.rows().find((r) => r.sessionId === 'coder-1')).toMatchObject({ project: '/w/app', input: 100 })
    db.prepare("UPDATE sessions SET input_tokens = 10 WHERE id = 'session-1'").run()
    await t.scan()
    expect(t.totals()).toMatchObject({ input: 230, requests: 3 })
    grow(db, 'session-1', { input: 5, output: 1 })
    await t.scan()
    expect(t.totals()).toMatchObject({ input: 235, requests: 4 })
    expectAggregatesMatchLedger(t.store)
    db.close()
    coder.close()
  })

  it('a generated history: many sessions growing step by step read at every step equal one read at the end; bad rows skipped by reason', async () => {
    const rand = rng(9)
    const home = join(tempDir(), '.hermes')
    const db = hermesDb(home)
    db.prepare('DELETE FROM sessions').run()
    const stepped = agentStore('hermes', { HERMES_HOME: home })
    const expected = { input: 0, output: 0, cacheRead: 0 }
    for (let s = 0; s < 20; s++) {
      db.prepare("INSERT INTO sessions (id, model, input_tokens, output_tokens, started_at) VALUES (?, 'claude-sonnet-4-6', 0, 0, ?)").run(
        `s${s}`,
        1779549200 + s * 600,
      )
    }
    db.prepare(
      "INSERT INTO sessions (id, model, input_tokens, output_tokens, started_at) VALUES ('broken', 'm', 'lots', 1, 1779549200)",
    ).run()
    db.prepare("INSERT INTO sessions (id, model, input_tokens, output_tokens, started_at) VALUES ('ancient', 'm', 1, 1, 1000)").run()
    for (let step = 0; step < 15; step++) {
      for (let s = 0; s < 20; s++) {
        if (rand() < 0.5) continue
        const d = {
          input: Math.floor(rand() * 1000),
          output: Math.floor(rand() * 100),
          read: Math.floor(rand() * 5000),
          reasoning: Math.floor(rand() * 20),
          at: 1779549200 + s * 600 + step * 60,
        }
        grow(db, `s${s}`, d)
        expected.input += d.input
        expected.output += d.output + d.reasoning
        expected.cacheRead += d.read
      }
      const r = await stepped.scan()
      expect(r.skipReasons).toEqual({ 'bad-field': 1, 'implausible-time': 1 })
    }
    const once = agentStore('hermes', { HERMES_HOME: home })
    await once.scan()
    for (const t of [stepped, once]) {
      const got = t.totals()
      expect({ input: got.input, output: got.output, cacheRead: got.cacheRead }).toEqual(expected)
      expectAggregatesMatchLedger(t.store)
    }
    db.close()
  })

  it('the reader stamps growth seen without an activity column when it reads it (the hour it happened, while running)', () => {
    const db = new Database(':memory:')
    db.exec(
      "CREATE TABLE sessions (id TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER, started_at REAL); INSERT INTO sessions VALUES ('a', 'm', 10, 1, 1779549200)",
    )
    const reader = hermesReader(() => 1779600000000)
    const ctx = { path: 'state.db', root: '.', userId: 'u' }
    const first = reader.readRows(db, reader.initialState(ctx), ctx, 100)
    db.prepare('UPDATE sessions SET input_tokens = 15').run()
    const second = reader.readRows(db, first.state, ctx, 100)
    expect(second.events.map((e) => [e.key, e.ts, e.input])).toEqual([['hermes:a:1', 1779600000000, 5]])
  })

  it('live: a session Hermes grows while the engine runs counts within seconds; a restart reads nothing again', async () => {
    const home = join(tempDir(), '.hermes')
    const db = hermesDb(home)
    try {
      await liveThenRestart(
        'hermes',
        { HERMES_HOME: home },
        { requests: 1, input: 100, output: 25 },
        () => grow(db, 'session-1', { input: 7, output: 2, at: 1779553000 }),
        { requests: 2, input: 107, output: 27 },
      )
    } finally {
      db.close()
    }
  })
})
