import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { localMachineFilter, runReport } from '../../../src/engine/query/report'
import { activityReport } from '../../../src/engine/query/activity'
import { reportToCsv } from '../../../src/engine/export/csv'
import { machineIdentity, setMachineName } from '../../../src/engine/store/changes'
import { startOfLocalDay } from '../../../src/shared/time-zone'
import type { UsageEvent } from '../../../src/shared/usage'
import type { GroupDim, Report } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const Z = (iso: string) => Date.parse(iso)
const MIN = 60_000

function storeWith(events: UsageEvent[], cost: (e: UsageEvent) => number | null = () => 1000): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  applyBatch(store, [{ events }], cost)
  return store
}

/** One request of 1 output token per instant, keyed by the instant. */
function at(...instants: number[]): UsageEvent[] {
  return instants.map((ts, i) => event(`k${i}:${ts}`, ts, { input: 0, output: 1, cacheRead: 0 }))
}

const rows = (r: Report, dim: GroupDim) => r.rows.map((x) => [x[dim], x.requests])

function expectTotalsAreRowSums(r: Report): void {
  const sum = (k: 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'requests' | 'unpricedTokens') => r.rows.reduce((s, x) => s + x[k], 0)
  expect(r.totals).toMatchObject({
    input: sum('input'),
    output: sum('output'),
    cacheRead: sum('cacheRead'),
    cacheWrite: sum('cacheWrite'),
    requests: sum('requests'),
    unpricedTokens: sum('unpricedTokens'),
  })
  expect(r.totals.costUsd).toBeCloseTo(
    r.rows.reduce((s, x) => s + x.costUsd, 0),
    12,
  )
}

describe('reports: local days around midnight', () => {
  // [zone, local day D]: events a minute before D, at its first instant, a minute before its end, at the next day's start.
  const cases: [string, string][] = [
    ['Asia/Kolkata', '2026-03-01'],
    ['Asia/Kathmandu', '2026-03-01'],
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['Australia/Lord_Howe', '2026-04-05'],
    ['Australia/Lord_Howe', '2026-10-04'],
    ['America/Havana', '2026-03-08'],
  ]
  it.each(cases)('%s %s', (tz, day) => {
    const start = startOfLocalDay(day, tz)
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    const prev = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
    const end = startOfLocalDay(next, tz)
    const store = storeWith(at(start - MIN, start, start + 7 * MIN, end - MIN, end - 1, end))
    const r = runReport(store, { tz, groupBy: ['day'] })
    expect(rows(r, 'day')).toEqual([
      [prev, 1],
      [day, 4],
      [next, 1],
    ])
    expectTotalsAreRowSums(r)
    // The same day asked as a range.
    expect(runReport(store, { tz, from: start, to: end, groupBy: [] }).totals.requests).toBe(4)
  })

  it('a 23-hour and a 25-hour day in New York, hour by hour', () => {
    const tz = 'America/New_York'
    const spring = startOfLocalDay('2026-03-08', tz)
    const hours = Array.from({ length: 23 }, (_, h) => spring + h * 3_600_000 + 30 * MIN)
    const fall = startOfLocalDay('2026-11-01', tz)
    const fallHours = Array.from({ length: 25 }, (_, h) => fall + h * 3_600_000 + 30 * MIN)
    const store = storeWith(at(...hours, ...fallHours))
    const r = runReport(store, { tz, groupBy: ['day', 'hour'] })
    const springRows = r.rows.filter((x) => x.day === '2026-03-08').map((x) => [x.hour!.slice(11), x.requests])
    // 02:00 does not exist on the spring day.
    expect(springRows).toEqual(
      [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23].map((h) => [
        `${String(h).padStart(2, '0')}:00`,
        1,
      ]),
    )
    // 01:00 happens twice on the fall day: the hour's row holds both.
    const fallRows = r.rows.filter((x) => x.day === '2026-11-01')
    expect(fallRows).toHaveLength(24)
    expect(fallRows.find((x) => x.hour === '2026-11-01T01:00')?.requests).toBe(2)
    expect(runReport(store, { tz, groupBy: ['day'] }).rows.map((x) => [x.day, x.requests])).toEqual([
      ['2026-03-08', 23],
      ['2026-11-01', 25],
    ])
  })

  it('hours start at :15 in Kathmandu and move by 30 minutes on Lord Howe', () => {
    const kathmandu = storeWith(
      at(Z('2026-02-28T18:14:59Z'), Z('2026-02-28T18:15:00Z'), Z('2026-02-28T19:14:59Z'), Z('2026-02-28T19:15:00Z')),
    )
    expect(rows(runReport(kathmandu, { tz: 'Asia/Kathmandu', groupBy: ['hour'] }), 'hour')).toEqual([
      ['2026-02-28T23:00', 1],
      ['2026-03-01T00:00', 2],
      ['2026-03-01T01:00', 1],
    ])
    // Lord Howe leaves DST at 2026-04-04T15:00Z: 02:00 (+11) becomes 01:30 (+10:30).
    const lordHowe = storeWith(
      at(Z('2026-04-04T14:45:00Z'), Z('2026-04-04T15:00:00Z'), Z('2026-04-04T15:29:00Z'), Z('2026-04-04T15:30:00Z')),
    )
    expect(rows(runReport(lordHowe, { tz: 'Australia/Lord_Howe', groupBy: ['hour'] }), 'hour')).toEqual([
      ['2026-04-05T01:00', 3],
      ['2026-04-05T02:00', 1],
    ])
  })

  it('weeks are labelled by their Monday and months by YYYY-MM, both in the zone', () => {
    // 2026-03-01 is a Sunday; in Kolkata Monday 2026-03-02 begins at 2026-03-01T18:30Z.
    const store = storeWith(at(Z('2026-02-28T18:29:00Z'), Z('2026-02-28T18:30:00Z'), Z('2026-03-01T18:29:00Z'), Z('2026-03-01T18:30:00Z')))
    expect(rows(runReport(store, { tz: 'Asia/Kolkata', groupBy: ['week'] }), 'week')).toEqual([
      ['2026-02-23', 3],
      ['2026-03-02', 1],
    ])
    expect(rows(runReport(store, { tz: 'UTC', groupBy: ['week'] }), 'week')).toEqual([['2026-02-23', 4]])
    expect(rows(runReport(store, { tz: 'Asia/Kolkata', groupBy: ['month'] }), 'month')).toEqual([
      ['2026-02', 1],
      ['2026-03', 3],
    ])
    expect(rows(runReport(store, { tz: 'UTC', groupBy: ['month'] }), 'month')).toEqual([
      ['2026-02', 2],
      ['2026-03', 2],
    ])
    // A week across a year end, and across a DST change.
    const ny = storeWith(
      at(
        Z('2026-12-31T12:00:00Z'),
        Z('2027-01-03T12:00:00Z'),
        Z('2027-01-04T12:00:00Z'),
        Z('2026-03-08T12:00:00Z'),
        Z('2026-03-02T12:00:00Z'),
      ),
    )
    expect(rows(runReport(ny, { tz: 'America/New_York', groupBy: ['week'] }), 'week')).toEqual([
      ['2026-03-02', 2],
      ['2026-12-28', 2],
      ['2027-01-04', 1],
    ])
  })
})

describe('reports: filters, groupings, ranges', () => {
  const base = Z('2026-03-01T10:00:00Z')
  const events: UsageEvent[] = [
    event('a', base, {
      userId: 'alice',
      agentId: 'claude-code',
      project: '/p1',
      model: 'sonnet',
      sessionId: 's1',
      input: 1,
      output: 10,
      cacheRead: 100,
      cacheWrite: 1000,
    }),
    event('b', base + 60 * MIN, {
      userId: 'alice',
      agentId: 'claude-code',
      project: '/p2',
      model: 'opus',
      sessionId: 's2',
      input: 2,
      output: 20,
      cacheRead: 200,
      cacheWrite: 2000,
    }),
    event('c', base + 120 * MIN, {
      userId: 'bob',
      agentId: 'codex',
      source: 'codex',
      project: '/p1',
      model: 'gpt-5',
      sessionId: 's3',
      input: 3,
      output: 30,
      cacheRead: 300,
      cacheWrite: 0,
    }),
    event('d', base + 24 * 60 * MIN, {
      userId: 'bob',
      agentId: 'codex',
      source: 'codex',
      project: '/p1',
      model: 'mystery',
      sessionId: 's3',
      input: 4,
      output: 40,
      cacheRead: 400,
      cacheWrite: 0,
    }),
  ]
  const cost = (e: UsageEvent) => (e.model === 'mystery' ? null : e.output * 1_000_000)

  it('each filter narrows to its rows; totals are the sum of the rows', () => {
    const store = storeWith(events, cost)
    const q = (extra: object, groupBy: GroupDim[] = ['model']) => runReport(store, { tz: 'UTC', groupBy, ...extra })
    expect(q({}).totals).toEqual({
      input: 10,
      output: 100,
      cacheRead: 1000,
      cacheWrite: 3000,
      requests: 4,
      costUsd: 0.06,
      unpricedTokens: 444,
    })
    expect(q({}).unpricedModels).toEqual(['mystery'])
    expect(q({ users: ['alice'] }).totals.output).toBe(30)
    expect(q({ agents: ['codex'] }).totals.output).toBe(70)
    expect(q({ projects: ['/p1'] }).totals.output).toBe(80)
    expect(q({ models: ['opus', 'gpt-5'] }).totals.output).toBe(50)
    expect(q({ sources: ['codex'] }).unpricedModels).toEqual(['mystery'])
    expect(q({ users: ['alice'] }).unpricedModels).toEqual([])
    expect(q({ sessions: ['s3'] }).totals).toMatchObject({ output: 70, requests: 2, unpricedTokens: 444 })
    expect(q({ users: ['alice'], projects: ['/p1'] }).totals.output).toBe(10)
    expect(q({ users: ['nobody'] })).toEqual({
      rows: [],
      totals: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 },
      unpricedModels: [],
    })
    for (const groupBy of [
      ['model'],
      ['user', 'project'],
      ['agent', 'source'],
      ['session'],
      ['day', 'model'],
      ['hour'],
      [],
    ] as GroupDim[][]) {
      expectTotalsAreRowSums(q({}, groupBy))
    }
    expect(q({}, ['user', 'project']).rows.map((r) => [r.user, r.project, r.output])).toEqual([
      ['alice', '/p1', 10],
      ['alice', '/p2', 20],
      ['bob', '/p1', 70],
    ])
    expect(q({}, ['source']).rows.map((r) => [r.source, r.requests])).toEqual([
      ['claude-code', 2],
      ['codex', 2],
    ])
  })

  it('session grouping comes from the ledger and agrees with the aggregates', () => {
    const store = storeWith(events, cost)
    const bySession = runReport(store, { tz: 'UTC', groupBy: ['session', 'day'] })
    expect(bySession.rows.map((r) => [r.session, r.day, r.requests, r.output])).toEqual([
      ['s1', '2026-03-01', 1, 10],
      ['s2', '2026-03-01', 1, 20],
      ['s3', '2026-03-01', 1, 30],
      ['s3', '2026-03-02', 1, 40],
    ])
    expect(bySession.totals).toEqual(runReport(store, { tz: 'UTC', groupBy: ['day'] }).totals)
  })

  it('a range is [from, to); ranges on quarter-hours use the aggregates, others are still exact', () => {
    const store = storeWith(events, cost)
    const span = (from: number, to: number) => runReport(store, { tz: 'UTC', from, to, groupBy: [] }).totals.requests
    expect(span(base, base + 60 * MIN)).toBe(1)
    expect(span(base, base + 60 * MIN + 1)).toBe(2)
    expect(span(base + 1, base + 60 * MIN)).toBe(0)
    expect(span(base + 59 * MIN, base + 61 * MIN)).toBe(1)
    expect(span(base + 61 * MIN, base + 200 * MIN)).toBe(1)
    expect(span(base + 24 * 60 * MIN + 1, base + 48 * 60 * MIN)).toBe(0)
    expect(span(base - 1e9, base + 1e10)).toBe(4)
    expect(span(base + 1e10, base + 2e10)).toBe(0)
  })

  it('a range that cuts a quarter-hour (e.g. "yesterday up to this time") counts by the instant, not the quarter', () => {
    const t = Z('2026-03-01T10:07:00Z')
    const store = storeWith(at(t, t + 5 * MIN))
    const span = (from: number, to: number, groupBy: GroupDim[] = []) =>
      runReport(store, { tz: 'Asia/Kathmandu', from, to, groupBy }).totals.requests
    expect(span(t - 2 * MIN, t + 1)).toBe(1)
    expect(span(t + 1, t + 60 * MIN)).toBe(1)
    expect(span(Z('2026-03-01T10:00:00Z'), t)).toBe(0)
    expect(span(t, t + 5 * MIN, ['hour'])).toBe(1)
  })

  it('an empty store answers with nothing', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    expect(runReport(store, { tz: 'Asia/Kolkata', groupBy: ['day', 'session'] }).rows).toEqual([])
  })
})

describe('reports: the machine dimension over a local store', () => {
  it('a local store is one machine: grouped by machine every row carries its name; a machine filter naming it (name or id) is no filter, another selects nothing; CSV and activity carry the column', () => {
    const store = storeWith([...at(Z('2026-03-01T10:00:00Z'), Z('2026-03-01T10:03:00Z')), ...at(Z('2026-03-02T23:50:00Z'))])
    setMachineName(store, 'ana-laptop')
    const q = { tz: 'UTC', groupBy: ['machine', 'day'] as GroupDim[] }
    const r = runReport(store, q)
    expect(r.rows.map((x) => [x.machine, x.day, x.requests])).toEqual([
      ['ana-laptop', '2026-03-01', 2],
      ['ana-laptop', '2026-03-02', 1],
    ])
    // Whole local days come from the day rollup; a cut range from the ledger: the label is the same.
    expect(runReport(store, q, { buildRollup: true }).rows).toEqual(r.rows)
    expect(runReport(store, { ...q, from: Z('2026-03-01T10:01:00Z') }).rows.map((x) => [x.machine, x.requests])).toEqual([
      ['ana-laptop', 1],
      ['ana-laptop', 1],
    ])
    const me = machineIdentity(store)
    expect(runReport(store, localMachineFilter(store, { ...q, machines: [me.id] })).totals.requests).toBe(3)
    expect(runReport(store, localMachineFilter(store, { ...q, machines: ['ana-laptop', 'desktop'] })).totals.requests).toBe(3)
    expect(runReport(store, localMachineFilter(store, { ...q, machines: ['desktop'] }))).toEqual({
      rows: [],
      totals: expect.objectContaining({ requests: 0 }),
      unpricedModels: [],
    })
    expect(reportToCsv(r, q.groupBy).split('\r\n').slice(0, 2)).toEqual([
      'machine,day,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens',
      'ana-laptop,2026-03-01,0,2,0,0,2,0.000002,0',
    ])
    expect(activityReport(store, { tz: 'UTC', groupBy: ['machine'] })).toEqual([{ machine: 'ana-laptop', activeMs: 3 * MIN, sessions: 1 }])
    store.close()
  })
})
