import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import pg from 'pg'
import type { Report, ReportQuery } from '../../../src/shared/contract'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { createCoster } from '../../../src/engine/pricing/coster'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { recostHistory } from '../../../src/engine/ingest/recost'
import { runReport } from '../../../src/engine/query/report'
import { machineIdentity, setMachineName } from '../../../src/engine/store/changes'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { outgoingSince } from '../../../src/engine/sync/outgoing'
import { syncToPostgres } from '../../../src/engine/sync/pg-sink'
import { teamReport } from '../../../src/engine/sync/team-report'
import { redactUrl, scrub } from '../../../src/shared/team-url'
import { startPostgres, type TestPostgres } from '../../helpers/postgres'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const Q = 15 * 60_000
let pgs: TestPostgres

beforeAll(async () => {
  pgs = await startPostgres()
}, 180_000)

afterAll(async () => {
  await pgs?.destroy()
})

/** A fresh team database for each test: drop what an earlier one synced. */
async function freshTeam(): Promise<void> {
  await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
}

/** Polls real state until `ok` holds (30 s at most). */
async function until(ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 50))
  }
}

const prices = loadPriceTable()
const cost = createCoster(prices)

function machine(name: string): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  setMachineName(store, name)
  return store
}

/** `n` requests on `store`, one per quarter-hour from `from`, across two users, models and projects. */
function work(store: Store, prefix: string, n: number, from = T0, extra: { output?: number } = {}): void {
  const events = Array.from({ length: n }, (_, i) =>
    event(`${prefix}-${i}`, from + i * Q, {
      userId: i % 2 ? 'ana' : 'bo',
      model: i % 3 ? 'claude-sonnet-4-20250514' : 'mystery-model',
      project: i % 5 ? '/home/ana/src/app' : '/srv/other/app',
      input: 100 + i,
      output: extra.output ?? 7 + (i % 11),
      cacheRead: i,
      cacheWrite: i % 4,
    }),
  )
  applyBatch(store, [{ events }], cost)
}

const opts = { projects: 'basename' as const }

/** The sum of the machines' local reports grouped by machine (each store labels its rows with its own name). */
function localReports(stores: Store[], q: ReportQuery): { rows: Record<string, unknown>[]; totals: Report['totals'] } {
  const rows: Record<string, unknown>[] = []
  const totals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 }
  let nano = 0
  for (const s of stores) {
    const r = runReport(s, { ...q, groupBy: ['machine', ...q.groupBy] })
    expect(r.rows.every((row) => row.machine === machineIdentity(s).name)).toBe(true)
    rows.push(...(r.rows as unknown as Record<string, unknown>[]))
    for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'requests', 'unpricedTokens'] as const) totals[k] += r.totals[k]
    nano += Math.round(r.totals.costUsd * 1e9)
  }
  totals.costUsd = nano / 1e9
  return { rows, totals }
}

async function expectTeamEqualsMachines(stores: Store[], groupBy: ReportQuery['groupBy'] = ['day', 'user', 'model']): Promise<void> {
  const q: ReportQuery = { tz: 'Asia/Kolkata', groupBy }
  const team = await teamReport(pgs.url, { ...q, groupBy: ['machine', ...groupBy] })
  const local = localReports(stores, q)
  const key = (r: Record<string, unknown>) => JSON.stringify(['machine', ...groupBy].map((d) => r[d]))
  const sortRows = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1))
  expect(sortRows(team.rows as unknown as Record<string, unknown>[])).toEqual(sortRows(local.rows))
  expect(team.totals).toEqual(local.totals)
  // ...and without the machine dimension, the same grand total.
  const all = await teamReport(pgs.url, q)
  expect(all.totals).toEqual(local.totals)
}

describe('team sync to a real PostgreSQL', () => {
  it("two machines sync; the team report per machine equals each machine's own report to the token; a re-sync sends nothing, new work only its rows", async () => {
    await freshTeam()
    const laptop = machine('laptop')
    const desktop = machine('desktop')
    work(laptop, 'l', 40)
    work(desktop, 'd', 25, T0 + 3 * Q)
    const a = await syncToPostgres(laptop, pgs.url, opts)
    const b = await syncToPostgres(desktop, pgs.url, opts)
    expect(a).toMatchObject({ machine: 'laptop', sent: 40, ackedSeq: 2 })
    expect(b).toMatchObject({ machine: 'desktop', sent: 25 })
    await expectTeamEqualsMachines([laptop, desktop])
    // Projects left as their basename: both checkouts are "app"; the full paths never left.
    expect(await pgs.query('SELECT DISTINCT project FROM tokenwatch.buckets')).toEqual([{ project: 'app' }])
    // Nothing changed: nothing is sent.
    expect((await syncToPostgres(laptop, pgs.url, opts)).sent).toBe(0)
    // Three new requests in two new quarter-hours and one existing one: three rows.
    applyBatch(
      laptop,
      [
        {
          events: [
            event('n1', T0 + 100 * Q),
            event('n2', T0 + 101 * Q),
            event('n3', T0 + Q, { userId: 'ana', model: 'claude-sonnet-4-20250514', project: '/home/ana/src/app' }),
          ],
        },
      ],
      cost,
    )
    expect((await syncToPostgres(laptop, pgs.url, opts)).sent).toBe(3)
    await expectTeamEqualsMachines([laptop, desktop])
    // The documented hourly view reads the same totals.
    const [v] = await pgs.query<{ requests: string; input: string }>(
      'SELECT sum(requests) AS requests, sum(input) AS input FROM tokenwatch.hourly',
    )
    const local = localReports([laptop, desktop], { tz: 'UTC', groupBy: [] }).totals
    expect({ requests: Number(v?.requests), input: Number(v?.input) }).toEqual({ requests: local.requests, input: local.input })
    const perMachineUser = await pgs.query<{ machine: string; user_id: string; requests: string }>(
      'SELECT machine, user_id, sum(requests) AS requests FROM tokenwatch.hourly GROUP BY 1, 2 ORDER BY 1, 2',
    )
    expect(perMachineUser.map((r) => [r.machine, r.user_id, Number(r.requests)])).toEqual([
      ['desktop', 'ana', 12],
      ['desktop', 'bo', 13],
      ['laptop', 'ana', 21],
      ['laptop', 'bo', 20],
      ['laptop', 'u1', 2],
    ])
    laptop.close()
    desktop.close()
  })

  it('a correction that moves a request to another quarter-hour and a re-cost after a price change reach the team as absolute values', async () => {
    await freshTeam()
    const m = machine('m1')
    work(m, 'k', 30)
    recostHistory(m, prices, cost) // records the rates the history was priced with, as the engine does on start
    await syncToPostgres(m, pgs.url, opts)
    // k-4 re-seen with more output and an earlier instant: the record moves to that quarter-hour,
    // and its old row, which held only it, is removed (a tombstone locally, zeros on the server).
    const moved = applyBatch(
      m,
      [
        {
          events: [
            event('k-4', T0 - 3 * Q, {
              userId: 'bo',
              model: 'claude-sonnet-4-20250514',
              project: '/home/ana/src/app',
              input: 104,
              output: 900,
              cacheRead: 4,
              cacheWrite: 0,
            }),
          ],
        },
      ],
      cost,
    )
    expect(moved.updated).toBe(1)
    expect(
      m.db.prepare('SELECT bucket_start FROM bucket_drops WHERE change_seq = (SELECT max(change_seq) FROM bucket_drops)').raw().all(),
    ).toEqual([[T0 + 4 * Q]])
    expect((await syncToPostgres(m, pgs.url, opts)).sent).toBe(2)
    expect(
      await pgs.query(
        'SELECT bucket_start::float8 AS b, requests::int AS n FROM tokenwatch.buckets WHERE bucket_start IN ($1, $2) ORDER BY 1',
        [T0 - 3 * Q, T0 + 4 * Q],
      ),
    ).toEqual([
      { b: T0 - 3 * Q, n: 1 },
      { b: T0 + 4 * Q, n: 0 },
    ])
    await expectTeamEqualsMachines([m])
    // A price override re-costs history: every row of that model is rebuilt with a newer sequence.
    const dearer = loadPriceTable({ overrides: [{ model: 'claude-sonnet-4-20250514', input: 30, output: 150 }] })
    expect(recostHistory(m, dearer, createCoster(dearer))).toContain('claude-sonnet-4-20250514')
    const r = await syncToPostgres(m, pgs.url, opts)
    expect(r.sent).toBe(20)
    await expectTeamEqualsMachines([m])
    const team = await teamReport(pgs.url, { tz: 'UTC', groupBy: [] })
    expect(team.totals.costUsd).toBe(runReport(m, { tz: 'UTC', groupBy: [] }).totals.costUsd)
    m.close()
  })

  it('two syncs of one machine racing, and a change of project naming, never double count', async () => {
    await freshTeam()
    const m = machine('racer')
    work(m, 'r', 50)
    await Promise.all([syncToPostgres(m, pgs.url, opts), syncToPostgres(m, pgs.url, opts), syncToPostgres(m, pgs.url, opts)])
    await expectTeamEqualsMachines([m])
    expect(Number((await pgs.query<{ n: string }>('SELECT count(*) AS n FROM tokenwatch.buckets'))[0]?.n)).toBe(50)
    // Hashed projects: the old rows go, every row is sent again under the new names.
    const r = await syncToPostgres(m, pgs.url, { projects: 'hashed' })
    expect(r.sent).toBe(50)
    await expectTeamEqualsMachines([m], ['day'])
    const projects = (await pgs.query<{ project: string }>('SELECT DISTINCT project FROM tokenwatch.buckets ORDER BY 1')).map(
      (p) => p.project,
    )
    expect(projects).toHaveLength(2)
    for (const p of projects) expect(p).toMatch(/^sha256:[0-9a-f]{16}$/)
    m.close()
  })

  it('the server stopped in the middle of a sync: the sync fails, nothing half-sent counts, and the next sync after the restart catches up exactly', async () => {
    await freshTeam()
    const m = machine('flaky')
    work(m, 'f', 2500)
    await syncToPostgres(m, pgs.url, opts)
    const before = await teamReport(pgs.url, { tz: 'UTC', groupBy: [] })
    // Every row changes (more output per request); the sync sends 3 statements of rows.
    work(m, 'f', 2500, T0, { output: 5000 })
    const rows = outgoingSince(m, 2, 'basename').rows
    expect(rows).toHaveLength(2500)
    // Hold a row of the second statement so the sync stops half-way, its first 1000 rows sent.
    const held = rows[1500]
    if (!held) throw new Error('no row to hold')
    const locker = new pg.Client({ connectionString: pgs.url })
    locker.on('error', () => undefined)
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query(`SELECT 1 FROM tokenwatch.buckets WHERE bucket_start = $1 AND user_id = $2 AND model = $3 FOR UPDATE`, [
      held.bucketStart,
      held.userId,
      held.model,
    ])
    const sync = syncToPostgres(m, pgs.url, opts).then(
      () => 'finished',
      (err: Error) => err.message,
    )
    await until(
      async () =>
        (await pgs.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tokenwatch.buckets%'"))
          .length === 1,
    )
    await pgs.stop()
    expect(await sync).toMatch(/terminat|Connection|ECONNRESET|shut/i)
    await locker.end().catch(() => undefined)
    await pgs.start()
    // The half-sent rows rolled back with the acknowledgement.
    expect((await teamReport(pgs.url, { tz: 'UTC', groupBy: [] })).totals).toEqual(before.totals)
    expect((await syncToPostgres(m, pgs.url, opts)).sent).toBe(2500)
    await expectTeamEqualsMachines([m])
    m.close()
  })

  it('a server that is down is a clear error naming the URL without its password', async () => {
    const url = `postgres://tw:s3cret-pw@127.0.0.1:${pgs.port + 1}/tw`
    const m = machine('offline')
    work(m, 'o', 3)
    const err = await syncToPostgres(m, url, { ...opts, connectTimeoutMs: 2000 }).then(
      () => null,
      (e: Error) => e,
    )
    expect(err?.message).toMatch(/^cannot connect to the team database: /)
    expect(err?.message).not.toContain('s3cret-pw')
    expect(redactUrl(url)).toBe(`postgres://tw:***@127.0.0.1:${pgs.port + 1}/tw`)
    expect(redactUrl('postgres://h/db?sslmode=require&password=zz')).toBe('postgres://h/db?sslmode=require&password=***')
    expect(scrub(`failed for ${url}: password s3cret-pw rejected`, url)).toBe(
      `failed for postgres://tw:***@127.0.0.1:${pgs.port + 1}/tw: password *** rejected`,
    )
    m.close()
  })
})
