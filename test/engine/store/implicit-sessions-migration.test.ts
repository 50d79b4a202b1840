/**
 * The v9 migration on a real SQLite file at schema v8: pushed events stored before the
 * implicit-session rule, with no session id, kept one blank session for every sender. After the
 * upgrade each lands in the session a new event gets (one per agent, user and UTC hour), the
 * session tables agree with the ledger again, and no token or cost moves.
 */
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { importPushedEvents } from '../../../src/engine/ingest/restore-pushed'
import { MIGRATIONS } from '../../../src/engine/store/migrations'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { countSessions, listSessions } from '../../../src/engine/query/sessions'
import { implicitSessionId } from '../../../src/shared/implicit-session'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'
import { bucketTotals, event, expectAggregatesMatchLedger, ledgerTotals } from '../ingest/support'

const cost = (e: UsageEvent): number => e.output * 1000

/** A pushed event as the v8 engine stored it when the sender named no session: session ''. */
function pushed(key: string, ts: string, agentId: string, o: Partial<UsageEvent> = {}): UsageEvent {
  return event(key, ts, { source: 'socket', agentId, userId: 'u1', project: '', sessionId: '', ...o })
}

const OLD: UsageEvent[] = [
  pushed('ext:bot-a:1', '2026-03-01T10:05:00Z', 'bot-a', { output: 7 }),
  pushed('ext:bot-a:2', '2026-03-01T10:55:00Z', 'bot-a', { output: 11, model: 'gpt-5' }),
  pushed('ext:bot-a:3', '2026-03-01T11:10:00Z', 'bot-a', { output: 13 }),
  pushed('ext:bot-b:1', '2026-03-01T10:20:00Z', 'bot-b', { output: 17 }),
  pushed('ext:bot-b:2', '2026-03-01T10:30:00Z', 'bot-b', { output: 19, userId: 'bob' }),
  pushed('ext:web:1', '2026-03-01T10:40:00Z', 'web', { source: 'http', output: 23 }),
  // Not touched: a pushed event with its own session, an OTLP event, a log event.
  pushed('ext:bot-a:4', '2026-03-01T10:45:00Z', 'bot-a', { sessionId: 'mine', output: 29 }),
  event('otel:1', '2026-03-01T10:50:00Z', { source: 'otlp', agentId: 'svc', sessionId: '', output: 31 }),
  event('cc:1', '2026-03-01T10:15:00Z', { sessionId: 'claude-1', output: 37 }),
]
// Stored by the v8 engine once the rule was in (3 Dec 2026): already in bot-a's 10:00 session.
const AFTER_RULE = pushed('ext:bot-a:5', '2026-03-01T10:00:30Z', 'bot-a', {
  sessionId: implicitSessionId('bot-a', 'u1', Date.parse('2026-03-01T10:00:30Z')),
  output: 41,
})

/** Builds `path` at schema v8 with the first eight migrations, and writes `events` as v8 did. */
function v8Store(path: string, events: UsageEvent[]): void {
  const db = new Database(path)
  for (const m of MIGRATIONS.slice(0, 8)) m(db)
  db.pragma('user_version = 8')
  db.pragma('journal_mode = WAL')
  // The write path is today's applyBatch, which touches only tables v8 already has.
  const store: Store = { db, path, close: () => db.close() }
  applyBatch(store, [{ events }], cost)
  db.close()
}

const sessionsOf = (db: Database.Database) =>
  db.prepare('SELECT source, session_id, user_id, agent_id, first_ts, last_ts FROM sessions ORDER BY 1, 2').raw().all()
const ledgerWithoutSessions = (db: Database.Database) =>
  db.prepare('SELECT key, ts, source, user_id, agent_id, project, model, input, output, cost_nusd FROM usage_events ORDER BY key').all()
const costs = (db: Database.Database) =>
  db.prepare('SELECT sum(cost_nusd) AS buckets, (SELECT sum(cost_nusd) FROM usage_events) AS ledger FROM usage_buckets').get()

describe('store v9: pushed events of the one blank session get their implicit sessions', () => {
  it('a v8 file with a blank session from three agents and two users opens split per agent, user and hour, totals unchanged', () => {
    const path = join(tempDir(), 'tw.db')
    v8Store(path, [...OLD, AFTER_RULE])
    const raw = new Database(path)
    const T = (iso: string) => Date.parse(iso)
    // Before: one blank session per push source, holding every sender.
    expect(raw.prepare("SELECT source, first_ts, last_ts FROM sessions WHERE session_id = '' ORDER BY 1").raw().all()).toEqual([
      ['http', T('2026-03-01T10:40:00Z'), T('2026-03-01T10:40:00Z')],
      ['otlp', T('2026-03-01T10:50:00Z'), T('2026-03-01T10:50:00Z')],
      ['socket', T('2026-03-01T10:05:00Z'), T('2026-03-01T11:10:00Z')],
    ])
    const before = { ledger: ledgerWithoutSessions(raw), costs: costs(raw) }
    raw.close()

    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const id = (agent: string, user: string, iso: string) => implicitSessionId(agent, user, T(iso))
    const a10 = id('bot-a', 'u1', '2026-03-01T10:00:00Z')
    const a11 = id('bot-a', 'u1', '2026-03-01T11:00:00Z')
    const b10 = id('bot-b', 'u1', '2026-03-01T10:00:00Z')
    const bob10 = id('bot-b', 'bob', '2026-03-01T10:00:00Z')
    const web10 = id('web', 'u1', '2026-03-01T10:00:00Z')
    expect(
      Object.fromEntries(store.db.prepare('SELECT key, session_id FROM usage_events ORDER BY key').raw().all() as [string, string][]),
    ).toEqual({
      'cc:1': 'claude-1',
      'ext:bot-a:1': a10,
      'ext:bot-a:2': a10,
      'ext:bot-a:3': a11,
      'ext:bot-a:4': 'mine',
      'ext:bot-a:5': a10,
      'ext:bot-b:1': b10,
      'ext:bot-b:2': bob10,
      'ext:web:1': web10,
      'otel:1': '',
    })
    // The sessions as the ledger has them: bot-a's 10:00 session starts with the request stored
    // after the rule and ends with the last old one of that hour.
    expect(sessionsOf(store.db)).toEqual([
      ['claude-code', 'claude-1', 'u1', 'claude-code', T('2026-03-01T10:15:00Z'), T('2026-03-01T10:15:00Z')],
      ['http', web10, 'u1', 'web', T('2026-03-01T10:40:00Z'), T('2026-03-01T10:40:00Z')],
      ['otlp', '', 'u1', 'svc', T('2026-03-01T10:50:00Z'), T('2026-03-01T10:50:00Z')],
      ['socket', a10, 'u1', 'bot-a', T('2026-03-01T10:00:30Z'), T('2026-03-01T10:55:00Z')],
      ['socket', a11, 'u1', 'bot-a', T('2026-03-01T11:10:00Z'), T('2026-03-01T11:10:00Z')],
      ['socket', bob10, 'bob', 'bot-b', T('2026-03-01T10:30:00Z'), T('2026-03-01T10:30:00Z')],
      ['socket', b10, 'u1', 'bot-b', T('2026-03-01T10:20:00Z'), T('2026-03-01T10:20:00Z')],
      ['socket', 'mine', 'u1', 'bot-a', T('2026-03-01T10:45:00Z'), T('2026-03-01T10:45:00Z')],
    ])
    expectAggregatesMatchLedger(store)
    // Nothing but the session moved: every row, token and cost as before.
    expect(ledgerWithoutSessions(store.db)).toEqual(before.ledger)
    expect(costs(store.db)).toEqual(before.costs)
    expect(ledgerTotals(store)).toEqual({ input: 100, output: 228, cacheRead: 1000, cacheWrite: 0, requests: 10 })
    expect(bucketTotals(store)).toEqual(ledgerTotals(store))

    // What the Sessions table shows: the split sessions with their own requests and tokens.
    const f = { tz: 'UTC', sources: ['socket' as const, 'http' as const] }
    expect(countSessions(store, f)).toBe(6)
    expect(listSessions(store, f).map((s) => [s.sessionId, s.requests, s.output])).toEqual([
      [a11, 1, 13],
      [a10, 3, 59],
      ['mine', 1, 29],
      [web10, 1, 23],
      [bob10, 1, 19],
      [b10, 1, 17],
    ])
    // A new event of the same agent, user and hour joins the migrated session.
    applyBatch(store, [{ events: [{ ...AFTER_RULE, key: 'ext:bot-a:6', ts: T('2026-03-01T10:59:00Z'), output: 1 }] }], cost)
    expect(listSessions(store, f).find((s) => s.sessionId === a10)).toMatchObject({ requests: 4, output: 60 })
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('a v8 file without blank pushed sessions upgrades with its sessions untouched', () => {
    const path = join(tempDir(), 'tw.db')
    v8Store(path, [AFTER_RULE, event('cc:1', '2026-03-01T10:15:00Z', { sessionId: 'claude-1' })])
    const raw = new Database(path)
    const before = sessionsOf(raw)
    raw.close()
    const store = openStore(path)
    expect(sessionsOf(store.db)).toEqual(before)
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('pushed events restored from a v8 backup (a corrupt store rebuilt) get the sessions v9 gives them', () => {
    const dir = tempDir()
    const backup = join(dir, 'backup.db')
    v8Store(backup, OLD)
    const store = openStore(join(dir, 'tw.db'))
    expect(importPushedEvents(store, backup, cost).events).toBe(8)
    const T = (iso: string) => Date.parse(iso)
    expect(store.db.prepare('SELECT key, session_id FROM usage_events ORDER BY key').raw().all()).toEqual([
      ['ext:bot-a:1', implicitSessionId('bot-a', 'u1', T('2026-03-01T10:05:00Z'))],
      ['ext:bot-a:2', implicitSessionId('bot-a', 'u1', T('2026-03-01T10:05:00Z'))],
      ['ext:bot-a:3', implicitSessionId('bot-a', 'u1', T('2026-03-01T11:10:00Z'))],
      ['ext:bot-a:4', 'mine'],
      ['ext:bot-b:1', implicitSessionId('bot-b', 'u1', T('2026-03-01T10:20:00Z'))],
      ['ext:bot-b:2', implicitSessionId('bot-b', 'bob', T('2026-03-01T10:30:00Z'))],
      ['ext:web:1', implicitSessionId('web', 'u1', T('2026-03-01T10:40:00Z'))],
      ['otel:1', ''],
    ])
    expect(ledgerTotals(store)).toEqual({ input: 80, output: 150, cacheRead: 800, cacheWrite: 0, requests: 8 })
    expectAggregatesMatchLedger(store)
    store.close()
  })
})
