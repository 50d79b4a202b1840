import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { guardWal } from '../../../src/engine/store/wal-guard'
import { Engine } from '../../../src/engine/live/engine'
import { eventually } from '../../helpers/eventually'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const pushed = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    event(`ext:bot:${from + i}`, Date.parse('2026-03-01T10:00:00Z') + (from + i) * 1000, { source: 'socket', input: 1 }),
  )

/** What a SIGKILL now would leave: the files on disk as they are, opened by a new process. */
function countAfterKill(dbPath: string): number {
  const dir = tempDir()
  const copy = join(dir, 'after-kill.db')
  copyFileSync(dbPath, copy)
  if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, `${copy}-wal`)
  const db = new Database(copy)
  const n = (db.prepare('SELECT count(*) AS n FROM usage_events').get() as { n: number }).n
  db.close()
  return n
}

describe('a WAL deleted while running', () => {
  it('is detected at the next commit: what was committed is checkpointed, a new WAL is made, said; nothing acknowledged is lost', () => {
    const store = openStore(join(tempDir(), 'tokenwatch.db'))
    try {
      applyBatch(store, [{ events: pushed(0, 500) }], () => null)
      expect(existsSync(`${store.path}-wal`)).toBe(true)
      rmSync(`${store.path}-wal`)
      const said: string[] = []
      // The guard runs before every batch; called here with a recorder to see what it says.
      expect(guardWal(store, (m) => said.push(m))).toBe('recreated')
      expect(said[0]).toMatch(/WAL .* was deleted while running; everything committed was checkpointed/)
      expect(existsSync(`${store.path}-wal`)).toBe(true)
      expect(countAfterKill(store.path)).toBe(500)
      // And from applyBatch itself, after a second deletion: later commits land in a WAL on disk.
      rmSync(`${store.path}-wal`)
      applyBatch(store, [{ events: pushed(500, 300) }], () => null)
      expect(existsSync(`${store.path}-wal`)).toBe(true)
      expect(countAfterKill(store.path)).toBe(800)
      expect(guardWal(store)).toBe('ok')
    } finally {
      store.close()
    }
  })

  it('a running engine notices within seconds even when nothing more is written, so a kill then loses nothing', async () => {
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') }
    const said: string[] = []
    const engine = await Engine.open({ env, watch: false, autoBackup: false, log: (m) => said.push(m) })
    await engine.start()
    try {
      await engine.writer.submit(pushed(0, 2000))
      const db = engine.store.path
      expect(countAfterKill(db)).toBe(2000)
      rmSync(`${db}-wal`)
      await eventually(() => expect(said.join('\n')).toMatch(/was deleted while running; everything committed was checkpointed/), 10_000)
      expect(countAfterKill(db)).toBe(2000)
    } finally {
      await engine.stop()
    }
  }, 20_000)
})
