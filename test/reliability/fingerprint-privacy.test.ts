import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fingerprintOf } from '../../src/engine/store/fingerprint'
import { MIGRATIONS } from '../../src/engine/store/migrations'
import { claudeLine, fileRow, jsonl, makeEnv } from '../engine/ingest/support'

const TS = '2026-03-01T10:00:00.000Z'
const SECRET = 'sk-planted-SECRET-0123456789abcdef'

/** A transcript whose last line (the bytes just before the read offset) holds a secret. */
function writeLog(path: string): void {
  const secretLine = JSON.stringify({ type: 'user', timestamp: TS, message: { role: 'user', content: `token ${SECRET}` } })
  writeFileSync(path, jsonl([claudeLine({ id: 'a', ts: TS, output: 5 }), secretLine]))
}

function storeBytes(dbPath: string): string {
  return readFileSync(dbPath).toString('latin1')
}

describe('the offset fingerprint keeps a hash of the bytes before the offset, never the bytes', () => {
  it('a secret in the line that ends a log appears in the store neither as text nor as hex', async () => {
    const env = makeEnv()
    const log = join(env.claudeProjects, 'app', 's.jsonl')
    writeLog(log)
    await env.scan()
    const fp = (env.store.db.prepare('SELECT fingerprint FROM source_files WHERE path = ?').get(log) as { fingerprint: string }).fingerprint
    const content = readFileSync(log)
    expect(fp).toBe(fingerprintOf(content.subarray(content.length - 64)))
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/)
    env.store.db.pragma('wal_checkpoint(TRUNCATE)')
    env.store.close()
    const bytes = storeBytes(env.dbPath)
    expect(bytes.includes(SECRET)).toBe(false)
    expect(bytes.includes(Buffer.from(SECRET.slice(0, 16)).toString('hex'))).toBe(false)
  })

  it('a v6 store with hex fingerprints is migrated to hashes in place and every file keeps reading from its offset', async () => {
    const env = makeEnv()
    const log = join(env.claudeProjects, 'app', 's.jsonl')
    writeLog(log)
    await env.scan()
    const before = fileRow(env.store, log)
    env.store.close()
    // Make it the store v6 wrote: the last 64 bytes before the offset, as hex.
    const content = readFileSync(log)
    const hex = content.subarray(content.length - 64).toString('hex')
    const db = new Database(env.dbPath)
    db.prepare('UPDATE source_files SET fingerprint = ? WHERE path = ?').run(hex, log)
    // Tables later migrations add go too, so v7 onwards really run again on a v6 store.
    const v6 = new Database(':memory:')
    for (const m of MIGRATIONS.slice(0, 6)) m(v6)
    const tables = (d: Database.Database) =>
      (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name)
    const v6Tables = new Set(tables(v6))
    v6.close()
    for (const t of tables(db)) if (!v6Tables.has(t) && !t.startsWith('sqlite_')) db.exec(`DROP TABLE "${t}"`)
    db.pragma('user_version = 6')
    db.close()
    const store = env.reopen()
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    const fp = (store.db.prepare('SELECT fingerprint FROM source_files WHERE path = ?').get(log) as { fingerprint: string }).fingerprint
    expect(fp).toBe(fingerprintOf(content.subarray(content.length - 64)))
    store.db.pragma('wal_checkpoint(TRUNCATE)')
    expect(storeBytes(env.dbPath).includes(hex.slice(0, 32))).toBe(false)
    // Appending: read from the saved offset (one new line), not from the start as a rewrite.
    appendFileSync(log, claudeLine({ id: 'b', ts: TS, output: 7 }) + '\n')
    await env.scan()
    const after = fileRow(store, log)
    expect(after).toMatchObject({ rewrites: before?.rewrites, lines: (before?.lines ?? 0) + 1, events: (before?.events ?? 0) + 1 })
    store.close()
  })

  it('a hex fingerprint not yet migrated is still honoured: no spurious re-read', async () => {
    const env = makeEnv()
    const log = join(env.claudeProjects, 'app', 's.jsonl')
    writeLog(log)
    await env.scan()
    const before = fileRow(env.store, log)
    const content = readFileSync(log)
    env.store.db
      .prepare('UPDATE source_files SET fingerprint = ? WHERE path = ?')
      .run(content.subarray(content.length - 64).toString('hex'), log)
    appendFileSync(log, claudeLine({ id: 'b', ts: TS, output: 7 }) + '\n')
    await env.scan()
    expect(fileRow(env.store, log)).toMatchObject({ rewrites: before?.rewrites, lines: (before?.lines ?? 0) + 1 })
    env.store.close()
  })
})
