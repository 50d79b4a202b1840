import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Engine } from '../../../src/engine/live/engine'
import { runReport } from '../../../src/engine/query/report'
import { backupDir, backupIfDue, backupStore, listBackups, pruneBackups, storeFileProblem } from '../../../src/engine/store/backup'
import { MIGRATIONS } from '../../../src/engine/store/migrations'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import type { UsageEvent } from '../../../src/shared/usage'
import { eventually } from '../../helpers/eventually'
import { tempDir } from '../../helpers/temp'

const HOUR = 3600_000
const opened: { close(): unknown }[] = []
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close()
})

function store(): Store {
  const s = openStore(join(tempDir(), 'home', 'tokenwatch.db'))
  opened.push(s)
  return s
}

function pushed(n: number, from = 0): UsageEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `ext:bot:${from + i}`,
    ts: Date.parse('2026-03-01T10:00:00Z') + (from + i) * 1000,
    source: 'socket',
    userId: 'u',
    agentId: 'bot',
    project: '/p',
    sessionId: `s${from + i}`,
    model: 'm',
    input: 10,
    output: 1,
    cacheRead: 0,
    cacheWrite: 0,
    cacheWrite1h: 0,
  }))
}

const mode = (p: string) => statSync(p).mode & 0o777

describe('backups: files, names, pruning', () => {
  it('writes a complete copy 0600 in a 0700 folder, even under umask 0, leaving no temporary file', async () => {
    const s = store()
    const old = process.umask(0)
    let manual: string
    let out: string
    try {
      manual = await backupStore(s)
      out = await backupStore(s, join(tempDir(), 'elsewhere', 'copy.db'))
    } finally {
      process.umask(old)
    }
    expect(basename(manual)).toMatch(/^tokenwatch-\d{8}-\d{6}-\d{3}\.db$/)
    expect([mode(manual), mode(out), mode(backupDir(s.path))]).toEqual([0o600, 0o600, 0o700])
    expect(readdirSync(backupDir(s.path))).toEqual([basename(manual)])
    expect(storeFileProblem(manual)).toBeNull()
    expect(storeFileProblem(out)).toBeNull()
  })

  it('lists newest first across name styles and kinds; pruning keeps the newest 3 automatic ones, never manual ones', () => {
    const s = store()
    const dir = backupDir(s.path)
    mkdirSync(dir, { recursive: true })
    const names = [
      'tokenwatch-20260101-120000.db', // manual, from before milliseconds in names
      'tokenwatch-auto-20260101-120000-001.db',
      'tokenwatch-auto-20260102-080000-000.db',
      'tokenwatch-20260102-080000-500.db',
      'tokenwatch-auto-20260103-080000-000.db',
      'tokenwatch-auto-20260104-080000-000.db',
      'tokenwatch-auto-20260105-080000-000.db.tmp', // a backup cut short: never listed
      'notes.txt',
    ]
    for (const n of names) writeFileSync(join(dir, n), '')
    expect(listBackups(s.path).map((p) => basename(p))).toEqual([
      'tokenwatch-auto-20260104-080000-000.db',
      'tokenwatch-auto-20260103-080000-000.db',
      'tokenwatch-20260102-080000-500.db',
      'tokenwatch-auto-20260102-080000-000.db',
      'tokenwatch-auto-20260101-120000-001.db',
      'tokenwatch-20260101-120000.db',
    ])
    pruneBackups(s.path, 3)
    expect(listBackups(s.path).map((p) => basename(p))).toEqual([
      'tokenwatch-auto-20260104-080000-000.db',
      'tokenwatch-auto-20260103-080000-000.db',
      'tokenwatch-20260102-080000-500.db',
      'tokenwatch-auto-20260102-080000-000.db',
      'tokenwatch-20260101-120000.db',
    ])
  })

  it('backupIfDue: takes one when none exists or the newest is older than the period, not otherwise', async () => {
    const s = store()
    const first = await backupIfDue(s)
    expect(first).toMatch(/tokenwatch-auto-/)
    expect(await backupIfDue(s)).toBeNull()
    // An hour later: not due. A day and an hour later: due.
    expect(await backupIfDue(s, { now: Date.now() + HOUR })).toBeNull()
    const t = (Date.now() - 25 * HOUR) / 1000
    utimesSync(first as string, t, t)
    const second = await backupIfDue(s)
    expect(second).not.toBeNull()
    expect(listBackups(s.path)).toEqual([second, first])
  })
})

describe('storeFileProblem: what restore and recovery accept', () => {
  it('accepts a Token Watch store and names what is wrong with anything else', () => {
    const dir = tempDir()
    const good = store().path
    const at = (name: string, build: (db: Database.Database) => void): string => {
      const p = join(dir, name)
      const db = new Database(p)
      build(db)
      db.close()
      return p
    }
    writeFileSync(join(dir, 'junk.db'), 'not a database at all, just text long enough to be a header')
    const plain = at('plain.db', (db) => db.exec('CREATE TABLE notes (t TEXT)'))
    const noLedger = at('no-ledger.db', (db) => db.pragma('user_version = 1'))
    const newer = at('newer.db', (db) => {
      db.exec('CREATE TABLE usage_events (key TEXT)')
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    })
    expect(storeFileProblem(good)).toBeNull()
    expect(storeFileProblem(join(dir, 'missing.db'))).toBe('does not exist')
    expect(storeFileProblem(join(dir, 'junk.db'))).toMatch(/^is not a SQLite database/)
    expect(storeFileProblem(plain)).toBe('is not a Token Watch store (no schema version or no usage_events table)')
    expect(storeFileProblem(noLedger)).toBe('is not a Token Watch store (no schema version or no usage_events table)')
    expect(storeFileProblem(newer)).toBe(
      `is from a newer Token Watch (schema v${MIGRATIONS.length + 1}; this one reads up to v${MIGRATIONS.length})`,
    )
  })
})

function engineEnv(dir: string): NodeJS.ProcessEnv {
  return { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') }
}

const socketInput = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: ['source'], sources: ['socket'] }).totals.requests

describe('automatic backups by the engine', () => {
  it('one at start, then one per period, the newest 3 kept, 0600, and none after stop', async () => {
    const dir = tempDir()
    const engine = await Engine.open({ env: engineEnv(dir), watch: false, autoBackup: { everyMs: 400 } })
    opened.push({ close: () => engine.stop() })
    const backups = join(dir, 'home', 'backups')
    await engine.start()
    await engine.writer.submit(pushed(5))
    const seen = new Set<string>()
    // Finished backups only (a backup in progress is a `.tmp` file): at least 5 taken, so pruning ran.
    await eventually(() => {
      for (const f of readdirSync(backups)) if (f.endsWith('.db')) seen.add(f)
      expect(seen.size).toBeGreaterThanOrEqual(5)
    }, 15_000)
    await engine.stop()
    const kept = readdirSync(backups)
    expect(kept).toHaveLength(3)
    expect(kept.every((f) => /^tokenwatch-auto-\d{8}-\d{6}-\d{3}\.db$/.test(f))).toBe(true)
    expect(kept.map((f) => mode(join(backups, f)))).toEqual([0o600, 0o600, 0o600])
    expect(mode(backups)).toBe(0o700)
    // The timer died with stop(): nothing new appears.
    await new Promise((r) => setTimeout(r, 900))
    expect(readdirSync(backups)).toEqual(kept)
  }, 20_000)

  it('at start only when the newest backup is older than 24 h', async () => {
    const dir = tempDir()
    const env = engineEnv(dir)
    const first = await Engine.open({ env, watch: false })
    await first.start()
    await eventually(() => expect(listBackups(first.store.path)).toHaveLength(1))
    await first.stop()
    const [only] = listBackups(join(dir, 'home', 'tokenwatch.db'))
    // Taken an hour ago: a restart takes none.
    const hourAgo = (Date.now() - HOUR) / 1000
    utimesSync(only as string, hourAgo, hourAgo)
    const second = await Engine.open({ env, watch: false })
    await second.start()
    await new Promise((r) => setTimeout(r, 300))
    expect(listBackups(second.store.path)).toEqual([only])
    await second.stop()
    // Taken 25 hours ago: a restart takes a new one.
    const dayAgo = (Date.now() - 25 * HOUR) / 1000
    utimesSync(only as string, dayAgo, dayAgo)
    const third = await Engine.open({ env, watch: false })
    await third.start()
    await eventually(() => expect(listBackups(third.store.path)).toHaveLength(2))
    await third.stop()
  })

  it('a corrupt store comes back with the pushed events of the newest automatic backup, naming what is lost', async () => {
    const dir = tempDir()
    const env = engineEnv(dir)
    const db = join(dir, 'home', 'tokenwatch.db')
    const engine = await Engine.open({ env, watch: false, autoBackup: { everyMs: 400 } })
    await engine.start()
    await engine.writer.submit(pushed(7))
    // Wait for a backup that holds the 7 events, then push 3 more that no backup will hold.
    const withSeven = await (async () => {
      for (const end = Date.now() + 10_000; Date.now() < end;) {
        const newest = listBackups(db)[0]
        if (newest && statSync(newest).mtimeMs > Date.now() - 5000) {
          const b = new Database(newest, { readonly: true })
          const n = (b.prepare('SELECT count(*) AS n FROM usage_events').get() as { n: number }).n
          b.close()
          if (n === 7) return newest
        }
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error('no backup with the 7 pushed events was taken')
    })()
    await engine.stop()
    const kept = join(dir, 'kept.db')
    copyFileSync(withSeven, kept)
    const later = await Engine.open({ env, watch: false, autoBackup: false })
    await later.start()
    await later.writer.submit(pushed(3, 7))
    expect(socketInput(later)).toBe(10)
    await later.stop()
    for (const b of listBackups(db)) if (b !== withSeven) writeFileSync(b, 'a broken backup is skipped')
    // Scribble over the middle of the store.
    const bytes = readFileSync(db)
    bytes.fill(0x5a, 4096, Math.min(bytes.length, 4096 * 6))
    writeFileSync(db, bytes)

    const messages: string[] = []
    const rebuilt = await Engine.open({ env, watch: false, autoBackup: false, log: (m) => messages.push(m) })
    opened.push({ close: () => rebuilt.stop() })
    expect(socketInput(rebuilt)).toBe(7)
    expect(messages).toHaveLength(1)
    const taken = new Date(statSync(withSeven).mtimeMs).toISOString()
    expect(messages[0]).toContain(
      `7 pushed events restored from ${basename(withSeven)} (taken ${taken}); ` +
        'events pushed over the socket or HTTP after that instant are lost',
    )
    expect(messages[0]).toMatch(/moved it to .*tokenwatch\.db\.corrupt-/)
    expect(readFileSync(withSeven)).toEqual(readFileSync(kept))
  }, 20_000)

  it('recovery picks the backup with the newest content, not the newest name: a clock that ran ahead once does not win', async () => {
    const dir = tempDir()
    const env = engineEnv(dir)
    const db = join(dir, 'home', 'tokenwatch.db')
    const engine = await Engine.open({ env, watch: false, autoBackup: false })
    await engine.start()
    await engine.writer.submit(pushed(5))
    // Taken while the clock said 2099: its name sorts after every later backup's.
    const ahead = await backupStore(engine.store, join(backupDir(db), 'tokenwatch-auto-20991231-235959-000.db'), 'auto')
    await engine.writer.submit(pushed(4, 5))
    const fresh = await backupStore(engine.store, undefined, 'auto')
    await engine.stop()
    expect(listBackups(db)).toEqual([fresh, ahead])

    const bytes = readFileSync(db)
    bytes.fill(0x5a, 4096, Math.min(bytes.length, 4096 * 6))
    writeFileSync(db, bytes)
    const messages: string[] = []
    const rebuilt = await Engine.open({ env, watch: false, autoBackup: false, log: (m) => messages.push(m) })
    opened.push({ close: () => rebuilt.stop() })
    expect(socketInput(rebuilt)).toBe(9)
    expect(messages[0]).toContain(`9 pushed events restored from ${basename(fresh)}`)
    // The rebuilt store continues the backup's sequence: its next backup orders after both.
    await rebuilt.writer.submit(pushed(1, 9))
    const next = await backupStore(rebuilt.store, join(backupDir(db), 'tokenwatch-auto-20000101-000000-000.db'), 'auto')
    expect(listBackups(db)).toEqual([next, fresh, ahead])
    // Pruning keeps the newest content too.
    pruneBackups(db, 2)
    expect(listBackups(db)).toEqual([next, fresh])
  }, 20_000)
})
