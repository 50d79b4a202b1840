import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { openStore } from '../../src/engine/store/open-store'
import { outgoingSince } from '../../src/engine/sync/outgoing'
import { startPostgres, type TestPostgres } from '../helpers/postgres'
import { tempDir } from '../helpers/temp'
import { event } from '../engine/ingest/support'
import { CLI, cliEnv, requireBuild, runCli, signIn, startServe } from './run-cli'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const Q = 15 * 60_000
let pgs: TestPostgres

beforeAll(async () => {
  requireBuild()
  pgs = await startPostgres()
}, 180_000)

afterAll(async () => {
  await pgs?.destroy()
})

/** A machine: its own data dir and store, with `n` requests one per quarter-hour. */
function machineDir(name: string, n: number, output = 9): { env: NodeJS.ProcessEnv; db: string } {
  const dir = tempDir()
  const env = cliEnv(dir, { TOKENWATCH_TEAM_URL: pgs.url })
  const db = join(dir, 'home', 'tw.db')
  writeWork(db, name, n, output)
  expect(runCli(['machine', '--name', name, '--db', db], env).code).toBe(0)
  return { env, db }
}

function writeWork(db: string, prefix: string, n: number, output: number): void {
  const store = openStore(db)
  applyBatch(
    store,
    [
      {
        events: Array.from({ length: n }, (_, i) =>
          event(`${prefix}-${i}`, T0 + i * Q, {
            userId: i % 2 ? 'ana' : 'bo',
            model: i % 3 ? 'claude-sonnet-4-20250514' : 'mystery-model',
            input: 50 + i,
            output,
          }),
        ),
      },
    ],
    () => 1_000_000,
  )
  store.close()
}

const DIMS = 'day,user,model'

/** `report --json` of each machine, labelled by machine, and `report --from --json --group-by machine,…`. */
function reports(machines: Record<string, { env: NodeJS.ProcessEnv; db: string }>) {
  const local: Record<string, unknown>[] = []
  const totals: Record<string, number> = {}
  for (const [name, m] of Object.entries(machines)) {
    const r = JSON.parse(runCli(['report', '--json', '--tz', 'America/St_Johns', '--group-by', DIMS, '--db', m.db], m.env).stdout) as {
      rows: Record<string, unknown>[]
      totals: Record<string, number>
    }
    for (const row of r.rows) local.push({ machine: name, ...row })
    for (const [k, v] of Object.entries(r.totals)) totals[k] = (totals[k] ?? 0) + v
  }
  const env = Object.values(machines)[0]?.env ?? {}
  const out = runCli(['report', '--from', pgs.url, '--json', '--tz', 'America/St_Johns', '--group-by', `machine,${DIMS}`], env)
  expect(out.stderr).toBe('')
  const team = JSON.parse(out.stdout) as { rows: Record<string, unknown>[]; totals: Record<string, number> }
  return { local, totals, team }
}

function expectTeamEqualsSum(machines: Record<string, { env: NodeJS.ProcessEnv; db: string }>): void {
  const { local, totals, team } = reports(machines)
  const key = (r: Record<string, unknown>) => JSON.stringify(r)
  expect([...team.rows].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual([...local].sort((a, b) => (key(a) < key(b) ? -1 : 1)))
  expect(team.totals.requests).toBe(totals.requests)
  for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'requests', 'unpricedTokens']) expect(team.totals[k]).toBe(totals[k])
  expect(team.totals.costUsd).toBeCloseTo(totals.costUsd ?? 0, 9)
}

describe('tokenwatch sync and report --from against a real PostgreSQL', () => {
  it('two machines sync from the command line; kill -9 in the middle of a sync leaves the server as it was; the next sync catches up; the team report equals the sum of the local reports', async () => {
    const laptop = machineDir('laptop', 2400)
    const desktop = machineDir('desktop', 30)
    // TOKENWATCH_TEAM_URL stands in for --to.
    const first = runCli(['sync', '--json', '--db', laptop.db], laptop.env)
    expect(first.stderr).toBe('')
    expect(JSON.parse(first.stdout)).toMatchObject({ machine: 'laptop', sent: 2400, projects: 'basename' })
    expect(runCli(['sync', '--to', pgs.url, '--db', desktop.db], desktop.env).stdout).toMatch(
      /^synced 30 rows of desktop to postgres:\/\/tw@127\.0\.0\.1:\d+\/tw \(up to change \d+\)\n$/,
    )
    expectTeamEqualsSum({ laptop, desktop })

    // Every laptop row changes; a row of the second statement is held so the sync stops half-way.
    writeWork(laptop.db, 'laptop', 2400, 700)
    const store = openStore(laptop.db)
    const held = outgoingSince(store, 2, 'basename').rows[1500]
    store.close()
    if (!held) throw new Error('no row to hold')
    const before = reports({ laptop, desktop }).team
    const locker = new pg.Client({ connectionString: pgs.url })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query('SELECT 1 FROM tokenwatch.buckets WHERE bucket_start = $1 AND user_id = $2 AND model = $3 FOR UPDATE', [
      held.bucketStart,
      held.userId,
      held.model,
    ])
    const child = spawn(process.execPath, [CLI, 'sync', '--db', laptop.db], { env: laptop.env, stdio: 'ignore' })
    const exited = new Promise((r) => child.once('exit', r))
    await until(
      async () =>
        (await pgs.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tokenwatch.buckets%'"))
          .length === 1,
    )
    child.kill('SIGKILL')
    await exited
    await locker.query('ROLLBACK')
    await locker.end()
    // The server notices the dead client and rolls its transaction back: the first 1000 rows never count.
    await until(
      async () => (await pgs.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'INSERT INTO tokenwatch.buckets%'")).length === 0,
    )
    expect(reports({ laptop, desktop }).team).toEqual(before)
    const again = runCli(['sync', '--json', '--db', laptop.db], laptop.env)
    expect(JSON.parse(again.stdout)).toMatchObject({ sent: 2400 })
    expectTeamEqualsSum({ laptop, desktop })
    // A filter by machine and the plain-text table.
    const one = JSON.parse(
      runCli(['report', '--from', pgs.url, '--machine', 'desktop', '--json', '--group-by', 'machine'], laptop.env).stdout,
    ) as { rows: unknown[] }
    expect(one.rows).toEqual([expect.objectContaining({ machine: 'desktop', requests: 30 })])
    expect(runCli(['report', '--from', pgs.url, '--group-by', 'machine'], laptop.env).stdout).toMatch(
      /^machine\s+input.*\n-+.*\ndesktop\s.*\nlaptop\s.*\n/,
    )
    // CSV has the machine column; the local store answers --group-by machine (and --machine) as its own machine.
    const csv = runCli(
      ['report', '--from', pgs.url, '--csv', '--group-by', 'machine,user', '--machine', 'laptop'],
      laptop.env,
    ).stdout.split('\r\n')
    expect(csv[0]).toBe('machine,user,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens')
    expect(csv.slice(1, 3).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['laptop,ana', 'laptop,bo'])
    const ownCsv = runCli(['report', '--db', laptop.db, '--csv', '--group-by', 'machine,user'], laptop.env).stdout.split('\r\n')
    expect(ownCsv.slice(0, 3)).toEqual(csv.slice(0, 3))
    expect(
      JSON.parse(runCli(['report', '--db', laptop.db, '--json', '--group-by', 'machine', '--machine', 'desktop'], laptop.env).stdout),
    ).toMatchObject({ rows: [], totals: { requests: 0 } })
    // About twenty CLI runs and 2,400 rows sent three times: ~5 s alone, several times that beside the whole suite.
  }, 120_000)

  it("sync --folder writes this machine's file; report --folder shows this machine and the others, skipping a half-written file with a line on stderr", () => {
    const folder = tempDir()
    const a = machineDir('alpha', 6)
    const b = machineDir('beta', 4)
    expect(runCli(['sync', '--folder', folder, '--db', a.db], a.env).stdout).toMatch(/^wrote 6 rows to .*tokenwatch-[0-9a-f-]{36}\.json\n$/)
    expect(JSON.parse(runCli(['sync', '--folder', folder, '--db', b.db, '--json'], b.env).stdout)).toMatchObject({ rows: 4, written: true })
    writeFileSync(join(folder, 'tokenwatch-00000000-0000-0000-0000-000000000000.json'), '{"format":"tokenwatch-machine","ver')
    const r = runCli(['report', '--folder', folder, '--db', a.db, '--json', '--group-by', 'machine'], a.env)
    expect(r.stderr).toBe('skipped tokenwatch-00000000-0000-0000-0000-000000000000.json: not complete JSON (half-written?)\n')
    expect((JSON.parse(r.stdout) as { rows: unknown[] }).rows).toEqual([
      expect.objectContaining({ machine: 'alpha', requests: 6 }),
      expect.objectContaining({ machine: 'beta', requests: 4 }),
    ])
  })

  it("serve --team answers the dashboard's calls from the team database: reports equal the sum of the machines' local reports, with a machine filter; methods without team meaning say so", async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const north = machineDir('north', 40)
    const south = machineDir('south', 25, 31)
    for (const m of [north, south]) expect(runCli(['sync', '--db', m.db], m.env).code).toBe(0)
    const served = await startServe(['--team', pgs.url, '--port', '0'], { ...north.env, TOKENWATCH_TEAM_URL: '' })
    try {
      expect(served.out()).toMatch(/^team\s+postgres:\/\/tw@127\.0\.0\.1:\d+\/tw$/m)
      const { cookie, origin } = await signIn(served.url)
      const call = async (method: string, arg?: unknown) => {
        const res = await fetch(`${origin}/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify(arg === undefined ? {} : { arg }),
        })
        return (await res.json()) as { ok: boolean; result?: unknown; error?: string }
      }
      const tz = 'America/St_Johns'
      const local = (m: { env: NodeJS.ProcessEnv; db: string }, extra: string[] = []) =>
        JSON.parse(runCli(['report', '--json', '--tz', tz, '--group-by', 'day,user,model', '--db', m.db, ...extra], m.env).stdout) as {
          totals: Record<string, number>
          rows: Record<string, unknown>[]
        }
      const both = await call('report', { tz, groupBy: ['day', 'user', 'model'] })
      expect(both.ok).toBe(true)
      const team = both.result as { totals: Record<string, number>; rows: Record<string, unknown>[] }
      const n = local(north)
      const s = local(south)
      for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'requests', 'unpricedTokens'])
        expect(team.totals[k]).toBe((n.totals[k] ?? 0) + (s.totals[k] ?? 0))
      expect(team.totals.costUsd).toBeCloseTo((n.totals.costUsd ?? 0) + (s.totals.costUsd ?? 0), 9)
      expect(team.totals.requests).toBe(65)
      // The machine filter: one machine's team figures are its own local report, row for row.
      const onlySouth = (await call('report', { tz, groupBy: ['day', 'user', 'model'], machines: ['south'] })).result as typeof team
      const strip = (r: Record<string, unknown>) => ({ ...r, costUsd: Math.round(Number(r.costUsd) * 1e9) })
      expect(onlySouth.rows.map(strip)).toEqual(s.rows.map(strip))
      expect(onlySouth.totals.requests).toBe(25)
      // machine is a contract dimension: the report and its CSV grouped by it.
      const perMachine = (await call('report', { tz, groupBy: ['machine'] })).result as typeof team
      expect(perMachine.rows.map((r) => [r.machine, r.requests])).toEqual([
        ['north', 40],
        ['south', 25],
      ])
      const csv = (await call('reportCsv', { tz, groupBy: ['machine'] })).result as string
      expect(csv.split('\r\n').map((l) => l.split(',').slice(0, 1).concat(l.split(',').slice(5, 6)).join(','))).toEqual([
        'machine,requests',
        'north,40',
        'south,25',
        '',
      ])
      const dims = (await call('dimensions')).result as { machines: string[]; team: string; users: string[] }
      expect(dims.machines).toEqual(['north', 'south'])
      expect(dims.team).toMatch(/^postgres:\/\/tw@127\.0\.0\.1:\d+\/tw$/)
      expect(dims.users).toEqual(['ana', 'bo'])
      const today = await call('todaySpend', { tz })
      expect(today).toMatchObject({ ok: true, result: { tz } })
      const sessions = await call('sessions', { tz })
      expect(sessions).toMatchObject({ ok: false })
      expect(sessions.error).toMatch(/sessions stay on each machine/)
      expect((await call('setSettings', { paused: true })).error).toMatch(/settings are changed on each machine/)
    } finally {
      expect(await served.stop()).toBe(0)
    }
  })

  it('bad URLs and flags are one-line usage errors; a password never appears in output', () => {
    const m = machineDir('solo', 2)
    const env = { ...m.env, TOKENWATCH_TEAM_URL: '' }
    expect(runCli(['sync', '--db', m.db], env)).toMatchObject({
      code: 2,
      stderr: 'tokenwatch sync: --to: give a postgres:// URL or set TOKENWATCH_TEAM_URL\n',
    })
    expect(runCli(['sync', '--to', 'mysql://x/y', '--db', m.db], env)).toMatchObject({
      code: 2,
      stderr: 'tokenwatch sync: --to: expected a postgres:// URL, got mysql://\n',
    })
    expect(runCli(['sync', '--projects', 'full', '--db', m.db], m.env)).toMatchObject({
      code: 2,
      stderr: 'tokenwatch sync: --projects: use as-is, basename, hashed\n',
    })
    expect(runCli(['report', '--from', pgs.url, '--group-by', 'session'], m.env).code).toBe(2)
    const wrong = runCli(['sync', '--to', `postgres://tw:hunter22@127.0.0.1:${pgs.port + 7}/tw`, '--db', m.db], m.env)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^tokenwatch sync: cannot connect to the team database: /)
    expect(wrong.stderr + wrong.stdout).not.toContain('hunter22')
  })
})

async function until(ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 50))
  }
}
