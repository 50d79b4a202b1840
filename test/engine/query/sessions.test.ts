/**
 * Session counts and lists on a real store: exact counts past the list's 500, what "active in the
 * range" counts at the range's edges, every filter, and the ledger path a model filter takes.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { countSessions, listSessions } from '../../../src/engine/query/sessions'
import { decodeEvent } from '../../../src/engine/push/decode-event'
import type { UsageFilter } from '../../../src/shared/contract'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'
import { event, expectAggregatesMatchLedger } from '../ingest/support'

const Z = (iso: string) => Date.parse(iso)
const MIN = 60_000
const T0 = Z('2026-03-01T00:00:00Z')
const SONNET = 'claude-sonnet-4-20250514'

function storeWith(events: UsageEvent[]): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  for (let i = 0; i < events.length; i += 1000) applyBatch(store, [{ events: events.slice(i, i + 1000) }], (e) => e.output * 1000)
  return store
}

const ids = (store: Store, f: UsageFilter, limit?: number) => listSessions(store, f, limit).map((s) => s.sessionId)

describe('countSessions and listSessions', () => {
  // Session i has two requests, at minute i and 30 s later.
  const many = Array.from({ length: 1200 }, (_, i) => {
    const id = `s${String(i).padStart(4, '0')}`
    return [event(`${id}-a`, T0 + i * MIN, { sessionId: id }), event(`${id}-b`, T0 + i * MIN + 30_000, { sessionId: id })]
  }).flat()

  it('counts every session, past the 500 the list shows, and lists the 500 most recent', () => {
    const store = storeWith(many)
    expect(countSessions(store, { tz: 'UTC' })).toBe(1200)
    const all = listSessions(store, { tz: 'UTC' })
    expect(all).toHaveLength(500)
    expect([all[0]?.sessionId, all[499]?.sessionId]).toEqual(['s1199', 's0700'])
    expect(all[0]).toMatchObject({ requests: 2, firstTs: T0 + 1199 * MIN, lastTs: T0 + 1199 * MIN + 30_000, models: [SONNET] })

    const range = { tz: 'UTC', from: T0 + 100 * MIN, to: T0 + 1000 * MIN }
    expect(countSessions(store, range)).toBe(900)
    expect(countSessions(store, { ...range, models: [SONNET] })).toBe(900)
    const inRange = ids(store, range)
    expect([inRange.length, inRange[0], inRange[499]]).toEqual([500, 's0999', 's0500'])
    expect(ids(store, { ...range, models: [SONNET] })).toEqual(inRange)
    expect(ids(store, range, 3)).toEqual(['s0999', 's0998', 's0997'])
  })

  // The range is [10:00, 12:00).
  const R = { tz: 'UTC', from: Z('2026-03-01T10:00:00Z'), to: Z('2026-03-01T12:00:00Z') }
  const edges = [
    event('gap-1', '2026-03-01T09:00:00Z', { sessionId: 'gap' }),
    event('gap-2', '2026-03-01T13:00:00Z', { sessionId: 'gap' }),
    event('at-from', '2026-03-01T10:00:00Z', { sessionId: 'at-from' }),
    event('before', '2026-03-01T09:59:59.999Z', { sessionId: 'before' }),
    event('at-to', '2026-03-01T12:00:00Z', { sessionId: 'at-to' }),
    event('in-1', '2026-03-01T10:30:00Z', { sessionId: 'inside', output: 7 }),
    event('in-2', '2026-03-01T11:00:00Z', { sessionId: 'inside', model: 'opus', output: 9 }),
    event('across-1', '2026-03-01T11:30:00Z', { sessionId: 'across', output: 3 }),
    event('across-2', '2026-03-01T12:30:00Z', { sessionId: 'across', output: 1000 }),
  ]

  it('counts and lists exactly the sessions with a request inside the range', () => {
    const store = storeWith(edges)
    // "gap" spans the range with no request inside it: neither counted nor listed. "across" runs on
    // past `to` and ranks by its last request inside the range.
    expect(countSessions(store, R)).toBe(3)
    expect(listSessions(store, R).map((s) => [s.sessionId, s.requests, s.output, s.firstTs, s.lastTs])).toEqual([
      ['across', 1, 3, Z('2026-03-01T11:30:00Z'), Z('2026-03-01T11:30:00Z')],
      ['inside', 2, 16, Z('2026-03-01T10:30:00Z'), Z('2026-03-01T11:00:00Z')],
      ['at-from', 1, 5, R.from, R.from],
    ])
    // With a model filter the count is exact: sessions with a matching request in the range.
    expect(countSessions(store, { ...R, models: [SONNET] })).toBe(3)
    expect(countSessions(store, { ...R, models: ['opus'] })).toBe(1)
    expect(countSessions(store, { tz: 'UTC' })).toBe(6)
    expect(countSessions(store, { tz: 'UTC', from: Z('2026-03-01T12:00:00Z') })).toBe(3)
    expect(countSessions(store, { tz: 'UTC', to: R.from })).toBe(2)
    // Only "gap" between its two requests: nothing in (09:00, 13:00) but the others.
    expect(countSessions(store, { tz: 'UTC', from: Z('2026-03-01T09:00:00.001Z'), to: Z('2026-03-01T10:00:00Z') })).toBe(1)
    expect(ids(store, { tz: 'UTC', from: Z('2026-03-01T12:30:00.001Z'), to: Z('2026-03-01T13:00:00Z') })).toEqual([])
  })

  it('ranks a session running past the range by its last request inside it', () => {
    // "long" has a request at 10:05 in the range and more after it; "short" ends at 11:00.
    const store = storeWith([
      event('long-1', '2026-03-01T10:05:00Z', { sessionId: 'long' }),
      event('long-2', '2026-03-01T14:00:00Z', { sessionId: 'long' }),
      event('short-1', '2026-03-01T11:00:00Z', { sessionId: 'short' }),
    ])
    expect(ids(store, R, 1)).toEqual(['short'])
    expect(ids(store, R)).toEqual(['short', 'long'])
    expect(countSessions(store, R)).toBe(2)
  })

  it("answers a model filter from the ledger: only that model's requests, in the range", () => {
    const store = storeWith(edges)
    expect(listSessions(store, { ...R, models: ['opus'] })).toEqual([
      {
        sessionId: 'inside',
        source: 'claude-code',
        userId: 'u1',
        agentId: 'claude-code',
        project: '/work/app',
        models: ['opus'],
        firstTs: Z('2026-03-01T11:00:00Z'),
        lastTs: Z('2026-03-01T11:00:00Z'),
        input: 10,
        output: 9,
        cacheRead: 100,
        cacheWrite: 0,
        requests: 1,
        costUsd: 0.000009,
        unpricedTokens: 0,
      },
    ])
    expect(ids(store, { ...R, models: [SONNET, 'opus'] })).toEqual(['across', 'inside', 'at-from'])
    expect(listSessions(store, { ...R, models: ['nothing'] })).toEqual([])
    expect(countSessions(store, { ...R, models: ['nothing'] })).toBe(0)
  })

  it('applies the user, agent, project, source and session filters to both', () => {
    const store = storeWith([
      event('a', '2026-03-01T10:00:00Z', { sessionId: 'a' }),
      event('b', '2026-03-01T10:10:00Z', { sessionId: 'b', userId: 'bob' }),
      event('c', '2026-03-01T10:20:00Z', { sessionId: 'c', source: 'codex', agentId: 'codex', project: '/work/other' }),
      event('d', '2026-03-01T10:30:00Z', { sessionId: 'd', source: 'socket', agentId: 'review-bot', userId: 'bob' }),
    ])
    const cases: [Partial<UsageFilter>, string[]][] = [
      [{}, ['d', 'c', 'b', 'a']],
      [{ users: ['bob'] }, ['d', 'b']],
      [{ agents: ['codex', 'review-bot'] }, ['d', 'c']],
      [{ projects: ['/work/app'] }, ['d', 'b', 'a']],
      [{ sources: ['claude-code'] }, ['b', 'a']],
      [{ sessions: ['a', 'c'] }, ['c', 'a']],
      [{ users: ['bob'], sources: ['socket'] }, ['d']],
      [{ users: ['nobody'] }, []],
    ]
    for (const [f, want] of cases) {
      const filter = { ...R, ...f }
      expect({ f, list: ids(store, filter), count: countSessions(store, filter) }).toEqual({ f, list: want, count: want.length })
    }
  })

  it('counts a session once across models, and follows a correction that moves a request to another model or session', () => {
    const store = storeWith([
      event('m-1', '2026-03-01T10:00:00Z', { sessionId: 'mixed', model: 'opus' }),
      event('m-2', '2026-03-01T10:10:00Z', { sessionId: 'mixed' }),
      event('late', '2026-03-01T13:00:00Z', { sessionId: 'mixed', model: 'opus' }),
    ])
    expect(countSessions(store, R)).toBe(1)
    expect(countSessions(store, { ...R, models: ['opus'] })).toBe(1)
    expect(listSessions(store, R).map((s) => [s.sessionId, s.models, s.requests])).toEqual([
      ['mixed', ['claude-sonnet-4-20250514', 'opus'], 2],
    ])
    // 'm-1' seen again with more output under another model and an earlier line in another session:
    // its tokens (and model) move to sonnet, its session and time to the earlier sighting.
    applyBatch(store, [{ events: [event('m-1', '2026-03-01T09:00:00Z', { sessionId: 'other', output: 50 })] }], (e) => e.output * 1000)
    expectAggregatesMatchLedger(store)
    expect(countSessions(store, { ...R, models: ['opus'] })).toBe(0)
    expect(countSessions(store, R)).toBe(1)
    expect(countSessions(store, { tz: 'UTC', from: Z('2026-03-01T09:00:00Z'), to: R.from, models: [SONNET] })).toBe(1)
    expect(ids(store, { tz: 'UTC', models: ['opus'] })).toEqual(['mixed'])
  })
})

describe('pushed events without a session id', () => {
  it('list as one implicit session per agent, user and UTC hour, never one blank session', () => {
    const pushed = (id: string, iso: string, o: Record<string, unknown>): UsageEvent => {
      const r = decodeEvent({ id, model: SONNET, output: 10, ts: iso, ...o }, T0, { userId: 'alice', source: 'socket' })
      if (!r.ok) throw new Error(r.error)
      return r.event
    }
    const store = storeWith([
      pushed('a1', '2026-03-01T10:05:00Z', { agentId: 'bot' }),
      pushed('a2', '2026-03-01T10:55:00Z', { agentId: 'bot' }),
      pushed('b1', '2026-03-01T10:10:00Z', { agentId: 'eval' }),
      pushed('c1', '2026-03-01T10:20:00Z', { agentId: 'bot', userId: 'bob' }),
      pushed('a3', '2026-03-01T11:05:00Z', { agentId: 'bot' }),
    ])
    const list = listSessions(store, { tz: 'UTC' })
    expect(list.map((s) => [s.sessionId, s.agentId, s.userId, s.requests])).toEqual([
      ['implicit:bot:alice:2026-03-01T11Z', 'bot', 'alice', 1],
      ['implicit:bot:alice:2026-03-01T10Z', 'bot', 'alice', 2],
      ['implicit:bot:bob:2026-03-01T10Z', 'bot', 'bob', 1],
      ['implicit:eval:alice:2026-03-01T10Z', 'eval', 'alice', 1],
    ])
    expect(countSessions(store, { tz: 'UTC' })).toBe(4)
    expect(countSessions(store, { tz: 'UTC', agents: ['eval'] })).toBe(1)
  })
})
