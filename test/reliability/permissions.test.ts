import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS } from '../../src/engine/store/migrations'
import { layout, tempDir } from '../helpers/temp'
import { eventually } from '../helpers/eventually'
import { cliEnv, requireBuild, runCli, signIn, startServe } from '../cli/run-cli'

beforeAll(requireBuild)

const mode = (p: string) => statSync(p).mode & 0o777

/** Runs `fn` with umask 0, so every mode below is one the code set, not one the umask left. */
async function underUmask0<T>(fn: () => Promise<T> | T): Promise<T> {
  const old = process.umask(0)
  try {
    return await fn()
  } finally {
    process.umask(old)
  }
}

const LOGS = { 'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl' }

describe("permissions: only the user can read Token Watch's files, whatever the umask", () => {
  it('serve: data dir 0700 (tightened from 0777), store, WAL, SHM and writer lock 0600, socket 0600, settings 0600, backups 0600 in a 0700 folder', async () => {
    const dir = tempDir()
    layout(dir, LOGS)
    const env = cliEnv(dir)
    const home = join(dir, 'home')
    // A data dir that already exists with a loose mode (Electron creates userData 0755).
    mkdirSync(home)
    chmodSync(home, 0o777)
    const served = await underUmask0(() => startServe(['--port', '0'], env))
    try {
      const { cookie, origin } = await signIn(served.url)
      const res = await fetch(`${origin}/api/setSettings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ arg: { dailyBudgetUsd: 12 } }),
      })
      expect(res.status).toBe(200)
      await eventually(() => expect(readdirSync(join(home, 'backups')).filter((f) => f.endsWith('.db'))).toHaveLength(1))
      const [auto] = readdirSync(join(home, 'backups'))
      expect({
        dataDir: mode(home),
        store: mode(join(home, 'tokenwatch.db')),
        wal: mode(join(home, 'tokenwatch.db-wal')),
        shm: mode(join(home, 'tokenwatch.db-shm')),
        lock: mode(join(home, 'tokenwatch.db.lock')),
        socket: mode(join(home, 'ingest.sock')),
        settings: mode(join(home, 'settings.json')),
        backups: mode(join(home, 'backups')),
        autoBackup: mode(join(home, 'backups', auto ?? '')),
      }).toEqual({
        dataDir: 0o700,
        store: 0o600,
        wal: 0o600,
        shm: 0o600,
        lock: 0o600,
        socket: 0o600,
        settings: 0o600,
        backups: 0o700,
        autoBackup: 0o600,
      })
      expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toMatchObject({ dailyBudgetUsd: 12 })
      // `backup --out` into a shared folder: still the user's alone.
      const shared = join(dir, 'shared')
      mkdirSync(shared)
      chmodSync(shared, 0o777)
      const out = await underUmask0(() => runCli(['backup', '--out', join(shared, 'copy.db')], env))
      expect(out.code).toBe(0)
      expect(mode(join(shared, 'copy.db'))).toBe(0o600)
    } finally {
      expect(await served.stop()).toBe(0)
    }
  }, 30_000)

  it('scan: a new data dir is 0700, an existing 0755 one is tightened to 0700, the store 0600', async () => {
    for (const existing of [false, true]) {
      const dir = tempDir()
      layout(dir, LOGS)
      const env = cliEnv(dir)
      if (existing) {
        mkdirSync(join(dir, 'home'))
        chmodSync(join(dir, 'home'), 0o755)
      }
      expect((await underUmask0(() => runCli(['scan'], env))).code).toBe(0)
      expect([mode(join(dir, 'home')), mode(join(dir, 'home', 'tokenwatch.db'))]).toEqual([0o700, 0o600])
    }
  })
})

describe('restore', () => {
  it('restores a 0644 backup as a 0600 store', async () => {
    const dir = tempDir()
    layout(dir, LOGS)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    const file = join(dir, 'b.db')
    expect(runCli(['backup', '--out', file], env).code).toBe(0)
    chmodSync(file, 0o644)
    const r = runCli(['restore', file], env)
    expect(r.code).toBe(0)
    expect(mode(join(dir, 'home', 'tokenwatch.db'))).toBe(0o600)
    expect(JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout).totals.requests).toBe(3)
  })

  it('refuses files that are not Token Watch stores with a clear message, leaving the current store untouched', () => {
    const dir = tempDir()
    layout(dir, LOGS)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    const db = join(dir, 'home', 'tokenwatch.db')
    const before = readFileSync(db)
    const filesBefore = readdirSync(join(dir, 'home')).sort()
    const make = (name: string, build: (d: Database.Database) => void): string => {
      const p = join(dir, name)
      const d = new Database(p)
      build(d)
      d.close()
      return p
    }
    writeFileSync(join(dir, 'junk.db'), 'not a database')
    const cases: [string, string][] = [
      [join(dir, 'junk.db'), 'is not a SQLite database'],
      [
        make('other-app.db', (d) => d.exec('CREATE TABLE notes (t TEXT)')),
        'is not a Token Watch store (no schema version or no usage_events table)',
      ],
      [
        make('no-ledger.db', (d) => d.pragma('user_version = 2')),
        'is not a Token Watch store (no schema version or no usage_events table)',
      ],
      [
        make('newer.db', (d) => {
          d.exec('CREATE TABLE usage_events (key TEXT)')
          d.pragma(`user_version = ${MIGRATIONS.length + 1}`)
        }),
        `is from a newer Token Watch (schema v${MIGRATIONS.length + 1}`,
      ],
      [join(dir, 'missing.db'), 'does not exist'],
    ]
    for (const [file, reason] of cases) {
      const r = runCli(['restore', file], env)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`tokenwatch restore: ${file} ${reason}`)
      expect(r.stderr).toContain('nothing was changed')
    }
    expect(readFileSync(db).equals(before)).toBe(true)
    expect(readdirSync(join(dir, 'home')).sort()).toEqual(filesBefore)
  })
})

describe('report and backup only read', () => {
  it('report with no store says so (exit 1) and creates nothing', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const db = join(dir, 'home', 'tokenwatch.db')
    for (const cmd of [['report'], ['backup']]) {
      const r = runCli(cmd, env)
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(`tokenwatch ${cmd[0]}: no store at ${db}; run \`tokenwatch scan\` or \`tokenwatch serve\` first\n`)
    }
    expect(existsSync(join(dir, 'home'))).toBe(false)
  })
})
