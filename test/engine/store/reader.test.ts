import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { existsSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { openContext, type EngineContext } from '../../../src/engine/context'
import { MIGRATIONS } from '../../../src/engine/store/migrations'
import { acquireWriterLock } from '../../../src/engine/store/writer-lock'
import { tempDir } from '../../helpers/temp'

const open: { close(): void }[] = []
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.close()
})

function env(dir: string): NodeJS.ProcessEnv {
  return { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') }
}

function reader(dir: string): EngineContext {
  const ctx = openContext({ env: env(dir), writer: false })
  open.push(ctx)
  return ctx
}

/** A store at schema `v`, as an older Token Watch left it. */
function storeAt(path: string, v: number): void {
  const db = new Database(path)
  for (const step of MIGRATIONS.slice(0, v)) step(db)
  db.pragma(`user_version = ${v}`)
  db.close()
}

describe('readers (report, backup) open the store read-only', () => {
  it('a current store opens read-only, beside the writer, and refuses writes', () => {
    const dir = tempDir()
    const writer = openContext({ env: env(dir) })
    open.push(writer)
    const ctx = reader(dir)
    expect(ctx.store.db.readonly).toBe(true)
    expect(() => ctx.store.db.exec("INSERT INTO meta (key, value) VALUES ('x', 'y')")).toThrow(/readonly/)
  })

  it('no store: a clear error, and nothing is created', () => {
    const dir = tempDir()
    const db = join(dir, 'home', 'tokenwatch.db')
    expect(() => reader(dir)).toThrow(`no store at ${db}; run \`tokenwatch scan\` or \`tokenwatch serve\` first`)
    expect(existsSync(join(dir, 'home'))).toBe(false)
  })

  it('an older schema is upgraded once under the writer lock, then read read-only; refused while an engine writes', () => {
    const dir = tempDir()
    const path = join(dir, 'home', 'tokenwatch.db')
    openContext({ env: env(dir) }).close() // creates the data dir
    storeAt(join(dir, 'old.db'), 1)
    // Replace the fresh store with the v1 one.
    for (const ext of ['', '-wal', '-shm']) rmSync(path + ext, { force: true })
    renameSync(join(dir, 'old.db'), path)
    const lock = acquireWriterLock(path)
    expect(() => reader(dir)).toThrow(/already writing/)
    lock.release()
    const ctx = reader(dir)
    expect(ctx.store.db.readonly).toBe(true)
    expect(ctx.store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
  })

  it('a store from a newer Token Watch is refused, not read wrongly', () => {
    const dir = tempDir()
    openContext({ env: env(dir) }).close()
    const db = new Database(join(dir, 'home', 'tokenwatch.db'))
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    db.close()
    expect(() => reader(dir)).toThrow(`has schema v${MIGRATIONS.length + 1}, newer than this Token Watch (v${MIGRATIONS.length})`)
  })
})
